import { lifespan } from './dates.js';
import { type FamilyTree, type LinkType, type Sex, fullName } from './tree.js';

/**
 * How two people are related, computed from their nearest common ancestors: walk up from both
 * (breadth-first, bounded), pick the common ancestor with the fewest generations in total, and
 * name the relationship from the two distances. Only birth links count as blood. People not
 * related by blood may be related through adoptive, foster, step or other parent links (named so:
 * "adoptive mother", "stepfather", "foster son", "step-grandmother"), or through one spouse (wife,
 * brother-in-law, stepmother, …); the nearer of those two wins.
 */

export interface KinshipOptions {
  /** Most generations walked up from each person. Default 30. */
  readonly maxGenerations?: number;
  /** Most ancestors visited from each person. Default 100 000. */
  readonly maxVisited?: number;
}

/** How `other` is related to `start`: the same person, by blood (with the generations up and down), by marriage or a non-birth link, or not at all; `name` is the English name. */
export type Kinship =
  | {
      readonly kind: 'self';
      readonly name: 'self';
    }
  | {
      readonly kind: 'blood';
      /** What `other` is to `start`: "father", "second cousin once removed", … */
      readonly name: string;
      /** Generations from `start` / `other` up to the common ancestor. */
      readonly up: number;
      readonly down: number;
      readonly half: boolean;
      /** The nearest common ancestor(s): one, or a couple. */
      readonly commonAncestors: readonly number[];
    }
  | {
      /** Through at least one parent link that is not a birth link (adoptive, step, foster, …). */
      readonly kind: 'non-birth';
      readonly name: string;
      readonly up: number;
      readonly down: number;
      readonly half: boolean;
      readonly commonAncestors: readonly number[];
      /** The non-birth links the path goes through, from `start` to `other`. */
      readonly links: readonly Exclude<LinkType, 'birth'>[];
    }
  | {
      readonly kind: 'marriage';
      readonly name: string;
      /** The person through whose marriage the relation runs (a spouse of `start` or of `other`). */
      readonly via: number;
    }
  | { readonly kind: 'none'; readonly name: 'not related' };

/** One step of a kinship ladder. */
export interface LadderStep {
  readonly person: number;
  readonly id: string;
  readonly name: string;
  readonly lifespan: string;
  /** What this person is to the start person. */
  readonly relationship: string;
  /** How this person is linked to the step before, when it is a parent link other than birth. */
  readonly link?: Exclude<LinkType, 'birth'>;
}

/** The relationship and the path of people that makes it, from the start person to the other one. */
export interface Ladder {
  readonly kinship: Kinship;
  /** From the start person to the other one (empty when not related). */
  readonly steps: readonly LadderStep[];
}

/** Name of `other` relative to `start`. */
export function relationship(tree: FamilyTree, start: number, other: number, options: KinshipOptions = {}): Kinship {
  return ladder(tree, start, other, options).kinship;
}

/** The relationship and the path of people from `start` to `other` through the common ancestor. */
export function ladder(tree: FamilyTree, start: number, other: number, options: KinshipOptions = {}): Ladder {
  if (start === other) return { kinship: { kind: 'self', name: 'self' }, steps: [step(tree, start, 'self')] };
  const limits = { maxGenerations: options.maxGenerations ?? 30, maxVisited: options.maxVisited ?? 100_000 };
  const blood = bloodPath(tree, start, other, limits);
  if (blood) return blood;
  // Not by blood: through other parent links, or through a marriage; the nearer wins, the parent
  // links on a tie (an adoptive mother who married the father is the adoptive mother).
  const linked = tree.hasNonBirthLinks ? linkedPath(tree, start, other, limits) : undefined;
  const marriage = marriagePath(tree, start, other, limits);
  if (linked && (!marriage || linked.cost <= marriage.cost)) return linked.ladder;
  if (marriage) return marriage.ladder;
  return { kinship: { kind: 'none', name: 'not related' }, steps: [] };
}

