import type { FamilyTree } from './tree.js';

/**
 * Person search without scanning people: each text field keeps a dictionary of its distinct
 * values, each with the sorted list of people who have it, and years keep people sorted by
 * year. A query matches the (few) distinct values, picks the most selective filter as its base
 * set, and checks the other filters per candidate with O(1) lookups.
 *
 * Text filters are "contains", case- and accent-insensitive, and need at least 2 characters.
 * A person's other names (alternate NAME records) are searched too: the given-name and surname
 * filters must both match one of the person's names.
 */
export interface SearchQuery {
  readonly given?: string;
  readonly surname?: string;
  readonly sex?: 'M' | 'F' | 'U';
  readonly birthYearFrom?: number;
  readonly birthYearTo?: number;
  readonly birthPlace?: string;
  readonly deathYearFrom?: number;
  readonly deathYearTo?: number;
  readonly deathPlace?: string;
}

export interface SearchPage {
  /** Person numbers on this page, in tree order. */
  readonly people: readonly number[];
  readonly total: number;
}

const NO_YEAR = -2147483648;

class Field {
  readonly values: string[] = [];
  readonly #ids = new Map<string, number>();
  /** Raw value → id, so each distinct spelling is folded once, not once per person. */
  readonly #raw = new Map<string, number>();
  #postings: number[][] = [];
  readonly perPerson: Int32Array;
  lists: Int32Array[] = [];

  constructor(size: number) {
    this.perPerson = new Int32Array(size).fill(-1);
  }

  /** Whether some person is listed under more than one value (so lists may overlap). */
  multi = false;

  /** Add the person's value; `primary` false adds another value (an alternate name) and returns its id. */
  add(person: number, raw: string | undefined, primary = true): number {
    if (raw === undefined || raw === '') return -1;
    let id = this.#raw.get(raw);
    if (id === undefined) {
      const value = fold(raw);
      id = this.#ids.get(value);
      if (id === undefined) {
        id = this.values.length;
        this.values.push(value);
        this.#ids.set(value, id);
        this.#postings.push([]);
      }
      this.#raw.set(raw, id);
    }
    const postings = this.#postings[id] as number[];
    if (!primary) {
      this.multi = true;
      // Listed once per person: all of a person's values are added before the next person's.
      if (postings.at(-1) === person) return id;
    }
    postings.push(person);
    if (primary) this.perPerson[person] = id;
    return id;
  }

  seal(): void {
    this.#raw.clear();
    // People are added in order (all of one person's values before the next), so lists are sorted.
    this.lists = this.#postings.map((p) => Int32Array.from(p));
    this.#postings = [];
  }

  /** Distinct value ids containing `needle` (already folded), and how many people they cover. */
  match(needle: string): { ids: number[]; flags: Uint8Array; count: number } {
    const ids: number[] = [];
    const flags = new Uint8Array(this.values.length);
    let count = 0;
    this.values.forEach((v, id) => {
      if (!v.includes(needle)) return;
      ids.push(id);
      flags[id] = 1;
      count += (this.lists[id] as Int32Array).length;
    });
    return { ids, flags, count };
  }
}

class YearIndex {
  readonly perPerson: Int32Array;
  readonly #sorted: Int32Array;
  readonly #years: Int32Array;

  constructor(years: Int32Array) {
    this.perPerson = years;
    const order = Array.from({ length: years.length }, (_, i) => i).filter((i) => years[i] !== NO_YEAR);
    order.sort((a, b) => (years[a] as number) - (years[b] as number) || a - b);
    this.#sorted = Int32Array.from(order);
    this.#years = Int32Array.from(order.map((i) => years[i] as number));
  }

  /** People with a year in [from, to], as a slice of the sorted index. */
  range(from: number, to: number): Int32Array {
    return this.#sorted.subarray(lowerBound(this.#years, from), lowerBound(this.#years, to + 1));
  }
}

export class SearchIndex {
  readonly size: number;
  readonly #given: Field;
  readonly #surname: Field;
  readonly #birthPlace: Field;
  readonly #deathPlace: Field;
  readonly #birthYear: YearIndex;
  readonly #deathYear: YearIndex;
  readonly #sex: Uint8Array;
  /** Person → [given id, surname id] of each alternate name (ids -1 when empty). */
  readonly #alternates = new Map<number, Int32Array>();

