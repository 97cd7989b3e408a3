import type { GedcomDate } from './dates.js';
import { fold } from './search-index.js';
import type { Sex } from './tree.js';

/**
 * How well a person matches search criteria, rule by rule (docs/scoring.md, which also says how
 * the rules differ from the design note's table). A death year within 5 years earns points; a
 * fact missing on both sides earns nothing, so that no one outranks the person sought for lacking
 * what the criteria lack too. Text rules are
 * "contains", ignoring case and accents. Every score comes with the most the criteria could earn
 * ({@link Score.max}) and a confidence word ({@link confidenceOf}).
 */
export interface Criteria {
  readonly given?: string;
  readonly surname?: string;
  readonly sex?: Sex;
  readonly birthYear?: number;
  /** A full birth date, when known: `{ year, month, day }`. */
  readonly birthDate?: { readonly year: number; readonly month: number; readonly day: number };
  readonly birthPlace?: string;
  readonly deathYear?: number;
  readonly deathDate?: { readonly year: number; readonly month: number; readonly day: number };
  readonly deathPlace?: string;
}

/** Points per rule. Defaults: {@link DEFAULT_WEIGHTS}. */
export interface ScoringWeights {
  readonly givenContains: number;
  readonly surnameContains: number;
  readonly bothNames: number;
  readonly birthExactDate: number;
  readonly birthExactYear: number;
  readonly birthYearWithin5: number;
  readonly birthPlaceContains: number;
  readonly birthYearAndPlace: number;
  readonly gender: number;
  readonly deathExactDate: number;
  readonly deathExactYear: number;
  readonly deathYearWithin5: number;
  /** The candidate's death place contains the criteria's. */
  readonly deathPlace: number;
  /** The death date rules matched (a bonus, as birth year and place both matching is). */
  readonly deathInfo: number;
}

/** The points each criterion earns when it matches (docs/scoring.md explains each). */
export const DEFAULT_WEIGHTS: ScoringWeights = {
  givenContains: 25,
  surnameContains: 25,
  bothNames: 25,
  birthExactDate: 25,
  birthExactYear: 20,
  birthYearWithin5: 10,
  birthPlaceContains: 25,
  birthYearAndPlace: 25,
  gender: 15,
  deathExactDate: 25,
  deathExactYear: 20,
  deathYearWithin5: 10,
  deathPlace: 25,
  deathInfo: 25,
};

/** A scoring rule: one criterion compared one way. */
export type Rule = keyof ScoringWeights;

/** One rule's points in a score, and why. */
export interface ScoreLine {
  readonly rule: Rule;
  readonly points: number;
  /** Why, for the breakdown table (never the criteria's secrets: there are none here). */
  readonly why: string;
}

/** A candidate's score: the total, the most these criteria could earn, and each rule's points. */
export interface Score {
  readonly total: number;
  /** The most any candidate could score on these criteria (the scale of `total`). */
  readonly max: number;
  readonly lines: readonly ScoreLine[];
}

/**
 * How far a score can be trusted, in one word: `strong` (at least 90 % of the possible points,
 * a date or place among them), `good` (at least 70 %), `fair` (at least 40 %, or a match on
 * names alone, which cannot tell namesakes apart) and `weak` (less).
 */
export type Confidence = 'strong' | 'good' | 'fair' | 'weak';

const NAME_RULES: readonly Rule[] = ['givenContains', 'surnameContains', 'bothNames'];

/** The confidence word for a score (see {@link Confidence}). */
export function confidenceOf(score: Score): Confidence {
  if (score.max <= 0 || score.total <= 0) return 'weak';
  const share = score.total / score.max;
  const beyondNames = score.lines.some((l) => !NAME_RULES.includes(l.rule));
  if (share >= 0.9 && beyondNames) return 'strong';
  if (share >= 0.7 && beyondNames) return 'good';
  return share >= 0.4 ? 'fair' : 'weak';
}

