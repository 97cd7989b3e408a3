import type { GedcomDate } from './dates.js';
import { badOption } from '../internal/options.js';

/** `M`, `F`, or `U` (unknown / not recorded). */
export type Sex = 'M' | 'F' | 'U';

/** A birth, christening, death, burial or marriage: its date and place, when known. */
export interface LifeEvent {
  readonly date?: GedcomDate;
  readonly place?: string;
}

/** A name as given and surname. */
export interface PersonName {
  readonly given: string;
  readonly surname: string;
  /** What follows the surname: "Jr.", "III" (the NAME line's text after the surname, or NSFX). */
  readonly suffix?: string;
}

/** A person's id in another system (GEDCOM 7 `EXID`), with the URI that names the system (`TYPE`). */
export interface ExternalId {
  readonly id: string;
  readonly type?: string;
}

/** One person, as read from a GEDCOM INDI record. */
export interface Person {
  /** The record's id without `@` (e.g. `I12`). */
  readonly id: string;
  /** From the first NAME record (the primary name). */
  readonly given: string;
  readonly surname: string;
  /** What follows the surname in the primary name: "Jr.", "III". */
  readonly suffix?: string;
  /** Names from the person's other NAME records (maiden, married, alias, …), when there are any. */
  readonly alternateNames?: readonly PersonName[];
  readonly sex: Sex;
  readonly birth?: LifeEvent;
  readonly death?: LifeEvent;
  readonly burial?: LifeEvent;
  readonly christening?: LifeEvent;
  /** Ids in other systems (GEDCOM 7 `EXID`), when the file gives some. */
  readonly externalIds?: readonly ExternalId[];
}

/** "Given Surname", or `(no name)` when the file gives neither. */
export function fullName(p: Pick<Person, 'given' | 'surname' | 'suffix'>): string {
  return `${p.given} ${p.surname}${p.suffix ? ` ${p.suffix}` : ''}`.trim() || '(no name)';
}

/**
 * How a child is linked to one parent of a family: by birth (the default when a file says
 * nothing) or otherwise. Only birth links count as blood in kinship.
 */
export type LinkType = 'birth' | 'adopted' | 'foster' | 'step' | 'sealed' | 'guardian' | 'other';

/** Every kind of link between a child and a parent. */
export const LINK_TYPES: readonly LinkType[] = ['birth', 'adopted', 'foster', 'step', 'sealed', 'guardian', 'other'];

/** A child's link to the husband (`father`) and to the wife (`mother`) of one family. */
export interface ChildLink {
  readonly father: LinkType;
  readonly mother: LinkType;
}

/** One family (FAM): a couple (either may be missing) and their children. */
export interface Family {
  readonly id: string;
  readonly husband?: number;
  readonly wife?: number;
  readonly children: readonly number[];
  readonly marriage?: LifeEvent;
  /** Children whose link to the husband or the wife is not a birth link; absent when all are birth links. */
  readonly links?: ReadonlyMap<number, ChildLink>;
}

/** One parent of a person, with the family and the kind of link. */
export interface ParentLink {
  readonly parent: number;
  readonly family: number;
  readonly link: LinkType;
}

/**
 * A family tree held as arrays indexed by person number, so a million people fit without a
 * web of object references. Build it with {@link TreeBuilder}.
 */
export class FamilyTree {
  readonly people: readonly Person[];
  readonly families: readonly Family[];
  readonly #index: ReadonlyMap<string, number>;
  /**
   * Families in which each person is a child / a spouse, in compressed form (offsets into one
   * flat array), so a million people do not need two million small arrays.
   */
  readonly #childIn: Adjacency;
  readonly #spouseIn: Adjacency;
  /** Whether any child is linked to a parent other than by birth (adopted, step, …). */
  readonly hasNonBirthLinks: boolean;

