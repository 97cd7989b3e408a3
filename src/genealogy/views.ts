import { lifespan } from './dates.js';
import { ladder } from './kinship.js';
import { type FamilyTree, type LinkType, type Person, fullName } from './tree.js';

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
  /** Other names the person is recorded under (present only when there are some). */
  readonly alternateNames?: readonly { readonly given: string; readonly surname: string }[];
  readonly name: string;
  readonly sex: string;
  readonly birth: EventView | null;
  readonly death: EventView | null;
  readonly lifespan: string;
}

/** A parent or child, with the kind of link when it is not a birth link. */
export type RelativeSummary = PersonSummary & { readonly link?: Exclude<LinkType, 'birth'> };

export interface FamilyView {
  readonly person: PersonSummary;
  readonly parents: readonly RelativeSummary[];
  readonly spouses: readonly PersonSummary[];
  readonly children: readonly RelativeSummary[];
}

export interface LadderView {
  readonly from: PersonSummary;
  readonly to: PersonSummary;
  /** What `from` is to `to`. */
  readonly relationship: string;
  readonly kind: string;
  /**
   * From `from` to `to`, each with what that person is to `to`, and `link` when this person
   * and the one before it are parent and child by a link other than birth (adopted, step, …).
   */
  readonly steps: readonly {
    readonly id: string;
    readonly name: string;
    readonly lifespan: string;
    readonly relationship: string;
    readonly link?: Exclude<LinkType, 'birth'>;
  }[];
  /**
   * Where the path turns: the index in `steps` of the nearest common ancestor, for relations by
   * descent (the steps before it go up from `from`, those after it come down to `to`). Absent for
   * self, for relations by marriage and when not related.
   */
  readonly apex?: number;
}

export function personSummary(tree: FamilyTree, i: number): PersonSummary {
  const p = tree.person(i);
  return { id: p.id, name: fullName(p), sex: p.sex, lifespan: lifespan(p.birth?.date, p.death?.date) };
}

export function personView(p: Person): PersonView {
  const event = (e: Person['birth']): EventView | null =>
    e ? { date: e.date?.text ?? null, year: e.date?.year ?? null, place: e.place ?? null } : null;
  return {
    id: p.id,
    given: p.given,
    surname: p.surname,
    ...(p.alternateNames ? { alternateNames: p.alternateNames.map((n) => ({ given: n.given, surname: n.surname })) } : {}),
    name: fullName(p),
    sex: p.sex,
    birth: event(p.birth),
    death: event(p.death),
    lifespan: lifespan(p.birth?.date, p.death?.date),
  };
}

export function familyView(tree: FamilyTree, i: number): FamilyView {
  const list = (ids: number[]): PersonSummary[] => ids.map((x) => personSummary(tree, x));
  const linked = (ids: number[], link: (x: number) => LinkType | undefined): RelativeSummary[] =>
    ids.map((x) => {
      const l = link(x);
      return l === undefined || l === 'birth' ? personSummary(tree, x) : { ...personSummary(tree, x), link: l };
    });
  return {
    person: personSummary(tree, i),
    parents: linked(tree.parents(i), (x) => tree.linkBetween(i, x)),
    spouses: list(tree.spouses(i)),
    children: linked(tree.children(i), (x) => tree.linkBetween(x, i)),
  };
}

/** The ladder from person `i` to person `to` (the home person, usually), relationships relative to `to`. */
export function ladderView(tree: FamilyTree, i: number, to: number): LadderView {
  const result = ladder(tree, to, i);
  const k = result.kinship;
  // The ladder runs from `to` (up k.up generations to the ancestor); the view runs the other way.
  const apex = k.kind === 'blood' || k.kind === 'non-birth' ? result.steps.length - 1 - k.up : undefined;
  return {
    from: personSummary(tree, i),
    to: personSummary(tree, to),
    relationship: result.kinship.name,
    kind: result.kinship.kind,
    // Reversed, each step's link to the one before it is the link the next original step had.
    steps: [...result.steps].reverse().map((s, k, all) => {
      const link = k > 0 ? (all[k - 1] as (typeof all)[number]).link : undefined;
      return { id: s.id, name: s.name, lifespan: s.lifespan, relationship: s.relationship, ...(link ? { link } : {}) };
    }),
    ...(apex === undefined ? {} : { apex }),
  };
}