interface Ancestry {
  /** ancestor → generations up. */
  readonly depth: Map<number, number>;
  /** ancestor → the child through which it was first reached (for the path back down). */
  readonly via: Map<number, number>;
  /** ancestor → the link from `via` up to it, when that is not a birth link. */
  readonly link: Map<number, Exclude<LinkType, 'birth'>>;
}

type Limits = { maxGenerations: number; maxVisited: number };

const BIRTH_PASS = [true] as const;
const BOTH_PASSES = [true, false] as const;

/** Ancestors by birth links only (`birthOnly`), or by any parent link, birth links first. */
function ancestry(tree: FamilyTree, from: number, limits: Limits, birthOnly = true): Ancestry {
  const depth = new Map<number, number>([[from, 0]]);
  const via = new Map<number, number>();
  const link = new Map<number, Exclude<LinkType, 'birth'>>();
  let frontier = [from];
  let next: number[] = [];
  let gen = 0;
  let pass = true;
  let child = from;
  // One visitor for the whole walk (the loop below sets what it reads), so none is made per person.
  const reach = (parent: number, type: LinkType): void => {
    if ((type === 'birth') !== pass || depth.has(parent)) return;
    depth.set(parent, gen);
    via.set(parent, child);
    if (type !== 'birth') link.set(parent, type);
    next.push(parent);
  };
  for (gen = 1; gen <= limits.maxGenerations && frontier.length > 0 && depth.size < limits.maxVisited; gen++) {
    next = [];
    // Birth links first, so a parent reached both ways in one generation is reached by birth.
    for (pass of birthOnly ? BIRTH_PASS : BOTH_PASSES) {
      for (child of frontier) tree.eachParent(child, reach);
    }
    frontier = next;
  }
  return { depth, via, link };
}

interface Blood {
  readonly ancestor: number;
  readonly up: number;
  readonly down: number;
  readonly half: boolean;
  readonly common: readonly number[];
  /** start … (below the ancestor), other … (below the ancestor). */
  readonly chainA: readonly number[];
  readonly chainB: readonly number[];
}

/** The nearest common ancestor of two ancestries, or `undefined` when they share none. */
function nearest(tree: FamilyTree, a: Ancestry, b: Ancestry, birthOnly: boolean): Blood | undefined {
  let best: number | undefined;
  let bestTotal = Number.POSITIVE_INFINITY;
  let bestUp = Number.POSITIVE_INFINITY;
  for (const [anc, da] of a.depth) {
    const db = b.depth.get(anc);
    if (db === undefined) continue;
    const total = da + db;
    if (total < bestTotal || (total === bestTotal && da < bestUp)) {
      best = anc;
      bestTotal = total;
      bestUp = da;
    }
  }
  if (best === undefined) return undefined;
  const up = a.depth.get(best) as number;
  const down = b.depth.get(best) as number;
  const chainA = chainUp(a, best);
  const chainB = chainUp(b, best);
  const common = [...a.depth].filter(([anc, da]) => da === up && b.depth.get(anc) === down).map(([anc]) => anc);
  // Half: the two children below the ancestor share only the ancestor as a parent. They come
  // down through different families (different partners), or through one family whose other
  // partner is not a parent of both (by birth, for blood; a step or adoptive link of one child's
  // own, as each child's links say, not the family record alone). A family with no other partner
  // recorded is read as full siblings: not knowing a parent is not evidence of two.
  let half = false;
  if (up > 0 && down > 0) {
    const childA = chainA.at(-1) as number;
    const childB = chainB.at(-1) as number;
    const below = (child: number): Int32Array =>
      tree.parentFamilies(child).filter((f) => tree.families[f]?.husband === best || tree.families[f]?.wife === best);
    const fb = below(childB);
    const shared = [...below(childA)].filter((f) => fb.includes(f));
    half = !shared.some((f) => {
      const family = tree.families[f] as (typeof tree.families)[number];
      const partner = family.husband === best ? family.wife : family.husband;
      if (partner === undefined) return true;
      // By blood, the partner must be the birth parent of both; through other links, a parent of both by any link.
      const parentOf = (child: number): boolean =>
        birthOnly ? tree.linkBetween(child, partner) === 'birth' : tree.linkBetween(child, partner) !== undefined;
      return parentOf(childA) && parentOf(childB);
    });
  }
  return { ancestor: best, up, down, half, common, chainA, chainB };
}