  constructor(people: readonly Person[], families: readonly Family[], index: ReadonlyMap<string, number>) {
    this.people = people;
    this.families = families;
    this.hasNonBirthLinks = families.some((f) => f.links !== undefined);
    this.#index = index;
    this.#childIn = adjacency(people.length, (add) => families.forEach((f, fi) => f.children.forEach((c) => add(c, fi))));
    this.#spouseIn = adjacency(people.length, (add) =>
      families.forEach((f, fi) => {
        if (f.husband !== undefined) add(f.husband, fi);
        if (f.wife !== undefined && f.wife !== f.husband) add(f.wife, fi);
      }),
    );
  }

  get size(): number {
    return this.people.length;
  }

  /** Person number of an id (`I12` or `@I12@`), or `undefined`. */
  indexOf(id: string): number | undefined {
    return this.#index.get(id.replace(/^@|@$/g, ''));
  }

  /** The person at index `i` (0 … size − 1). */
  person(i: number): Person {
    const p = this.people[i];
    if (!p)
      throw badOption('person number', `an integer from 0 to ${this.people.length - 1} (the tree has ${this.people.length} people)`, i);
    return p;
  }

  /** Family numbers in which `i` is a child. */
  parentFamilies(i: number): Int32Array {
    return this.#childIn.of(i);
  }

  /** Family numbers in which `i` is a spouse. */
  spouseFamilies(i: number): Int32Array {
    return this.#spouseIn.of(i);
  }

  /** Every recorded parent, by any link (birth, adoptive, step, …). */
  parents(i: number): number[] {
    const out: number[] = [];
    for (const fi of this.#childIn.of(i)) {
      const f = this.families[fi] as Family;
      if (f.husband !== undefined && !out.includes(f.husband)) out.push(f.husband);
      if (f.wife !== undefined && !out.includes(f.wife)) out.push(f.wife);
    }
    return out;
  }

  /** Each parent of `i` with the family and the kind of link (a parent in two families appears twice). */
  parentLinks(i: number): ParentLink[] {
    const out: ParentLink[] = [];
    this.eachParent(i, (parent, link, family) => out.push({ parent, family, link }));
    return out;
  }

  /** Call `visit` for each parent of `i` with the kind of link and the family, allocating nothing. */
  eachParent(i: number, visit: (parent: number, link: LinkType, family: number) => void): void {
    for (const family of this.#childIn.of(i)) {
      const f = this.families[family] as Family;
      const link = f.links?.get(i);
      if (f.husband !== undefined) visit(f.husband, link?.father ?? 'birth', family);
      if (f.wife !== undefined && f.wife !== f.husband) visit(f.wife, link?.mother ?? 'birth', family);
    }
  }

  /**
   * The link from child `child` to parent `parent` (`birth` when any family makes it a birth
   * link), or `undefined` when `parent` is not a parent of `child`.
   */
  linkBetween(child: number, parent: number): LinkType | undefined {
    let found: LinkType | undefined;
    for (const l of this.parentLinks(child)) {
      if (l.parent !== parent) continue;
      if (l.link === 'birth') return 'birth';
      found ??= l.link;
    }
    return found;
  }

  /** The indexes of everyone `i` is a spouse with in some family, once each. */
  spouses(i: number): number[] {
    const out: number[] = [];
    for (const fi of this.#spouseIn.of(i)) {
      const f = this.families[fi] as Family;
      const other = f.husband === i ? f.wife : f.husband;
      if (other !== undefined && other !== i && !out.includes(other)) out.push(other);
    }
    return out;
  }

  /** The indexes of `i`'s children in all of `i`'s families, once each. */
  children(i: number): number[] {
    const out: number[] = [];
    for (const fi of this.#spouseIn.of(i)) for (const c of (this.families[fi] as Family).children) if (!out.includes(c)) out.push(c);
    return out;
  }

  /** Siblings with both parents in common (`full`) or one (`half`). */
  siblings(i: number): { full: number[]; half: number[] } {
    const mine = this.parents(i);
    const full: number[] = [];
    const half: number[] = [];
    const seen = new Set<number>([i]);
    for (const p of mine) {
      for (const c of this.children(p)) {
        if (seen.has(c)) continue;
        seen.add(c);
        const theirs = this.parents(c);
        const shared = theirs.filter((x) => mine.includes(x)).length;
        if (shared >= 2 || (shared === mine.length && shared === theirs.length)) full.push(c);
        else half.push(c);
      }
    }
    return { full, half };
  }
}

interface Adjacency {
  of(i: number): Int32Array;
}

/** Compressed adjacency lists: `add(node, value)` is called twice (count, then fill). */
function adjacency(size: number, each: (add: (node: number, value: number) => void) => void): Adjacency {
  const offsets = new Int32Array(size + 1);
  each((node) => {
    if (node >= 0 && node < size) offsets[node + 1] = (offsets[node + 1] as number) + 1;
  });
  for (let i = 0; i < size; i++) offsets[i + 1] = (offsets[i + 1] as number) + (offsets[i] as number);
  const values = new Int32Array(offsets[size] as number);
  const fill = offsets.slice(0, size);
  each((node, value) => {
    if (node < 0 || node >= size) return;
    values[fill[node] as number] = value;
    fill[node] = (fill[node] as number) + 1;
  });
  return { of: (i) => values.subarray(offsets[i] ?? 0, offsets[i + 1] ?? 0) };
}

/** Builds a {@link FamilyTree} from records in any order (GEDCOM allows forward references). */
export class TreeBuilder {
  readonly #people: Person[] = [];
  readonly #index = new Map<string, number>();
  readonly #families: { id: string; husband?: string; wife?: string; children: string[]; marriage?: LifeEvent }[] = [];

