/**
 * GEDCOM dates as written in real files, reduced to what research needs: a year (plus month and
 * day when given) and how sure the file is about it.
 *
 * Understood: `1 JAN 1900`, `JAN 1900`, `1900`, full month names (`17 April 1804`,
 * `December 1789`), abbreviations with a period (`1 Jan. 1850`), `ABT`/`ABOUT`/`CIRCA`/`C.`, `EST`, `CAL`, `BEF`/`BEFORE`, `AFT`/`AFTER`
 * (each also with a period: `ABT.`), `BET … AND …`, `FROM … TO …`, `FROM …`, `TO …`,
 * `INT … (phrase)` (the phrase is kept), dual years (`1750/51`, `1815/1816`: the new-style, later
 * year), `BC`, and calendars: `@#DGREGORIAN@`, `@#DJULIAN@` (Julian leap years; a full date is
 * converted to the Gregorian one), `@#DHEBREW@`, `@#DFRENCH R@` and `@#DROMAN@`, and the GEDCOM 7
 * words (`JULIAN 12 AUG 1401`, `GREGORIAN 1401`, `HEBREW …`, `FRENCH_R …`). A full Hebrew or
 * French republican date converts to its Gregorian day exactly (the Hebrew calendar by its
 * arithmetic rules; the republican one from 22 September 1792); a month or a year alone, and a
 * Roman date, get a Gregorian year with the qualifier `about`. Every such date keeps its calendar
 * in `calendar` and is never taken as a Gregorian year. Case does not matter. Anything else gives `undefined` and the caller reports it.
 */
export type DateQualifier = 'exact' | 'about' | 'estimated' | 'calculated' | 'before' | 'after' | 'between' | 'interpreted';

/** A GEDCOM date as read: its Gregorian year, month and day, its qualifier, a range's second year, the text as written and its calendar. */
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
  /** The calendar it was written in, when not Gregorian (the year fields are Gregorian). */
  readonly calendar?: 'julian' | 'hebrew' | 'french' | 'roman';
  /** The words of an interpreted date (`INT 1850 (about when the war ended)`). */
  readonly phrase?: string;
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
  JANUARY: 1,
  FEBRUARY: 2,
  MARCH: 3,
  APRIL: 4,
  JUNE: 6,
  JULY: 7,
  AUGUST: 8,
  SEPT: 9,
  SEPTEMBER: 9,
  OCTOBER: 10,
  NOVEMBER: 11,
  DECEMBER: 12,
};

/** Hebrew months (GEDCOM codes), in the civil order GEDCOM uses: Tishrei first. */
const HEBREW_MONTHS = ['TSH', 'CSH', 'KSL', 'TVT', 'SHV', 'ADR', 'ADS', 'NSN', 'IYR', 'SVN', 'TMZ', 'AAV', 'ELL'];
/** French republican months (GEDCOM codes), Vendémiaire first; COMP: the complementary days. */
const FRENCH_MONTHS = ['VEND', 'BRUM', 'FRIM', 'NIVO', 'PLUV', 'VENT', 'GERM', 'FLOR', 'PRAI', 'MESS', 'THER', 'FRUC', 'COMP'];

