import type { GedcomDate } from './dates.js';
import { fold } from './search-index.js';
import type { Sex } from './tree.js';

/**
 * How well a person matches search criteria, rule by rule, as in the scoring table of the
 * system the design note came from (DESIGN.md §4), with one fix: a death year within 5 years is
 * awarded (the old code meant to and never did). Text rules are "contains", ignoring case and
 * accents. A living person matched on everything from criteria with a birth year (not a full
 * date) scores 235.
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

/** Points per rule. Defaults: the table of DESIGN.md §4. */
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
  readonly deathDateAbsentBoth: number;
  readonly deathPlace: number;
  readonly deathInfo: number;
}

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
  deathDateAbsentBoth: 25,
  deathPlace: 25,
  deathInfo: 25,
};

export type Rule = keyof ScoringWeights;

export interface ScoreLine {
  readonly rule: Rule;
  readonly points: number;
  /** Why, for the breakdown table (never the criteria's secrets: there are none here). */
  readonly why: string;
}

export interface Score {
  readonly total: number;
  readonly lines: readonly ScoreLine[];
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

  const birthMatched = matchDate(criteria.birthDate, criteria.birthYear, c.birth?.date, 'born', ['birthExactDate', 'birthExactYear', 'birthYearWithin5'], add);
  const birthPlace = criteria.birthPlace !== undefined && c.birth?.place !== undefined && contains(c.birth.place, criteria.birthPlace);
  if (birthPlace) add('birthPlaceContains', `birth place contains "${criteria.birthPlace}"`);
  if (birthMatched && birthPlace) add('birthYearAndPlace', 'birth year and place both match');
  if (criteria.sex !== undefined && criteria.sex !== 'U' && c.sex === criteria.sex) add('gender', `sex ${c.sex}`);

  const deathMatched = matchDate(criteria.deathDate, criteria.deathYear, c.death?.date, 'died', ['deathExactDate', 'deathExactYear', 'deathYearWithin5'], add);
  const deathAbsentBoth = (criteria.deathDate?.year ?? criteria.deathYear) === undefined && !c.death?.date;
  if (deathAbsentBoth) add('deathDateAbsentBoth', 'no death date on either side');
  if (criteria.deathPlace !== undefined) {
    if (c.death?.place !== undefined && contains(c.death.place, criteria.deathPlace)) add('deathPlace', `death place contains "${criteria.deathPlace}"`);
  } else if (c.death?.place === undefined) {
    add('deathPlace', 'no death place on either side');
  }
  if (deathMatched || deathAbsentBoth) add('deathInfo', deathMatched ? 'death information matches' : 'death information absent on both sides');
  return { total: lines.reduce((sum, l) => sum + l.points, 0), lines };
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
  if (wantDate && got.month === wantDate.month && got.day === wantDate.day && got.year === wantDate.year) add(exactDate, `${verb} ${dateText(got)}`);
  else if (got.year === year) add(exactYear, `${verb} in ${year}`);
  else if (Math.abs(got.year - year) <= 5) add(within5, `${verb} ${got.year}, within 5 years of ${year}`);
  else return false;
  return true;
}

/** Score and rank every candidate: highest total first; ties keep the input order. */
export function rankCandidates<T extends Candidate>(criteria: Criteria, candidates: readonly T[], weights: ScoringWeights = DEFAULT_WEIGHTS): { candidate: T; score: Score }[] {
  return candidates
    .map((candidate, i) => ({ candidate, score: scoreCandidate(criteria, candidate, weights), i }))
    .sort((a, b) => b.score.total - a.score.total || a.i - b.i)
    .map(({ candidate, score }) => ({ candidate, score }));
}

function contains(value: string, needle: string): boolean {
  return fold(value).includes(fold(needle));
}


function dateText(d: CandidateDate): string {
  return d.month !== undefined && d.day !== undefined ? `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}` : String(d.year);
}