function bloodPath(tree: FamilyTree, start: number, other: number, limits: Limits): Ladder | undefined {
  const a = ancestry(tree, start, limits);
  const blood = nearest(tree, a, ancestry(tree, other, limits), true);
  if (!blood) return undefined;
  const { ancestor, up, down, half, common } = blood;
  const name = bloodName(up, down, tree.person(other).sex, half);
  const people = [...blood.chainA, ancestor, ...[...blood.chainB].reverse()];
  const steps = people.map((p) => {
    if (p === start) return step(tree, p, 'self');
    const da = a.depth.get(p);
    if (da !== undefined) return step(tree, p, bloodName(da, 0, tree.person(p).sex, false));
    const rel = nearest(tree, a, ancestry(tree, p, limits), true);
    return step(tree, p, rel ? bloodName(rel.up, rel.down, tree.person(p).sex, rel.half) : 'relative');
  });
  return { kinship: { kind: 'blood', name, up, down, half, commonAncestors: common }, steps };
}

/**
 * The nearest relation through parent links of any kind, when at least one is not a birth link
 * (only asked once there is no blood relation). Each step is named with the links below it.
 */
function linkedPath(tree: FamilyTree, start: number, other: number, limits: Limits): { ladder: Ladder; cost: number } | undefined {
  const a = ancestry(tree, start, limits, false);
  const b = ancestry(tree, other, limits, false);
  const found = nearest(tree, a, b, false);
  if (!found) return undefined;
  const { ancestor, up, down, half, common, chainA, chainB } = found;
  // Links on the way up from start (chainA[k] → next) and down to other (ancestor → … → other).
  const upPeople = [...chainA, ancestor];
  const upLinks = upPeople.slice(1).map((p) => a.link.get(p));
  const downPeople = [ancestor, ...[...chainB].reverse()]; // ancestor first, other last
  const downLinks = downPeople.slice(1).map((_, k) => b.link.get(downPeople[k] as number));
  const defined = (xs: readonly (Exclude<LinkType, 'birth'> | undefined)[]): Exclude<LinkType, 'birth'>[] =>
    xs.filter((x) => x !== undefined);
  const upTypes = defined(upLinks);
  const links = [...upTypes, ...defined(downLinks)];
  if (links.length === 0) return undefined; // within the limits, a blood path (bloodPath found none)
  const name = linkedName(up, down, tree.person(other).sex, half, upTypes, defined(downLinks));
  const steps: LadderStep[] = [step(tree, start, 'self')];
  for (let k = 1; k < upPeople.length; k++) {
    const p = upPeople[k] as number;
    steps.push(withLink(step(tree, p, linkedName(k, 0, tree.person(p).sex, false, defined(upLinks.slice(0, k)), [])), upLinks[k - 1]));
  }
  for (let k = 1; k < downPeople.length; k++) {
    const p = downPeople[k] as number;
    const rel = p === other ? name : linkedName(up, k, tree.person(p).sex, half, upTypes, defined(downLinks.slice(0, k)));
    steps.push(withLink(step(tree, p, rel), downLinks[k - 1]));
  }
  return { ladder: { kinship: { kind: 'non-birth', name, up, down, half, commonAncestors: common, links }, steps }, cost: up + down };
}

function withLink(s: LadderStep, link: Exclude<LinkType, 'birth'> | undefined): LadderStep {
  return link === undefined ? s : { ...s, link };
}

/** Which kind of link names a relation that goes through several: the first of these present. */
const LINK_PRECEDENCE: readonly Exclude<LinkType, 'birth'>[] = ['step', 'foster', 'guardian', 'adopted', 'sealed', 'other'];

/** Close relations written as one word with "step": stepfather, stepson, stepbrother, stepchild. */
const STEP_JOINED = new Set(['father', 'mother', 'parent', 'son', 'daughter', 'child', 'brother', 'sister', 'sibling']);