type Calendar = 'gregorian' | 'julian' | 'hebrew' | 'french' | 'roman';
const CALENDAR_WORDS: Readonly<Record<string, Calendar>> = {
  '@#DGREGORIAN@': 'gregorian',
  GREGORIAN: 'gregorian',
  '@#DJULIAN@': 'julian',
  JULIAN: 'julian',
  '@#DHEBREW@': 'hebrew',
  HEBREW: 'hebrew',
  '@#DFRENCH R@': 'french',
  FRENCH_R: 'french',
  '@#DROMAN@': 'roman',
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
  /** Converted from a calendar whose years do not line up with Gregorian ones. */
  approximate?: boolean;
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
  // An interpreted date may carry its original wording in parentheses: kept as its phrase.
  const phrase = /\((.*)\)\s*$/.exec(text)?.[1]?.trim();
  let calendar: Calendar = 'gregorian';
  const upper = text
    .replace(/\(.*\)\s*$/, '')
    .toUpperCase()
    .replace(/@#D[A-Z ]+@/g, (escape) => {
      const c = CALENDAR_WORDS[escape];
      if (c) calendar = c;
      return c ? ` ${escape.replace(/\s+/g, '_')} ` : ' @UNKNOWN@ ';
    });
  const words = upper
    .split(/\s+/)
    .filter((w) => w !== '' && !(w.startsWith('@#D') && CALENDAR_WORDS[w.replace(/_/g, ' ')] !== undefined))
    .map((w) => (PREFIX[w.replace(/\.$/, '')] !== undefined ? w.replace(/\.$/, '') : w));
  if (words.includes('@UNKNOWN@')) return undefined;
  // GEDCOM 7 puts the calendar as a word before each date.
  for (let k = 0; k < words.length; k++) {
    const c = CALENDAR_WORDS[words[k] as string];
    if (c) {
      calendar = c;
      words.splice(k, 1);
      k--;
    }
  }
  if (words.length === 0) return undefined;
  const parsed = parseWords(words, text, calendar);
  if (!parsed) return undefined;
  const withCalendar = calendar === 'gregorian' ? parsed : { ...parsed, calendar };
  return phrase && parsed.qualifier === 'interpreted' ? { ...withCalendar, phrase } : withCalendar;
}

function parseWords(words: string[], text: string, calendar: Calendar): GedcomDate | undefined {
  const point = (w: readonly string[]): Point | undefined => pointIn(w, calendar);
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
  const date: { -readonly [K in keyof GedcomDate]: GedcomDate[K] } = {
    year: p.year,
    qualifier: p.approximate && qualifier === 'exact' ? 'about' : qualifier,
    text,
  };
  if (p.month !== undefined) date.month = p.month;
  if (p.day !== undefined) date.day = p.day;
  return date;
}

/** A point in `calendar`, converted to the Gregorian calendar (`approximate` when not exact). */
function pointIn(words: readonly string[], calendar: Calendar): Point | undefined {
  if (calendar === 'gregorian') return point(words, MONTHS, daysIn);
  if (calendar === 'julian') {
    const p = point(words, MONTHS, julianDaysIn);
    if (!p || p.month === undefined || p.day === undefined) return p; // a year or a month: the same Gregorian year
    return gregorianFromJdn(jdnFromJulian(p.year, p.month, p.day));
  }
  if (calendar === 'hebrew') {
    const p = point(words, codes(HEBREW_MONTHS), hebrewDaysIn);
    if (!p) return undefined;
    // A year alone spans two Gregorian years (autumn to autumn): the one most of it is in.
    if (p.month === undefined) return { year: p.year - 3760, approximate: true };
    if (p.month === 7 && !hebrewLeap(p.year)) return undefined; // Adar II only in a leap year
    // A day converts exactly; a month alone is placed by its first day.
    const g = gregorianFromJdn(jdnFromHebrew(p.year, p.month, p.day ?? 1));
    return p.day === undefined ? { year: g.year, approximate: true } : g;
  }
  if (calendar === 'french') {
    const p = point(words, codes(FRENCH_MONTHS), (month, year) => (month === 13 ? (frenchLeap(year) ? 6 : 5) : 30));
    if (!p) return undefined;
    if (p.month === undefined) return { year: 1792 + p.year, approximate: true };
    const g = gregorianFromJdn(jdnFromFrench(p.year, p.month, p.day ?? 1));
    return p.day === undefined ? { year: g.year, approximate: true } : g;
  }
  // Roman: years from the founding of Rome (AUC).
  const p = point(words, MONTHS, daysIn);
  return p ? { year: p.year - 753, approximate: true } : undefined;
}

function codes(list: readonly string[]): Record<string, number> {
  return Object.fromEntries(list.map((code, i) => [code, i + 1]));
}