  constructor(tree: FamilyTree) {
    const n = tree.size;
    this.size = n;
    this.#given = new Field(n);
    this.#surname = new Field(n);
    this.#birthPlace = new Field(n);
    this.#deathPlace = new Field(n);
    this.#sex = new Uint8Array(n);
    const birth = new Int32Array(n).fill(NO_YEAR);
    const death = new Int32Array(n).fill(NO_YEAR);
    for (let i = 0; i < n; i++) {
      const p = tree.person(i);
      this.#given.add(i, p.given);
      this.#surname.add(i, p.surname);
      if (p.alternateNames && p.alternateNames.length > 0) {
        const ids = new Int32Array(p.alternateNames.length * 2);
        p.alternateNames.forEach((n, k) => {
          ids[2 * k] = this.#given.add(i, n.given, false);
          ids[2 * k + 1] = this.#surname.add(i, n.surname, false);
        });
        this.#alternates.set(i, ids);
      }
      this.#birthPlace.add(i, p.birth?.place);
      this.#deathPlace.add(i, p.death?.place);
      this.#sex[i] = p.sex === 'M' ? 1 : p.sex === 'F' ? 2 : 0;
      if (p.birth?.date) birth[i] = p.birth.date.year;
      if (p.death?.date) death[i] = p.death.date.year;
    }
    for (const f of [this.#given, this.#surname, this.#birthPlace, this.#deathPlace]) f.seal();
    this.#birthYear = new YearIndex(birth);
    this.#deathYear = new YearIndex(death);
  }

  search(query: SearchQuery, page: number, pageSize: number): SearchPage {
    type Check = (i: number) => boolean;
    const checks: Check[] = [];
    const bases: { count: number; people: () => Iterable<number> }[] = [];
    const text = (field: Field, value: string | undefined, check = true): Uint8Array | undefined => {
      if (value === undefined) return undefined;
      const m = field.match(fold(value));
      if (check) {
        checks.push((i) => {
          const id = field.perPerson[i] as number;
          return id >= 0 && m.flags[id] === 1;
        });
      }
      bases.push({
        count: m.count,
        people: () =>
          unionOf(
            m.ids.map((id) => field.lists[id] as Int32Array),
            field.multi ? this.size : 0,
          ),
      });
      return m.flags;
    };
    const years = (index: YearIndex, from: number | undefined, to: number | undefined): void => {
      if (from === undefined && to === undefined) return;
      const lo = from ?? -100000;
      const hi = to ?? 100000;
      const slice = index.range(lo, hi);
      checks.push((i) => {
        const y = index.perPerson[i] as number;
        return y !== NO_YEAR && y >= lo && y <= hi;
      });
      bases.push({ count: slice.length, people: () => slice });
    };
    // Both name filters must hold for one name: the primary, or one of the alternates.
    const surnames = text(this.#surname, query.surname, false);
    const givens = text(this.#given, query.given, false);
    if (surnames || givens) {
      const ok = (flags: Uint8Array | undefined, id: number): boolean => flags === undefined || (id >= 0 && flags[id] === 1);
      checks.push((i) => {
        if (ok(givens, this.#given.perPerson[i] as number) && ok(surnames, this.#surname.perPerson[i] as number)) return true;
        const alt = this.#alternates.get(i);
        if (!alt) return false;
        for (let k = 0; k < alt.length; k += 2) if (ok(givens, alt[k] as number) && ok(surnames, alt[k + 1] as number)) return true;
        return false;
      });
    }
    text(this.#birthPlace, query.birthPlace);
    text(this.#deathPlace, query.deathPlace);
    years(this.#birthYear, query.birthYearFrom, query.birthYearTo);
    years(this.#deathYear, query.deathYearFrom, query.deathYearTo);
    if (query.sex !== undefined) {
      const want = query.sex === 'M' ? 1 : query.sex === 'F' ? 2 : 0;
      checks.push((i) => this.#sex[i] === want);
    }
    bases.sort((a, b) => a.count - b.count);
    const base = bases[0]?.people() ?? range(this.size);
    const matches: number[] = [];
    for (const i of base) if (checks.every((c) => c(i))) matches.push(i);
    const sorted = Int32Array.from(matches).sort();
    const start = (page - 1) * pageSize;
    return { people: Array.from(sorted.subarray(start, start + pageSize)), total: sorted.length };
  }
}

/** Lowercase, without accents, spaces squeezed: how values and needles are compared. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The people of several value lists. Without alternate names each person has one value per
 * field, so the lists are disjoint and concatenation is the union; with them (`size` > 0) a
 * person already given is skipped.
 */
function* unionOf(lists: readonly Int32Array[], size: number): Generator<number> {
  if (size === 0 || lists.length === 1) {
    for (const list of lists) yield* list;
    return;
  }
  const seen = new Uint8Array(size);
  for (const list of lists) {
    for (const i of list) {
      if (seen[i] === 1) continue;
      seen[i] = 1;
      yield i;
    }
  }
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

function lowerBound(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