/**
 * The name of a relation through parent links of which some are not birth links: the blood name
 * for the same distances, qualified by the kind of link ("adoptive mother", "adopted son",
 * "stepfather", "step-grandmother", "foster son", "guardian", "father by sealing").
 * `upLinks` are the non-birth links on the way up from the start person, `downLinks` those on
 * the way down to the other person; with none, it is the blood name.
 */
export function linkedName(
  up: number,
  down: number,
  sex: Sex,
  half: boolean,
  upLinks: readonly Exclude<LinkType, 'birth'>[],
  downLinks: readonly Exclude<LinkType, 'birth'>[],
): string {
  const all = [...upLinks, ...downLinks];
  const type = LINK_PRECEDENCE.find((t) => all.includes(t));
  if (type === undefined) return bloodName(up, down, sex, half);
  // A step relation has no "half": a stepbrother shares no parent by birth.
  const base = bloodName(up, down, sex, half && type !== 'step');
  switch (type) {
    case 'step':
      return STEP_JOINED.has(base) ? `step${base}` : `step-${base}`;
    case 'foster':
      return `foster ${base}`;
    case 'adopted':
      // The adopted one is the other person (adopted son, adopted brother) when all the
      // adoptions are on their side; otherwise it is the start person's adoptive relation.
      return upLinks.length === 0 ? `adopted ${base}` : `adoptive ${base}`;
    case 'guardian':
      if (up === 1 && down === 0) return 'guardian';
      if (up === 0 && down === 1) return 'ward';
      return `${base} by guardianship`;
    case 'sealed':
      return `${base} by sealing`;
    case 'other':
      return `${base} (not by birth)`;
  }
}

/** The people from the ancestry's origin up to `ancestor` (origin first, ancestor excluded). */
function chainUp(ancestry: Ancestry, ancestor: number): number[] {
  const down: number[] = [];
  for (let child = ancestry.via.get(ancestor); child !== undefined; child = ancestry.via.get(child)) down.push(child);
  return down.reverse();
}

/** The English name of a blood relation: `up` generations from the start person to the common ancestor, `down` from there to the other. */
export function bloodName(up: number, down: number, sex: Sex, half: boolean): string {
  const g = (m: string, f: string, u: string): string => (sex === 'M' ? m : sex === 'F' ? f : u);
  const h = half ? 'half-' : '';
  if (up === 0 && down === 0) return 'self';
  if (down === 0) return greats(up, g('father', 'mother', 'parent'), 'grand');
  if (up === 0) return greats(down, g('son', 'daughter', 'child'), 'grand');
  if (up === 1 && down === 1) return h + g('brother', 'sister', 'sibling');
  if (up === 1) return h + greatsOnly(down - 1, g('nephew', 'niece', 'niece or nephew'));
  if (down === 1) return h + greatsOnly(up - 1, g('uncle', 'aunt', 'aunt or uncle'));
  const degree = Math.min(up, down) - 1;
  const removed = Math.abs(up - down);
  return `${h}${ordinal(degree)} cousin${removed === 0 ? '' : ` ${times(removed)} removed`}`;
}

/** 1 → father, 2 → grandfather, 3 → great-grandfather, 4 → 2nd great-grandfather, … */
function greats(n: number, base: string, grand: string): string {
  if (n === 1) return base;
  if (n === 2) return `${grand}${base}`;
  if (n === 3) return `great-${grand}${base}`;
  return `${nth(n - 2)} great-${grand}${base}`;
}

/** 1 → nephew, 2 → great-nephew, 3 → 2nd great-nephew, … */
function greatsOnly(n: number, base: string): string {
  if (n === 1) return base;
  if (n === 2) return `great-${base}`;
  return `${nth(n - 1)} great-${base}`;
}

/** Cousin degrees in words up to tenth ("second cousin"), then numerals ("11th cousin"). */
export function ordinal(n: number): string {
  const words = ['zeroth', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];
  return n <= 10 ? (words[n] as string) : nth(n);
}