  /** Whether a person with this id was added. */
  hasPerson(id: string): boolean {
    return this.#index.has(id);
  }

  /** Add a person; returns their index (a repeated id is kept under a new one, with a diagnostic from the reader). */
  addPerson(person: Person): number {
    const existing = this.#index.get(person.id);
    if (existing !== undefined) {
      this.#people[existing] = person;
      return existing;
    }
    const i = this.#people.length;
    this.#people.push(person);
    this.#index.set(person.id, i);
    return i;
  }

  // Parallel arrays rather than an object per link: a million-person file has millions of links.
  readonly #linkPerson: string[] = [];
  readonly #linkFamily: string[] = [];
  readonly #linkIsChild: boolean[] = [];

  /** Non-birth link types by family id, then child id; only the sides a file stated. */
  readonly #childLinks = new Map<string, Map<string, { father?: LinkType; mother?: LinkType }>>();

  /** Add a family by the ids of its spouses and children; ids that name no person are left out. */
  addFamily(family: { id: string; husband?: string; wife?: string; children: string[]; marriage?: LifeEvent }): void {
    this.#families.push(family);
  }

  /**
   * State how `child` is linked to the husband (`father`) and/or the wife (`mother`) of
   * `family`. Later statements about the same side win; a side never stated is a birth link.
   */
  setChildLink(family: string, child: string, link: { father?: LinkType; mother?: LinkType }): void {
    let byChild = this.#childLinks.get(family);
    if (!byChild) {
      byChild = new Map<string, { father?: LinkType; mother?: LinkType }>();
      this.#childLinks.set(family, byChild);
    }
    const had = byChild.get(child);
    byChild.set(child, { ...had, ...link });
  }

  /**
   * A person's own FAMC/FAMS pointer. Families normally list their members too; a pointer the
   * family does not have (files from some programs) is added to it at build time.
   */
  addLink(person: string, family: string, as: 'child' | 'spouse'): void {
    this.#linkPerson.push(person);
    this.#linkFamily.push(family);
    this.#linkIsChild.push(as === 'child');
  }

  /** Resolve references; ones that name no person are returned as problems and left out. */
  build(): { tree: FamilyTree; problems: string[] } {
    const problems: string[] = [];
    if (this.#linkPerson.length > 0) this.#mergeLinks(problems);
    const ref = (id: string | undefined, what: string, fam: string): number | undefined => {
      if (id === undefined) return undefined;
      const i = this.#index.get(id);
      if (i === undefined) problems.push(`family ${fam} names ${what} @${id}@, which is not a person in the file`);
      return i;
    };
    const families: Family[] = this.#families.map((f) => {
      const husband = ref(f.husband, 'husband', f.id);
      const wife = ref(f.wife, 'wife', f.id);
      const children = f.children.map((c) => ref(c, 'child', f.id)).filter((c): c is number => c !== undefined);
      let links: Map<number, ChildLink> | undefined;
      for (const [childId, link] of this.#childLinks.get(f.id) ?? []) {
        const father = link.father ?? 'birth';
        const mother = link.mother ?? 'birth';
        const child = this.#index.get(childId);
        if (child === undefined || (father === 'birth' && mother === 'birth')) continue;
        (links ??= new Map()).set(child, { father, mother });
      }
      return {
        id: f.id,
        ...(husband === undefined ? {} : { husband }),
        ...(wife === undefined ? {} : { wife }),
        children,
        ...(f.marriage ? { marriage: f.marriage } : {}),
        ...(links ? { links } : {}),
      };
    });
    return { tree: new FamilyTree(this.#people, families, this.#index), problems };
  }

  #mergeLinks(problems: string[]): void {
    const byId = new Map(this.#families.map((f) => [f.id, f]));
    for (let k = 0; k < this.#linkPerson.length; k++) {
      const person = this.#linkPerson[k] as string;
      const family = this.#linkFamily[k] as string;
      const isChild = this.#linkIsChild[k] as boolean;
      const f = byId.get(family);
      if (!f) {
        problems.push(`person ${person} points to family @${family}@ (${isChild ? 'FAMC' : 'FAMS'}), which is not in the file`);
        continue;
      }
      if (isChild) {
        if (!f.children.includes(person)) f.children.push(person);
        continue;
      }
      if (f.husband === person || f.wife === person) continue;
      const sex = this.#people[this.#index.get(person) ?? -1]?.sex;
      if (f.husband === undefined && sex !== 'F') f.husband = person;
      else if (f.wife === undefined && sex !== 'M') f.wife = person;
      else problems.push(`person ${person} says it is a spouse in family @${family}@, which already has both spouses`);
    }
  }
}
