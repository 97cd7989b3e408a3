import { NetworkError } from '../session/errors.js';
import { InvalidCriteriaError } from './errors.js';
import { parseGedcomDate } from '../genealogy/dates.js';
import { type ExportSelection, mergeTrees, wholeTree, withFamilies } from '../genealogy/gedcom-export.js';
import { readGedcom } from '../genealogy/gedcom.js';
import {
  type Confidence,
  type Criteria,
  DEFAULT_WEIGHTS,
  type Score,
  type ScoringWeights,
  type TopTie,
  confidenceOf,
  rankCandidates,
  topTie,
} from '../genealogy/scoring.js';
import { SearchIndex, type SearchQuery } from '../genealogy/search-index.js';
import type { FamilyTree, Sex } from '../genealogy/tree.js';
import {
  type FamilyView,
  type LadderView,
  type PersonSummary,
  type PersonView,
  familyView,
  ladderView,
  personSummary,
  personView,
} from '../genealogy/views.js';

/**
 * The research job (the design note's "action11"): search a tree for a person, score every
 * candidate the search returns, and show the best ones with their family and the kinship ladder
 * to the tree's home person. The tree is either a site's API (through a SessionManager) or a
 * local GEDCOM file; both go through {@link PersonSource} and give the same answers.
 */

/** Where people come from. */
export interface PersonSource {
  readonly kind: 'site' | 'gedcom';
  /** The tree's home person: the end of every kinship ladder. */
  home(): Promise<PersonSummary>;
  /** One page of a search with server-side filters. */
  searchPage(query: SearchQuery, page: number, pageSize: number): Promise<{ persons: PersonView[]; total: number }>;
  /** The person's parents, spouses, children and siblings. */
  family(id: string): Promise<FamilyView>;
  /** The kinship ladder from the person to the home person. */
  ladder(id: string): Promise<LadderView>;
  /** The person's page, where the source has pages (a site does; a GEDCOM file does not). */
  pageUrl?(id: string): string;
  /** The people with these ids, with their families (parents, spouses, children, siblings), to export as GEDCOM 7. */
  exportTree(ids: readonly string[]): Promise<{ readonly tree: FamilyTree; readonly selection: ExportSelection }>;
}

/** Options of {@link research}. */
export interface ResearchOptions {
  /** How many ranked people to show. Default 3. */
  readonly top?: number;
  /** Family and ladder for the best match and this many more. Default 0. */
  readonly ladderFor?: number;
  /** Most result pages fetched (`MAX_PAGES`). Default 5. */
  readonly maxPages?: number;
  /** Default 50. */
  readonly pageSize?: number;
  readonly weights?: ScoringWeights;
  /** Shared across the searches of one run, so each person's family and ladder are fetched once. */
  readonly cache?: RunCache;
  /** Where time goes, by component (for `--benchmark`). */
  readonly timings?: Timings;
}

/** A candidate with its score and confidence. */
export interface RankedPerson {
  readonly person: PersonView;
  readonly score: Score;
  readonly confidence: Confidence;
  /** The person's page on the site (site research only). */
  readonly url?: string;
}

/** One search's result: the candidates ranked, a tie when there is one, and the best matches' families and ladders. */
export interface ResearchResult {
  readonly criteria: Criteria;
  /** Where the people came from: a site's API or a GEDCOM file. */
  readonly source: PersonSource['kind'];
  readonly home: PersonSummary;
  /** People the search returned (within the page caps), every one of them scored. */
  readonly candidates: number;
  /** Matches at the source, which may be more than the caps let us fetch. */
  readonly totalMatches: number;
  readonly pagesFetched: number;
  readonly ranked: readonly RankedPerson[];
  /** Set when several candidates share the best score: the first of them is not a better match than the others. */
  readonly tie?: TopTie;
  /** For the best match (and `ladderFor` more): family and ladder. */
  readonly details: readonly { readonly person: PersonView; readonly family: FamilyView; readonly ladder: LadderView }[];
  readonly ms: number;
}

/**
 * Check criteria from a user: one of the names is required; years must be plausible. `nameOf`
 * says how the user wrote each criterion (a flag such as `--birth-year`, a column such as
 * `birth_year`), so that a message names what they typed; by default the criterion's own key.
 */
