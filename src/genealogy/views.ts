import { lifespan } from './dates.js';
import { ladder } from './kinship.js';
import { type FamilyTree, type Person, fullName } from './tree.js';

export { fullName };

/**
 * The shapes in which people, families and kinship ladders are shown: by the reference site's
 * API and pages, and by local (GEDCOM) research, so both give identical answers.
 */
export interface PersonSummary {
  readonly id: string;
  readonly name: string;
  readonly sex: string;
  readonly lifespan: string;
}

export interface EventView {
  readonly date: string | null;
  readonly year: number | null;
  readonly place: string | null;
}

export interface PersonView {
  readonly id: string;
  readonly given: string;
  readonly surname: string;
  readonly name: string;
  readonly sex: string;
  readonly birth: EventView | null;
  readonly death: EventView | null;
  readonly lifespan: string;
}

export interface FamilyView {
  readonly person: PersonSummary;
  readonly parents: readonly PersonSummary[];
  readonly spouses: readonly PersonSummary[];
  readonly children: readonly PersonSummary[];
}

export interface LadderView {
  readonly from: PersonSummary;
  readonly to: PersonSummary;
  /** What `from` is to `to`. */
  readonly relationship: string;
  readonly kind: string;
  /** From `from` to `to`, each with what that person is to `to`. */
  readonly steps: readonly { readonly id: string; readonly name: string; readonly lifespan: string; readonly relationship: string }[];
}

export function personSummary(tree: FamilyTree, i: number): PersonSummary {
  const p = tree.person(i);
  return { id: p.id, name: fullName(p), sex: p.sex, lifespan: lifespan(p.birth?.date, p.death?.date) };
}

export function personView(p: Person): PersonView {
  const event = (e: Person['birth']): EventView | null => (e ? { date: e.date?.text ?? null, year: e.date?.year ?? null, place: e.place ?? null } : null);
  return { id: p.id, given: p.given, surname: p.surname, name: fullName(p), sex: p.sex, birth: event(p.birth), death: event(p.death), lifespan: lifespan(p.birth?.date, p.death?.date) };
}

export function familyView(tree: FamilyTree, i: number): FamilyView {
  const list = (ids: number[]): PersonSummary[] => ids.map((x) => personSummary(tree, x));
  return { person: personSummary(tree, i), parents: list(tree.parents(i)), spouses: list(tree.spouses(i)), children: list(tree.children(i)) };
}

/** The ladder from person `i` to person `to` (the home person, usually), relationships relative to `to`. */
export function ladderView(tree: FamilyTree, i: number, to: number): LadderView {
  const result = ladder(tree, to, i);
  return {
    from: personSummary(tree, i),
    to: personSummary(tree, to),
    relationship: result.kinship.name,
    kind: result.kinship.kind,
    steps: [...result.steps].reverse().map((s) => ({ id: s.id, name: s.name, lifespan: s.lifespan, relationship: s.relationship })),
  };
}