/** 1st, 2nd, 3rd, 4th, 11th, 21st, … (for "2nd great-grandfather"). */
export function nth(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${s}`;
}

function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

function spouseWord(sex: Sex): string {
  return sex === 'M' ? 'husband' : sex === 'F' ? 'wife' : 'spouse';
}

/**
 * Through one spouse: `other` is the spouse of a blood relative of `start`, or a blood relative
 * of a spouse of `start`. The nearest such relation wins.
 */
function marriagePath(tree: FamilyTree, start: number, other: number, limits: Limits): { ladder: Ladder; cost: number } | undefined {
  const otherSex = tree.person(other).sex;
  const g = (m: string, f: string, u: string): string => (otherSex === 'M' ? m : otherSex === 'F' ? f : u);
  // other is start's spouse
  if (tree.spouses(start).includes(other)) {
    return {
      ladder: {
        kinship: { kind: 'marriage', name: spouseWord(otherSex), via: other },
        steps: [step(tree, start, 'self'), step(tree, other, spouseWord(otherSex))],
      },
      cost: 0,
    };
  }
  let best: { ladder: Ladder; cost: number } | undefined;
  const consider = (ladder: Ladder, cost: number): void => {
    if (!best || cost < best.cost) best = { ladder, cost };
  };
  // other is the spouse of start's blood relative R
  for (const r of tree.spouses(other)) {
    const blood = bloodPath(tree, start, r, limits);
    if (!blood || blood.kinship.kind !== 'blood') continue;
    const { up, down } = blood.kinship;
    let name: string;
    if (up === 1 && down === 0)
      name = tree.linkBetween(start, other) === 'birth' ? g('father', 'mother', 'parent') : g('stepfather', 'stepmother', 'stepparent');
    else if (up === 1 && down === 1) name = g('brother-in-law', 'sister-in-law', 'sibling-in-law');
    else if (up === 0 && down === 1) name = g('son-in-law', 'daughter-in-law', 'child-in-law');
    else if (up === 2 && down === 1 && !blood.kinship.half) name = g('uncle by marriage', 'aunt by marriage', 'aunt or uncle by marriage');
    else name = `${spouseWord(otherSex)} of ${blood.kinship.name}`;
    consider({ kinship: { kind: 'marriage', name, via: r }, steps: [...blood.steps, step(tree, other, name)] }, up + down);
  }
  // other is a blood relative of start's spouse S
  for (const s of tree.spouses(start)) {
    const blood = bloodPath(tree, s, other, limits);
    if (!blood || blood.kinship.kind !== 'blood') continue;
    const { up, down } = blood.kinship;
    let name: string;
    if (up === 1 && down === 0) name = g('father-in-law', 'mother-in-law', 'parent-in-law');
    else if (up === 1 && down === 1) name = g('brother-in-law', 'sister-in-law', 'sibling-in-law');
    else if (up === 0 && down === 1)
      name = tree.linkBetween(other, start) === 'birth' ? g('son', 'daughter', 'child') : g('stepson', 'stepdaughter', 'stepchild');
    else if (up === 1 && down === 2 && !blood.kinship.half)
      name = g('nephew by marriage', 'niece by marriage', 'niece or nephew by marriage');
    else name = `${blood.kinship.name} of ${spouseWord(tree.person(s).sex)}`;
    const sWord = spouseWord(tree.person(s).sex);
    const tail = blood.steps
      .slice(1)
      .map((st) => (st.person === other ? { ...st, relationship: name } : { ...st, relationship: `${st.relationship} of ${sWord}` }));
    consider({ kinship: { kind: 'marriage', name, via: s }, steps: [step(tree, start, 'self'), step(tree, s, sWord), ...tail] }, up + down);
  }
  return best;
}

function step(tree: FamilyTree, p: number, relationship: string): LadderStep {
  const person = tree.person(p);
  return {
    person: p,
    id: person.id,
    name: fullName(person),
    lifespan: lifespan(person.birth?.date, person.death?.date),
    relationship,
  };
}