export function validateCriteria(input: Record<string, unknown>, nameOf: (key: string) => string = ownName): Criteria {
  const known = ['given', 'surname', 'sex', 'birthYear', 'birthPlace', 'deathYear', 'deathPlace'];
  for (const key of Object.keys(input))
    if (!known.includes(key)) throw new InvalidCriteriaError(`unknown criterion "${key}"; known: ${known.map(nameOf).join(', ')}`);
  const text = (k: string): string | undefined => {
    const v = input[k];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new InvalidCriteriaError(`${nameOf(k)} must be text`);
    const t = v.trim();
    if (t.length === 1) throw new InvalidCriteriaError(`${nameOf(k)} needs at least 2 characters, got ${JSON.stringify(t)}`);
    if (t.length > 100) throw new InvalidCriteriaError(`${nameOf(k)} is longer than 100 characters`);
    return t || undefined;
  };
  const year = (k: string): number | undefined => {
    const v = input[k];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
    if (!Number.isInteger(n) || n < 1 || n > 2100)
      throw new InvalidCriteriaError(`${nameOf(k)} must be a year from 1 to 2100, got ${JSON.stringify(v)}`);
    return n;
  };
  const sexRaw = input['sex'];
  let sex: Sex | undefined;
  if (sexRaw !== undefined && sexRaw !== null && sexRaw !== '') {
    const s = typeof sexRaw === 'string' ? sexRaw.trim().toUpperCase() : '';
    if (s === 'M' || s === 'MALE') sex = 'M';
    else if (s === 'F' || s === 'FEMALE') sex = 'F';
    else throw new InvalidCriteriaError(`${nameOf('sex')} must be M or F, got ${JSON.stringify(sexRaw)}`);
  }
  const criteria: { -readonly [K in keyof Criteria]: Criteria[K] } = {};
  const given = text('given');
  const surname = text('surname');
  if (given === undefined && surname === undefined)
    throw new InvalidCriteriaError(
      nameOf === ownName ? 'give a given name or a surname (or both)' : `give ${nameOf('given')} or ${nameOf('surname')} (or both)`,
    );
  if (given !== undefined) criteria.given = given;
  if (surname !== undefined) criteria.surname = surname;
  if (sex !== undefined) criteria.sex = sex;
  const by = year('birthYear');
  if (by !== undefined) criteria.birthYear = by;
  const bp = text('birthPlace');
  if (bp !== undefined) criteria.birthPlace = bp;
  const dy = year('deathYear');
  if (dy !== undefined) criteria.deathYear = dy;
  const dp = text('deathPlace');
  if (dp !== undefined) criteria.deathPlace = dp;
  return criteria;
}

function ownName(key: string): string {
  return key;
}

/**
 * Every criterion the API can filter on goes to the server: names, sex, birth and death years
 * (widened by 5 years, the scoring's "within 5 years" reach) and places.
 */
export function searchQueryFor(c: Criteria): SearchQuery {
  const q: { -readonly [K in keyof SearchQuery]: SearchQuery[K] } = {};
  if (c.given) q.given = c.given;
  if (c.surname) q.surname = c.surname;
  if (c.sex) q.sex = c.sex;
  const by = c.birthDate?.year ?? c.birthYear;
  if (by !== undefined) {
    q.birthYearFrom = by - 5;
    q.birthYearTo = by + 5;
  }
  if (c.birthPlace) q.birthPlace = c.birthPlace;
  const dy = c.deathDate?.year ?? c.deathYear;
  if (dy !== undefined) {
    q.deathYearFrom = dy - 5;
    q.deathYearTo = dy + 5;
  }
  if (c.deathPlace) q.deathPlace = c.deathPlace;
  return q;
}

/** Search `source` for `criteria`: fetch the result pages, score every candidate, and fetch the best ones' families and ladders (once per run through the cache). */
export async function research(criteria: Criteria, source: PersonSource, options: ResearchOptions = {}): Promise<ResearchResult> {
  const started = performance.now();
  const timings = options.timings ?? new Timings();
  const cache = options.cache ?? new RunCache();
  const maxPages = options.maxPages ?? 5;
  const pageSize = options.pageSize ?? 50;
  const query = searchQueryFor(criteria);
  // Named for what they are: requests to a site's API, or lookups in a tree loaded from a file.
  const where = source.kind === 'site' ? 'api' : 'tree (GEDCOM)';
  const searchOp = source.kind === 'site' ? 'search page' : 'search';
  const home = await cache.get('home', () => timings.time(where, 'home person', () => source.home()));
  const candidates: PersonView[] = [];
  let total = 0;
  let pages = 0;
  const first = await timings.time(where, searchOp, () => source.searchPage(query, 1, pageSize));
  pages++;
  total = first.total;
  candidates.push(...first.persons);
  if (first.persons.length >= pageSize && pageSize < total) {
    // The first page tells how many there are: the rest (within the cap) are fetched at once,
    // and kept in page order so the candidates are the same as page by page.
    const more = Math.min(maxPages, Math.ceil(total / pageSize)) - 1;
    const rest = await Promise.all(
      Array.from({ length: more }, (_, i) => timings.time(where, searchOp, () => source.searchPage(query, i + 2, pageSize))),
    );
    for (const result of rest) {
      pages++;
      candidates.push(...result.persons);
    }
  }
  const ranked = timings.timeSync('research', 'scoring', () =>
    rankCandidates(criteria, candidates.map(asCandidate), options.weights ?? DEFAULT_WEIGHTS),
  );
  const top = ranked.slice(0, options.top ?? 3).map((r): RankedPerson => {
    const url = source.pageUrl?.(r.candidate.view.id);
    return { person: r.candidate.view, score: r.score, confidence: confidenceOf(r.score), ...(url === undefined ? {} : { url }) };
  });
  const tie = topTie(criteria, ranked);
  const detailed = ranked.slice(0, 1 + (options.ladderFor ?? 0)).filter((r) => r.score.total > 0);
  const details = await Promise.all(
    detailed.map(async (r) => {
      const id = r.candidate.view.id;
      const [family, ladder] = await Promise.all([
        cache.get(`family:${id}`, () => timings.time(where, 'family', () => source.family(id))),
        cache.get(`ladder:${id}`, () => timings.time(where, 'ladder', () => source.ladder(id))),
      ]);
      return { person: r.candidate.view, family, ladder };
    }),
  );
  return {
    criteria,
    source: source.kind,
    home,
    candidates: candidates.length,
    totalMatches: total,
    pagesFetched: pages,
    ranked: top,
    ...(tie ? { tie } : {}),
    details,
    ms: performance.now() - started,
  };
}

