/**
 * GEDCOM dates as written in real files, reduced to what research needs: a year (plus month and
 * day when given) and how sure the file is about it.
 *
 * Understood: `1 JAN 1900`, `JAN 1900`, `1900`, `ABT`/`ABOUT`/`CIRCA`/`C.`, `EST`, `CAL`,
 * `BEF`/`BEFORE`, `AFT`/`AFTER`, `BET … AND …`, `FROM … TO …`, `FROM …`, `TO …`, `INT … (text)`,
 * dual years (`1750/51`), `BC`, and a free-text `(phrase)` which has no year. Case does not
 * matter. Anything else gives `undefined` and the caller reports it.
 */
export type DateQualifier = 'exact' | 'about' | 'estimated' | 'calculated' | 'before' | 'after' | 'between' | 'interpreted';

export interface GedcomDate {
  /** The (first) year; negative for BC. */
  readonly year: number;
  /** 1–12, when given. */
  readonly month?: number;
  /** 1–31, when given. */
  readonly day?: number;
  readonly qualifier: DateQualifier;
  /** Second year of a range (`BET 1850 AND 1855`, `FROM 1850 TO 1855`). */
  readonly yearTo?: number;
  /** The text as written (trimmed). */
  readonly text: string;
}

const MONTHS: Readonly<Record<string, number>> = {
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};

const PREFIX: Readonly<Record<string, DateQualifier>> = {
  ABT: 'about',
  ABOUT: 'about',
  CIRCA: 'about',
  'C.': 'about',
  CA: 'about',
  'CA.': 'about',
  EST: 'estimated',
  CAL: 'calculated',
  BEF: 'before',
  BEFORE: 'before',
  AFT: 'after',
  AFTER: 'after',
  INT: 'interpreted',
};

const SIMPLE = /^(?:(\d{1,2}) ([A-Za-z]{3}) )?(\d{1,4})$/;

interface Point {
  year: number;
  month?: number;
  day?: number;
}

/** Parse one date value; `undefined` when it is not a date we can read. */
export function parseGedcomDate(input: string): GedcomDate | undefined {
  const text = input.trim();
  if (text === '') return undefined;
  // Fast path for the common forms, "1 JAN 1900" and "1900".
  const simple = SIMPLE.exec(text);
  if (simple) {
    const year = Number(simple[3]);
    if (simple[2] === undefined) return year > 0 ? { year, qualifier: 'exact', text } : undefined;
    const month = MONTHS[simple[2].toUpperCase()];
    const day = Number(simple[1]);
    if (month !== undefined && year > 0 && day >= 1 && day <= daysIn(month, year)) return { year, month, day, qualifier: 'exact', text };
  }
  // An interpreted date may carry its original wording in parentheses: drop it.
  const words = text
    .replace(/\(.*\)\s*$/, '')
    .toUpperCase()
    .replace(/@#D[A-Z ]+@/g, '') // calendar escapes (@#DGREGORIAN@)
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) return undefined;
  const first = words[0] as string;
  if (first === 'BET' || first === 'BETWEEN' || first === 'FROM') {
    const sep = words.indexOf(first === 'FROM' ? 'TO' : 'AND');
    const from = point(sep === -1 ? words.slice(1) : words.slice(1, sep));
    if (!from) return undefined;
    if (sep === -1) return first === 'FROM' ? make(from, 'after', text) : undefined;
    const to = point(words.slice(sep + 1));
    if (!to || to.year < from.year) return undefined;
    return { ...make(from, 'between', text), yearTo: to.year };
  }
  if (first === 'TO') {
    const to = point(words.slice(1));
    return to ? make(to, 'before', text) : undefined;
  }
  const qualifier = PREFIX[first];
  const p = point(qualifier ? words.slice(1) : words);
  return p ? make(p, qualifier ?? 'exact', text) : undefined;
}

function make(p: Point, qualifier: DateQualifier, text: string): GedcomDate {
  const date: { -readonly [K in keyof GedcomDate]: GedcomDate[K] } = { year: p.year, qualifier, text };
  if (p.month !== undefined) date.month = p.month;
  if (p.day !== undefined) date.day = p.day;
  return date;
}

/** `[day] [month] year [BC]`. */
function point(words: readonly string[]): Point | undefined {
  let w = [...words];
  let bc = false;
  const last = w.at(-1);
  if (last === 'BC' || last === 'B.C.' || last === 'BCE') {
    bc = true;
    w = w.slice(0, -1);
  }
  if (w.length < 1 || w.length > 3) return undefined;
  const year = parseYear(w.at(-1) as string);
  if (year === undefined) return undefined;
  const out: Point = { year: bc ? -year : year };
  if (w.length >= 2) {
    const month = MONTHS[w.at(-2) as string];
    if (month === undefined) return undefined;
    out.month = month;
  }
  if (w.length === 3) {
    const day = Number(w[0]);
    if (!/^\d{1,2}$/.test(w[0] as string) || day < 1 || day > daysIn(out.month as number, out.year)) return undefined;
    out.day = day;
  }
  return out;
}

/** `1900`, or a dual year `1750/51` (the first year). */
function parseYear(word: string): number | undefined {
  const m = /^(\d{1,4})(?:\/\d{1,2})?$/.exec(word);
  if (!m) return undefined;
  const year = Number(m[1]);
  return year > 0 ? year : undefined;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Lifespan as shown to users: `1850–1921`, `b. 1850`, `d. 1921`, `abt 1850–1921`, or `''`. */
export function lifespan(birth: GedcomDate | undefined, death: GedcomDate | undefined): string {
  const show = (d: GedcomDate): string => {
    const prefix = { exact: '', about: 'abt ', estimated: 'est ', calculated: 'cal ', before: 'bef ', after: 'aft ', between: 'bet ', interpreted: '' }[d.qualifier];
    return `${prefix}${d.year < 0 ? `${-d.year} BC` : d.year}${d.yearTo !== undefined ? `–${d.yearTo}` : ''}`;
  };
  if (birth && death) return `${show(birth)}–${show(death)}`;
  if (birth) return `b. ${show(birth)}`;
  if (death) return `d. ${show(death)}`;
  return '';
}