/** The most the criteria can earn: the best rule of each kind the criteria make reachable. */
export function maxScore(criteria: Criteria, weights: ScoringWeights = DEFAULT_WEIGHTS): number {
  const w = weights;
  let max = 0;
  if (criteria.given !== undefined) max += w.givenContains;
  if (criteria.surname !== undefined) max += w.surnameContains;
  if (criteria.given !== undefined && criteria.surname !== undefined) max += w.bothNames;
  const birth = criteria.birthDate
    ? Math.max(w.birthExactDate, w.birthExactYear, w.birthYearWithin5)
    : criteria.birthYear !== undefined
      ? Math.max(w.birthExactYear, w.birthYearWithin5)
      : undefined;
  if (birth !== undefined) max += birth;
  if (criteria.birthPlace !== undefined) max += w.birthPlaceContains;
  if (birth !== undefined && criteria.birthPlace !== undefined) max += w.birthYearAndPlace;
  if (criteria.sex === 'M' || criteria.sex === 'F') max += w.gender;
  const death = criteria.deathDate
    ? Math.max(w.deathExactDate, w.deathExactYear, w.deathYearWithin5)
    : criteria.deathYear !== undefined
      ? Math.max(w.deathExactYear, w.deathYearWithin5)
      : undefined;
  if (death !== undefined) max += death + w.deathInfo;
  if (criteria.deathPlace !== undefined) max += w.deathPlace;
  return max;
}

/** The facts scoring looks at, from a tree person or an API answer. */
export interface Candidate {
  readonly given: string;
  readonly surname: string;
  /** Other recorded names; the name rules use whichever name matches best. */
  readonly alternateNames?: readonly { readonly given: string; readonly surname: string }[];
  readonly sex: Sex;
  readonly birth?: { readonly date?: Pick<GedcomDate, 'year' | 'month' | 'day'>; readonly place?: string };
  readonly death?: { readonly date?: Pick<GedcomDate, 'year' | 'month' | 'day'>; readonly place?: string };
}

/** Score one candidate. Pure. */
export function scoreCandidate(criteria: Criteria, c: Candidate, weights: ScoringWeights = DEFAULT_WEIGHTS): Score {
  return score(criteria, c, weights, maxScore(criteria, weights));
}

/** {@link scoreCandidate} with the scale worked out once for all the candidates of one search. */
function score(criteria: Criteria, c: Candidate, weights: ScoringWeights, max: number): Score {
  const lines: ScoreLine[] = [];
  const add = (rule: Rule, why: string): void => {
    if (weights[rule] !== 0) lines.push({ rule, points: weights[rule], why });
  };
  // The name rules on the primary name, or on another recorded name that matches more of them.
  const nameMatch = (n: { readonly given: string; readonly surname: string }): { given: boolean; surname: boolean; count: number } => {
    const given = criteria.given !== undefined && contains(n.given, criteria.given);
    const surname = criteria.surname !== undefined && contains(n.surname, criteria.surname);
    return { given, surname, count: Number(given) + Number(surname) };
  };
  let { given, surname, count } = nameMatch(c);
  let other = '';
  for (const alt of c.alternateNames ?? []) {
    const m = nameMatch(alt);
    if (m.count <= count) continue;
    ({ given, surname, count } = m);
    other = ` (other name "${`${alt.given} ${alt.surname}`.trim()}")`;
  }
  if (given) add('givenContains', `given name contains "${criteria.given}"${other}`);
  if (surname) add('surnameContains', `surname contains "${criteria.surname}"${other}`);
  if (given && surname) add('bothNames', `both names match${other}`);

  const birthMatched = matchDate(
    criteria.birthDate,
    criteria.birthYear,
    c.birth?.date,
    'born',
    ['birthExactDate', 'birthExactYear', 'birthYearWithin5'],
    add,
  );
  const birthPlace = criteria.birthPlace !== undefined && c.birth?.place !== undefined && contains(c.birth.place, criteria.birthPlace);
  if (birthPlace) add('birthPlaceContains', `birth place contains "${criteria.birthPlace}"`);
  if (birthMatched && birthPlace) add('birthYearAndPlace', 'birth year and place both match');
  if (criteria.sex !== undefined && criteria.sex !== 'U' && c.sex === criteria.sex) add('gender', `sex ${c.sex}`);

  const deathMatched = matchDate(
    criteria.deathDate,
    criteria.deathYear,
    c.death?.date,
    'died',
    ['deathExactDate', 'deathExactYear', 'deathYearWithin5'],
    add,
  );
  if (criteria.deathPlace !== undefined && c.death?.place !== undefined && contains(c.death.place, criteria.deathPlace))
    add('deathPlace', `death place contains "${criteria.deathPlace}"`);
  if (deathMatched) add('deathInfo', 'death information matches');
  // Absence on both sides is not evidence: no rule awards it.
  return { total: lines.reduce((sum, l) => sum + l.points, 0), max, lines };
}