/** An API/GEDCOM person view as something to score (dates parsed back from their text). */
function asCandidate(view: PersonView): {
  view: PersonView;
  given: string;
  surname: string;
  alternateNames?: PersonView['alternateNames'];
  sex: Sex;
  birth?: { date?: { year: number; month?: number; day?: number }; place?: string };
  death?: { date?: { year: number; month?: number; day?: number }; place?: string };
} {
  const event = (e: PersonView['birth']) => {
    if (!e) return undefined;
    const parsed = e.date ? parseGedcomDate(e.date) : undefined;
    const out: { date?: { year: number; month?: number; day?: number }; place?: string } = {};
    if (parsed) out.date = parsed;
    if (e.place) out.place = e.place;
    return out;
  };
  const birth = event(view.birth);
  const death = event(view.death);
  return {
    view,
    given: view.given,
    surname: view.surname,
    ...(view.alternateNames ? { alternateNames: view.alternateNames } : {}),
    sex: view.sex as Sex,
    ...(birth ? { birth } : {}),
    ...(death ? { death } : {}),
  };
}

/**
 * A per-run cache keyed by person: concurrent requests for the same key share one fetch, and a
 * failed fetch is not kept. Hits and misses are counted.
 */
export class RunCache {
  readonly #entries = new Map<string, Promise<unknown>>();
  hits = 0;
  misses = 0;

  /** The value for `key`: fetched once, then shared by every caller (a failed fetch is not kept). */
  get<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const found = this.#entries.get(key);
    if (found) {
      this.hits++;
      return found as Promise<T>;
    }
    this.misses++;
    const p = fetch();
    this.#entries.set(key, p);
    p.catch(() => this.#entries.delete(key));
    return p;
  }
}

/**
 * Time spent per component and operation, for the `--benchmark` table. In a timed row, `count`
 * is how many times the operation ran and `ms` the time they took together; a row of
 * {@link Timings.count} only counts (`timed: false`, no time).
 */
export class Timings {
  readonly rows = new Map<string, { component: string; operation: string; count: number; ms: number; timed: boolean }>();

  /** Add `count` runs that took `ms` in all to a row. */
  add(component: string, operation: string, ms: number, count = 1): void {
    this.#row(component, operation, true, ms, count);
  }

  /** A row that counts events whose time is not measured (requests, cache hits, …). */
  count(component: string, operation: string, count: number): void {
    this.#row(component, operation, false, 0, count);
  }

  #row(component: string, operation: string, timed: boolean, ms: number, count: number): void {
    const key = `${component}\u0000${operation}`;
    const row = this.rows.get(key) ?? { component, operation, count: 0, ms: 0, timed };
    row.count += count;
    row.ms += ms;
    this.rows.set(key, row);
  }

  /** Run `work` and add its time to the row, whether it succeeds or fails. */
  async time<T>(component: string, operation: string, work: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.add(component, operation, performance.now() - t);
    }
  }

  /** Run `work` (synchronous) and add its time to the row. */
  timeSync<T>(component: string, operation: string, work: () => T): T {
    const t = performance.now();
    try {
      return work();
    } finally {
      this.add(component, operation, performance.now() - t);
    }
  }
}