/** `[day] [month] year [BC]`. */
function point(
  words: readonly string[],
  months: Readonly<Record<string, number>>,
  days: (month: number, year: number) => number,
): Point | undefined {
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
    // "Jan." as well as "JAN": some programs write the abbreviation with its period.
    const month = months[(w.at(-2) as string).replace(/\.$/, '')];
    if (month === undefined) return undefined;
    out.month = month;
  }
  if (w.length === 3) {
    const day = Number(w[0]);
    if (!/^\d{1,2}$/.test(w[0] as string) || day < 1 || day > days(out.month as number, out.year)) return undefined;
    out.day = day;
  }
  return out;
}

/** `1900`, or a dual year (`1750/51`, `1815/1816`): the new-style year, the later one. */
function parseYear(word: string): number | undefined {
  const m = /^(\d{1,4})(?:\/(\d{1,4}))?$/.exec(word);
  if (!m) return undefined;
  const year = Number(m[1]);
  if (!(year > 0)) return undefined;
  if (m[2] === undefined) return year;
  const digits = m[2];
  if (digits.length >= 3) return Number(digits) === year + 1 ? year + 1 : undefined;
  const base = 10 ** digits.length;
  let later = year - (year % base) + Number(digits);
  if (later < year) later += base; // 1699/00 is 1700
  return later === year + 1 ? later : undefined;
}

function julianDaysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Julian day number of a Julian-calendar date (Fliegel–Van Flandern style integer arithmetic). */
function jdnFromJulian(year: number, month: number, day: number): number {
  const a = Math.floor((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  return day + Math.floor((153 * m + 2) / 5) + 365 * y + Math.floor(y / 4) - 32083;
}

function gregorianFromJdn(jdn: number): Point {
  const a = jdn + 32044;
  const b = Math.floor((4 * a + 3) / 146097);
  const c = a - Math.floor((146097 * b) / 4);
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return {
    day: e - Math.floor((153 * m + 2) / 5) + 1,
    month: m + 3 - 12 * Math.floor(m / 10),
    year: 100 * b + d - 4800 + Math.floor(m / 10),
  };
}

/**
 * The Hebrew calendar, by its arithmetic rules (the molad of Tishrei and the postponements):
 * years from the creation (AM), months in GEDCOM's civil order (TSH = 1 … ELL = 13, ADS = 7 only
 * in a leap year).
 */
function hebrewLeap(year: number): boolean {
  return (7 * year + 1) % 19 < 7;
}

/** Days from the epoch to the molad-based start of `year`, with the first postponement. */
function hebrewElapsedDays(year: number): number {
  const months = Math.floor((235 * year - 234) / 19);
  const parts = 12084 + 13753 * months;
  const day = 29 * months + Math.floor(parts / 25920);
  return (3 * (day + 1)) % 7 < 3 ? day + 1 : day;
}

/** Julian day number of 1 Tishrei of `year`. */
function hebrewNewYear(year: number): number {
  const ny0 = hebrewElapsedDays(year - 1);
  const ny1 = hebrewElapsedDays(year);
  const ny2 = hebrewElapsedDays(year + 1);
  const delay = ny2 - ny1 === 356 ? 2 : ny1 - ny0 === 382 ? 1 : 0;
  return 347998 + ny1 + delay;
}

function hebrewDaysIn(month: number, year: number): number {
  const length = hebrewNewYear(year + 1) - hebrewNewYear(year);
  switch (month) {
    case 2: // Cheshvan: 30 in a complete year
      return length % 10 === 5 ? 30 : 29;
    case 3: // Kislev: 29 in a deficient year
      return length % 10 === 3 ? 29 : 30;
    case 6: // Adar (Adar I in a leap year)
      return hebrewLeap(year) ? 30 : 29;
    case 7: // Adar II
      return hebrewLeap(year) ? 29 : 0;
    default:
      return [1, 5, 8, 10, 12].includes(month) ? 30 : 29;
  }
}

function jdnFromHebrew(year: number, month: number, day: number): number {
  let jdn = hebrewNewYear(year);
  for (let m = 1; m < month; m++) jdn += hebrewDaysIn(m, year);
  return jdn + day - 1;
}

/**
 * The French Republican calendar: An I began on 22 September 1792 (Julian day 2375840); twelve
 * months of 30 days, then 5 complementary days (6 in a leap year: III, VII and XI while it was in
 * use, then every fourth year as Romme proposed).
 */
function frenchLeap(year: number): boolean {
  if (year <= 14) return year === 3 || year === 7 || year === 11;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function jdnFromFrench(year: number, month: number, day: number): number {
  let jdn = 2375840;
  for (let y = 1; y < year; y++) jdn += frenchLeap(y) ? 366 : 365;
  return jdn + (month - 1) * 30 + day - 1;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Lifespan as shown to users: `1850–1921`, `b. 1850`, `d. 1921`, `abt 1850–1921`, or `''`. */
export function lifespan(birth: GedcomDate | undefined, death: GedcomDate | undefined): string {
  const show = (d: GedcomDate): string => {
    const prefix = {
      exact: '',
      about: 'abt ',
      estimated: 'est ',
      calculated: 'cal ',
      before: 'bef ',
      after: 'aft ',
      between: 'bet ',
      interpreted: '',
    }[d.qualifier];
    return `${prefix}${d.year < 0 ? `${-d.year} BC` : d.year}${d.yearTo !== undefined ? `–${d.yearTo}` : ''}`;
  };
  if (birth && death) return `${show(birth)}–${show(death)}`;
  if (birth) return `b. ${show(birth)}`;
  if (death) return `d. ${show(death)}`;
  return '';
}

/**
 * A date value and its PHRASE, as GEDCOM 7 writes them (`2 DATE …` / `3 PHRASE …`). A phrase
 * that is itself a date of the same year (the form a 5.5.1 file had before it was converted, say
 * `11 Feb 1750/51`) is read as that date; any other phrase is kept, and makes a plain date
 * `interpreted` (GEDCOM 7's form of 5.5.1's `INT date (phrase)`). An empty value with a phrase
 * that is no date is no date (GEDCOM 7 allows it).
 */
export function readDate(value: string, phrase?: string): GedcomDate | undefined {
  const v = parseGedcomDate(value);
  const p = phrase?.trim();
  if (!p) return v;
  const asDate = parseGedcomDate(p);
  if (asDate && (v === undefined || asDate.year === v.year)) return asDate;
  if (!v) return undefined;
  return v.qualifier === 'exact' ? { ...v, qualifier: 'interpreted', phrase: p } : { ...v, phrase: p };
}

/** A Gregorian date already written as GEDCOM 7 writes it. */
const SEVEN =
  /^(?:(?:ABT|EST|CAL|BEF|AFT) )?(?:(?:(?:[1-9]|[12]\d|3[01]) )?(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC) )?[1-9]\d{0,3}$/;
/** The three-letter month codes of GEDCOM, January first. */
export const MONTH_CODES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
/** GEDCOM 7's word before a date with each qualifier (an interpreted date has its words in PHRASE instead). */
const QUALIFIER_WORD_7: Readonly<Partial<Record<DateQualifier, string>>> = {
  about: 'ABT',
  estimated: 'EST',
  calculated: 'CAL',
  before: 'BEF',
  after: 'AFT',
};
/** The words of a range or period, as GEDCOM 7 writes them. */
const RANGE_WORD_7: Readonly<Record<string, string>> = { BET: 'BET', BETWEEN: 'BET', AND: 'AND', FROM: 'FROM', TO: 'TO' };
const CALENDAR_7: Readonly<Record<Calendar, string | undefined>> = {
  gregorian: '',
  julian: 'JULIAN',
  hebrew: 'HEBREW',
  french: 'FRENCH_R',
  roman: undefined,
};

/**
 * A date as GEDCOM 7.0 writes it: its value (`ABT JULIAN 1 JAN 1700`, `BET 1850 AND 1855`,
 * `44 BCE`) and, where 7.0 cannot say what was written, a PHRASE: the words of an interpreted
 * date, or the text as read when it has no 7.0 form (a dual year `1750/51`, a Roman date), with a
 * Gregorian value beside it. {@link readDate} gives the same date back from the two.
 */
export function gedcom7Date(date: GedcomDate): { readonly value: string; readonly phrase?: string } {
  // Most dates are already in GEDCOM 7's words ("1 JAN 1900", "1900", "ABT 1850").
  if (date.phrase === undefined && date.calendar === undefined && date.qualifier !== 'interpreted' && SEVEN.test(date.text))
    return { value: date.text };
  const value = gedcom7Words(date.text);
  const back = value === undefined ? undefined : parseGedcomDate(value);
  const expected = date.qualifier === 'interpreted' ? 'exact' : date.qualifier;
  if (
    value !== undefined &&
    back &&
    back.qualifier === expected &&
    back.year === date.year &&
    back.month === date.month &&
    back.day === date.day &&
    back.yearTo === date.yearTo &&
    back.calendar === date.calendar
  ) {
    const phrase = date.phrase ?? (date.qualifier === 'interpreted' ? date.text : undefined);
    return phrase === undefined ? { value } : { value, phrase };
  }
  return { value: gregorianValue(date), phrase: date.text };
}

/** The text of a date in GEDCOM 7.0's words, or `undefined` when it has none (a dual year, a Roman date). */
function gedcom7Words(text: string): string | undefined {
  const upper = text
    .replace(/\(.*\)\s*$/, '')
    .trim()
    .toUpperCase()
    .replace(/@#D[A-Z ]+@/g, (escape) => {
      const c = CALENDAR_WORDS[escape];
      return ` ${c === 'gregorian' ? 'GREGORIAN' : c === undefined ? '@NONE@' : (CALENDAR_7[c] ?? '@NONE@')} `;
    });
  const out: string[] = [];
  let calendar: Calendar = 'gregorian';
  let pointStart = true;
  for (const raw of upper.split(/\s+/)) {
    if (raw === '') continue;
    if (raw === '@NONE@') return undefined;
    const cal = CALENDAR_WORDS[raw];
    if (cal !== undefined) {
      calendar = cal;
      continue;
    }
    const word = raw.replace(/\.$/, '');
    const qualifier = PREFIX[word] ?? PREFIX[raw]; // "Abt." as "ABT"; "C." is itself a word of PREFIX
    if (qualifier === 'interpreted') continue;
    const q = qualifier === undefined ? RANGE_WORD_7[word] : QUALIFIER_WORD_7[qualifier];
    if (q !== undefined) {
      out.push(q);
      pointStart = true;
      continue;
    }
    if (word === 'BC' || word === 'B.C' || word === 'BCE') {
      out.push('BCE');
      continue;
    }
    if (pointStart && calendar !== 'gregorian') out.push(CALENDAR_7[calendar] as string);
    pointStart = false;
    if (/^\d+$/.test(word)) out.push(String(Number(word)));
    else if ((calendar === 'gregorian' || calendar === 'julian') && MONTHS[word] !== undefined)
      out.push(MONTH_CODES[MONTHS[word] - 1] as string);
    else if (calendar === 'hebrew' && HEBREW_MONTHS.includes(word)) out.push(word);
    else if (calendar === 'french' && FRENCH_MONTHS.includes(word)) out.push(word);
    else return undefined;
  }
  return out.length > 0 ? out.join(' ') : undefined;
}

/** A date's Gregorian reading in GEDCOM 7.0's words, from its fields. */
function gregorianValue(date: GedcomDate): string {
  const point = (year: number, month?: number, day?: number): string =>
    `${day !== undefined && month !== undefined ? `${day} ` : ''}${month !== undefined ? `${MONTH_CODES[month - 1]} ` : ''}${Math.abs(year)}${year < 0 ? ' BCE' : ''}`;
  const at = point(date.year, date.month, date.day);
  if (date.qualifier === 'between') return `BET ${at} AND ${point(date.yearTo ?? date.year)}`;
  const word = QUALIFIER_WORD_7[date.qualifier];
  return word === undefined ? at : `${word} ${at}`;
}