type CandidateDate = Pick<GedcomDate, 'year' | 'month' | 'day'>;

/**
 * The date rules, the same for birth and death: exact date, else exact year, else within 5 years
 * (the first that holds is awarded). Returns whether any held.
 */
function matchDate(
  wantDate: Criteria['birthDate'],
  wantYear: number | undefined,
  got: CandidateDate | undefined,
  verb: 'born' | 'died',
  [exactDate, exactYear, within5]: readonly [Rule, Rule, Rule],
  add: (rule: Rule, why: string) => void,
): boolean {
  const year = wantDate?.year ?? wantYear;
  if (year === undefined || !got) return false;
  if (wantDate && got.month === wantDate.month && got.day === wantDate.day && got.year === wantDate.year)
    add(exactDate, `${verb} ${dateText(got)}`);
  else if (got.year === year) add(exactYear, `${verb} in ${year}`);
  else if (Math.abs(got.year - year) <= 5) add(within5, `${verb} ${got.year}, within 5 years of ${year}`);
  else return false;
  return true;
}

/** Score and rank every candidate: highest total first; ties keep the input order. */
export function rankCandidates<T extends Candidate>(
  criteria: Criteria,
  candidates: readonly T[],
  weights: ScoringWeights = DEFAULT_WEIGHTS,
): { candidate: T; score: Score }[] {
  const max = maxScore(criteria, weights);
  return candidates
    .map((candidate, i) => ({ candidate, score: score(criteria, candidate, weights, max), i }))
    .sort((a, b) => b.score.total - a.score.total || a.i - b.i)
    .map(({ candidate, score }) => ({ candidate, score }));
}

/** Several candidates share the best score: how many, and what would tell them apart. */
export interface TopTie {
  /** Candidates at the best score (2 or more). */
  readonly count: number;
  /** Criteria not given on which the tied candidates differ, in words ("a birth year"); empty when their facts are the same. */
  readonly breakers: readonly string[];
}

/**
 * The tie at the top of a ranking, if any: two or more candidates with the best (non-zero) score.
 * `ranked` must be sorted best first, as {@link rankCandidates} returns it.
 */
export function topTie(
  criteria: Criteria,
  ranked: readonly { readonly candidate: Candidate; readonly score: Score }[],
): TopTie | undefined {
  const best = ranked[0]?.score.total ?? 0;
  if (best <= 0) return undefined;
  const tied = ranked.filter((r) => r.score.total === best).map((r) => r.candidate);
  if (tied.length < 2) return undefined;
  const differ = (value: (c: Candidate) => unknown): boolean => new Set(tied.map((c) => JSON.stringify(value(c) ?? null))).size > 1;
  const breakers: string[] = [];
  if (criteria.given === undefined && differ((c) => fold(c.given))) breakers.push('a given name');
  if (criteria.sex === undefined && differ((c) => c.sex)) breakers.push('the sex');
  if (criteria.birthYear === undefined && criteria.birthDate === undefined && differ((c) => c.birth?.date?.year))
    breakers.push('a birth year');
  if (criteria.birthPlace === undefined && differ((c) => fold(c.birth?.place ?? ''))) breakers.push('a birth place');
  if (criteria.deathYear === undefined && criteria.deathDate === undefined && differ((c) => c.death?.date?.year))
    breakers.push('a death year');
  if (criteria.deathPlace === undefined && differ((c) => fold(c.death?.place ?? ''))) breakers.push('a death place');
  return { count: tied.length, breakers };
}

/** A tie in words: "3 equally good matches; add a birth year or a birth place to tell them apart". */
export function describeTie(tie: TopTie): string {
  const head = `${tie.count} equally good matches`;
  if (tie.breakers.length === 0) return `${head}, with the same recorded facts (perhaps one person entered more than once)`;
  const list = tie.breakers.length === 1 ? tie.breakers[0] : `${tie.breakers.slice(0, -1).join(', ')} or ${tie.breakers.at(-1) as string}`;
  return `${head}; add ${list} to tell them apart`;
}

function contains(value: string, needle: string): boolean {
  return fold(value).includes(fold(needle));
}

function dateText(d: CandidateDate): string {
  return d.month !== undefined && d.day !== undefined
    ? `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`
    : String(d.year);
}