/** Local research on a GEDCOM tree: the same search semantics, views and ladders as the site. */
export class GedcomSource implements PersonSource {
  readonly kind = 'gedcom' as const;
  readonly #tree: FamilyTree;
  readonly #home: number;
  readonly #index: SearchIndex;

  constructor(tree: FamilyTree, home: number) {
    this.#tree = tree;
    this.#home = home;
    this.#index = new SearchIndex(tree);
  }

  async home(): Promise<PersonSummary> {
    return personSummary(this.#tree, this.#home);
  }

  async searchPage(query: SearchQuery, page: number, pageSize: number): Promise<{ persons: PersonView[]; total: number }> {
    const r = this.#index.search(query, page, pageSize);
    return { persons: r.people.map((i) => personView(this.#tree.person(i))), total: r.total };
  }

  async family(id: string): Promise<FamilyView> {
    return familyView(this.#tree, this.#require(id));
  }

  async ladder(id: string): Promise<LadderView> {
    return ladderView(this.#tree, this.#require(id), this.#home);
  }

  async exportTree(ids: readonly string[]): Promise<{ tree: FamilyTree; selection: ExportSelection }> {
    return {
      tree: this.#tree,
      selection: withFamilies(
        this.#tree,
        ids.map((id) => this.#require(id)),
      ),
    };
  }

  #require(id: string): number {
    const i = this.#tree.indexOf(id);
    if (i === undefined) throw new InvalidCriteriaError(`no person ${id} in the tree`);
    return i;
  }
}

/** Research through a site's JSON API (the reference site's routes), with a session's `get`. */
export class SiteSource implements PersonSource {
  readonly kind = 'site' as const;
  readonly #get: <T>(path: string) => Promise<T>;
  readonly #origin: string;

  /** `get`: a session's API call; `origin`: the site's address, for links to person pages. */
  constructor(get: <T>(path: string) => Promise<T>, origin: string) {
    this.#get = get;
    this.#origin = origin;
  }

  pageUrl(id: string): string {
    return new URL(`/person/${encodeURIComponent(id)}`, this.#origin).href;
  }

  async home(): Promise<PersonSummary> {
    const me = await this.#get<{ referencePerson: PersonSummary }>('/api/me');
    return me.referencePerson;
  }

  async searchPage(query: SearchQuery, page: number, pageSize: number): Promise<{ persons: PersonView[]; total: number }> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    params.set('page', String(page));
    params.set('pageSize', String(pageSize));
    return this.#get<{ persons: PersonView[]; total: number }>(`/api/persons?${params.toString()}`);
  }

  family(id: string): Promise<FamilyView> {
    return this.#get<FamilyView>(`/api/persons/${encodeURIComponent(id)}/family`);
  }

  ladder(id: string): Promise<LadderView> {
    return this.#get<LadderView>(`/api/persons/${encodeURIComponent(id)}/ladder`);
  }

  /**
   * The site's GEDCOM 7 export of these people with their families (`/api/export`), asked for in
   * batches of 200 (the `/api/export` limit) (one request each, through the session's rate limiter), each
   * answer read as GEDCOM, and the parts joined.
   */
  async exportTree(ids: readonly string[]): Promise<{ tree: FamilyTree; selection: ExportSelection }> {
    const parts: { tree: FamilyTree; renamed: Record<string, string> }[] = [];
    for (let k = 0; k < ids.length; k += EXPORT_BATCH) {
      const batch = ids.slice(k, k + EXPORT_BATCH);
      const answer = await this.#get<{ gedcom?: unknown; renamed?: unknown }>(`/api/export?ids=${batch.map(encodeURIComponent).join(',')}`);
      const renamed = answer?.renamed;
      if (
        typeof answer?.gedcom !== 'string' ||
        typeof renamed !== 'object' ||
        renamed === null ||
        Object.values(renamed).some((v) => typeof v !== 'string')
      ) {
        throw new NetworkError(
          "GET /api/export: the site's answer is not {gedcom, renamed}; is --site a site with the reference site's API?",
          { details: { path: '/api/export' } },
        );
      }
      parts.push({ tree: (await readGedcom({ text: answer.gedcom })).tree, renamed: renamed as Record<string, string> });
    }
    const tree = mergeTrees(parts);
    return { tree, selection: wholeTree(tree) };
  }
}

/** People per export request: the reference site answers at most 200 (and the URL stays short). */
const EXPORT_BATCH = 200;

/** Everyone a run found: the ranked people of each search, everyone on each relationship path shown, and the home person; each once, in order. */
export function foundIds(results: readonly ResearchResult[]): string[] {
  const ids = new Set<string>();
  for (const r of results) {
    ids.add(r.home.id);
    for (const ranked of r.ranked) ids.add(ranked.person.id);
    for (const d of r.details) for (const step of d.ladder.steps) ids.add(step.id);
  }
  return [...ids];
}
