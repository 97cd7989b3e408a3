import { type GedcomDate, MONTH_CODES } from './dates.js';
import { VENDOR_LINK_WORDS } from './gedcom.js';
import { type Family, type FamilyTree, type LifeEvent, type LinkType, type Person, type Sex, TreeBuilder } from './tree.js';
import { integerIn } from '../internal/options.js';

/**
 * A seeded, deterministic synthetic family tree: founders around 1700, then generation after
 * generation of marriages (within the tree and with newcomers), children, deaths, remarriages
 * and so half-siblings, until the asked number of people exists. The same seed and size always
 * give the same tree. Used for scale tests, benchmarks and as the reference site's default data.
 */
export interface SyntheticOptions {
  /** How many people. At least 2. */
  readonly people: number;
  /** Default 1. */
  readonly seed?: number;
  /** Year the founders are born around. Default 1700. */
  readonly startYear?: number;
  /** Nobody is born after this year; people alive then have no death. Default 2025. */
  readonly presentYear?: number;
}

/** A generated tree and its home person. */
export interface SyntheticTree {
  readonly tree: FamilyTree;
  /** A person of the youngest generation with a full ancestry: the tree's "home person". */
  readonly referencePerson: number;
}

const MALE = [
  'John',
  'William',
  'Thomas',
  'James',
  'George',
  'Charles',
  'Henry',
  'Joseph',
  'Edward',
  'Robert',
  'Richard',
  'Samuel',
  'Arthur',
  'Walter',
  'Frederick',
  'Albert',
  'Alfred',
  'Harry',
  'Ernest',
  'Francis',
  'Peter',
  'David',
  'Daniel',
  'Matthew',
  'Benjamin',
  'Isaac',
  'Edwin',
  'Herbert',
  'Frank',
  'Sidney',
  'Leonard',
  'Stanley',
  'Michael',
  'Paul',
  'Andrew',
  'Stephen',
  'Hugh',
  'Owen',
  'Lewis',
  'Simon',
];
const FEMALE = [
  'Mary',
  'Elizabeth',
  'Sarah',
  'Ann',
  'Jane',
  'Margaret',
  'Emma',
  'Alice',
  'Ellen',
  'Martha',
  'Hannah',
  'Harriet',
  'Eliza',
  'Catherine',
  'Charlotte',
  'Susan',
  'Emily',
  'Florence',
  'Edith',
  'Annie',
  'Clara',
  'Ada',
  'Lucy',
  'Ruth',
  'Grace',
  'Rose',
  'Dorothy',
  'Kathleen',
  'Joan',
  'Irene',
  'Nora',
  'Agnes',
  'Maud',
  'Ivy',
  'Hilda',
  'Violet',
  'Esther',
  'Rebecca',
  'Phoebe',
  'Lydia',
];
const SURNAMES = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Robinson',
  'Wright',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Wood',
  'Jackson',
  'Clarke',
  'Patel',
  'Hughes',
  'Edwards',
  'Turner',
  'Hill',
  'Moore',
  'Cooper',
  'Ward',
  'Morris',
  'King',
  'Watson',
  'Harrison',
  'Morgan',
  'Baker',
  'Young',
  'Allen',
  'Mitchell',
  'Lee',
  'Bell',
  'Parker',
  'Collins',
  'Stewart',
  'Murphy',
  'Cook',
  'Rogers',
  'Price',
  'Bennett',
  'Gray',
  'Carter',
  'Shaw',
  'Lloyd',
  'Fisher',
  'Marshall',
  'Holmes',
  'Knight',
  'Barnes',
  'Mason',
  'Hunt',
  'Webb',
  'Fletcher',
  'Ashworth',
  'Pemberton',
  'Sutcliffe',
  'Whitaker',
  'Haworth',
  'Greenwood',
  'Crowther',
  'Rhodes',
  'Barraclough',
  'Holroyd',
];
const PLACES = [
  'Leeds, Yorkshire, England',
  'York, Yorkshire, England',
  'Halifax, Yorkshire, England',
  'Bradford, Yorkshire, England',
  'Manchester, Lancashire, England',
  'Liverpool, Lancashire, England',
  'Preston, Lancashire, England',
  'Bristol, Gloucestershire, England',
  'Norwich, Norfolk, England',
  'Exeter, Devon, England',
  'Cardiff, Glamorgan, Wales',
  'Swansea, Glamorgan, Wales',
  'Edinburgh, Midlothian, Scotland',
  'Glasgow, Lanarkshire, Scotland',
  'Aberdeen, Aberdeenshire, Scotland',
  'Dublin, Dublin, Ireland',
  'Cork, Cork, Ireland',
  'Belfast, Antrim, Ireland',
  'London, Middlesex, England',
  'Bath, Somerset, England',
  'Chester, Cheshire, England',
  'Durham, Durham, England',
  'Lincoln, Lincolnshire, England',
  'Ipswich, Suffolk, England',
  'Boston, Massachusetts, USA',
  'New York, New York, USA',
  'Toronto, Ontario, Canada',
  'Sydney, New South Wales, Australia',
  'Auckland, Auckland, New Zealand',
  'Cape Town, Western Cape, South Africa',
];

/** mulberry32: small, fast, good enough for test data, and the same everywhere. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Draft {
  id: string;
  given: string;
  surname: string;
  sex: Sex;
  born: number;
  died: number | undefined;
  place: string;
  married: boolean;
  family: number; // family they were born in, -1 for founders and newcomers
}

/** A seeded synthetic family tree of `people` people (the same seed, the same tree): generations of families with names, dates and places. */
export function generateTree(options: SyntheticOptions): SyntheticTree {
  const total = options.people;
  integerIn('people', total, 2);
  const random = rng(options.seed ?? 1);
  const start = options.startYear ?? 1700;
  const present = options.presentYear ?? 2025;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

  const people: Draft[] = [];
  const families: { husband: number; wife: number; children: number[]; year: number; place: string }[] = [];
  const singles: { M: number[]; F: number[] } = { M: [], F: [] };

  const add = (d: Omit<Draft, 'id' | 'married'>): number => {
    const i = people.length;
    people.push({ ...d, id: `I${i + 1}`, married: false });
    return i;
  };
  const lifespanFrom = (born: number): number | undefined => {
    const r = random();
    const age = r < 0.12 ? int(0, 4) : r < 0.2 ? int(5, 39) : int(40, 97);
    return born + age > present ? undefined : born + age;
  };
  const newcomer = (sex: Sex, born: number): number =>
    add({
      given: pick(sex === 'M' ? MALE : FEMALE),
      surname: pick(SURNAMES),
      sex,
      born,
      died: lifespanFrom(born),
      place: pick(PLACES),
      family: -1,
    });
  const marry = (husband: number, wife: number, year: number): void => {
    (people[husband] as Draft).married = true;
    (people[wife] as Draft).married = true;
    families.push({ husband, wife, children: [], year, place: (people[husband] as Draft).place });
  };

  // Founders: enough couples that their descendants (about 60 people per couple over the
  // generations to the present) fill the tree, so few people are left unattached.
  const founders = Math.max(1, Math.ceil(total / 60));
  for (let f = 0; f < founders && people.length + 2 <= total; f++) {
    const born = start + int(-10, 10);
    marry(newcomer('M', born), newcomer('F', born + int(-5, 3)), born + int(20, 30));
  }

  // Families are processed in creation order, which walks the generations forward.
  for (let fi = 0; fi < families.length && people.length < total; fi++) {
    const fam = families[fi] as (typeof families)[number];
    const father = people[fam.husband] as Draft;
    const mother = people[fam.wife] as Draft;
    const motherEnd = Math.min(
      mother.born + 45,
      mother.died ?? Number.POSITIVE_INFINITY,
      father.died === undefined ? Number.POSITIVE_INFINITY : father.died + 1,
    );
    let year = Math.max(fam.year, mother.born + 18);
    const wanted = int(0, 6) + (random() < 0.3 ? 2 : 0);
    for (let k = 0; k < wanted && people.length < total; k++) {
      year += int(1, 4);
      if (year > motherEnd || year > present) break;
      const sex: Sex = random() < 0.51 ? 'M' : 'F';
      const child = add({
        given: pick(sex === 'M' ? MALE : FEMALE),
        surname: father.surname,
        sex,
        born: year,
        died: lifespanFrom(year),
        place: random() < 0.8 ? fam.place : pick(PLACES),
        family: fi,
      });
      fam.children.push(child);
      const c = people[child] as Draft;
      if ((c.died === undefined || c.died - c.born >= 18) && c.born + 18 <= present && random() < 0.85) singles[sex].push(child);
    }
    // Marry off some singles, oldest waiting first, within the tree when a match of the right
    // age from another family exists, else with a newcomer.
    for (const sex of ['M', 'F'] as const) {
      while (singles[sex].length > 40 || (fi === families.length - 1 && singles[sex].length > 0)) {
        if (people.length + 1 >= total) break;
        const i = singles[sex].shift() as number;
        const p = people[i] as Draft;
        if (p.married) continue;
        const other = sex === 'M' ? 'F' : 'M';
        const pool = singles[other];
        const j = pool.findIndex((x) => {
          const q = people[x] as Draft;
          return !q.married && q.family !== p.family && Math.abs(q.born - p.born) <= 8;
        });
        const spouse = j === -1 ? newcomer(other, p.born + int(-4, 4)) : (pool.splice(j, 1)[0] as number);
        const husband = sex === 'M' ? i : spouse;
        const wife = sex === 'M' ? spouse : i;
        const wedding = Math.max(p.born, (people[spouse] as Draft).born) + int(18, 30);
        if (wedding > present) continue;
        marry(husband, wife, wedding);
        // Some widowed people remarry: a second family, so half-siblings.
        const h = people[husband] as Draft;
        const w = people[wife] as Draft;
        if (w.died !== undefined && w.died < h.born + 50 && random() < 0.25 && people.length + 1 < total) {
          const second = newcomer('F', h.born + int(0, 10));
          marry(husband, second, w.died + int(1, 3));
        }
      }
    }
  }
  // Top up with unattached newcomers if the families ran out before the count was reached.
  while (people.length < total) newcomer(random() < 0.5 ? 'M' : 'F', int(start, present - 1));

  const builder = new TreeBuilder();
  for (const d of people) builder.addPerson(toPerson(d, random));
  families.forEach((f, i) =>
    builder.addFamily({
      id: `F${i + 1}`,
      husband: (people[f.husband] as Draft).id,
      wife: (people[f.wife] as Draft).id,
      children: f.children.map((c) => (people[c] as Draft).id),
      marriage: { date: { year: f.year, qualifier: 'exact', text: String(f.year) }, place: f.place },
    }),
  );
  const { tree } = builder.build();
  return { tree, referencePerson: chooseHomePerson(tree, present) };
}

/**
 * A sensible home person for a tree without one: among the 500 most recently born adults with
 * recorded parents, the one with the most recorded ancestors (ties: the first in the file), so
 * kinship ladders have depth.
 */
export function chooseHomePerson(tree: FamilyTree, presentYear = new Date().getFullYear()): number {
  const candidates: { i: number; born: number }[] = [];
  for (let i = 0; i < tree.size; i++) {
    const born = tree.person(i).birth?.date?.year;
    if (born !== undefined && born <= presentYear - 18 && tree.parents(i).length > 0) candidates.push({ i, born });
  }
  candidates.sort((x, y) => y.born - x.born || x.i - y.i);
  let reference = candidates[0]?.i ?? 0;
  let most = -1;
  for (const { i } of candidates.slice(0, 500)) {
    const n = countAncestors(tree, i);
    if (n > most) {
      most = n;
      reference = i;
    }
  }
  return reference;
}

function countAncestors(tree: FamilyTree, i: number): number {
  const seen = new Set<number>([i]);
  let frontier = [i];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const p of frontier) {
      for (const q of tree.parents(p)) {
        if (seen.has(q)) continue;
        seen.add(q);
        next.push(q);
      }
    }
    frontier = next;
  }
  return seen.size - 1;
}

function toPerson(d: Draft, random: () => number): Person {
  const birth: LifeEvent = { date: dateFor(d.born, random), place: d.place };
  const death: LifeEvent | undefined =
    d.died === undefined
      ? undefined
      : {
          date: notBefore(dateFor(d.died, random), birth.date as GedcomDate),
          place: random() < 0.7 ? d.place : PLACES[Math.floor(random() * PLACES.length)],
        };
  return { id: d.id, given: d.given, surname: d.surname, sex: d.sex, birth, ...(death ? { death } : {}) };
}

/** A death date drawn in the birth year but before the birthday becomes the birthday itself (no extra random draw). */
function notBefore(death: GedcomDate, birth: GedcomDate): GedcomDate {
  if (
    death.year !== birth.year ||
    death.month === undefined ||
    death.day === undefined ||
    birth.month === undefined ||
    birth.day === undefined
  )
    return death;
  if (death.month * 100 + death.day >= birth.month * 100 + birth.day) return death;
  return { ...death, month: birth.month, day: birth.day, text: `${birth.day} ${MONTH_CODES[birth.month - 1]} ${death.year}` };
}

/** Dates as real files have them: often a full date, sometimes only a year, sometimes "about". */
function dateFor(year: number, random: () => number): GedcomDate {
  const r = random();
  if (r < 0.6) {
    const month = 1 + Math.floor(random() * 12);
    const day = 1 + Math.floor(random() * 28);
    return { year, month, day, qualifier: 'exact', text: `${day} ${MONTH_CODES[month - 1]} ${year}` };
  }
  if (r < 0.8) return { year, qualifier: 'exact', text: String(year) };
  return { year, qualifier: 'about', text: `ABT ${year}` };
}

const PEDI_VALUES = new Set<LinkType>(['birth', 'adopted', 'foster', 'sealed']);

/** The tree as GEDCOM 5.5.1 lines (UTF-8), one record after another, for writing out as a stream. */
export function* gedcomLines(tree: FamilyTree): Generator<string> {
  yield '0 HEAD';
  yield '1 SOUR browser-actor';
  yield '1 GEDC';
  yield '2 VERS 5.5.1';
  yield '2 FORM LINEAGE-LINKED';
  yield '1 CHAR UTF-8';
  for (let i = 0; i < tree.size; i++) {
    const p = tree.person(i);
    yield `0 @${p.id}@ INDI`;
    yield `1 NAME ${p.given} /${p.surname}/`;
    if (p.given) yield `2 GIVN ${p.given}`;
    if (p.surname) yield `2 SURN ${p.surname}`;
    for (const n of p.alternateNames ?? []) yield `1 NAME ${n.given} /${n.surname}/`;
    yield `1 SEX ${p.sex}`;
    for (const [tag, event] of [
      ['BIRT', p.birth],
      ['DEAT', p.death],
    ] as const) {
      if (!event) continue;
      yield `1 ${tag}`;
      if (event.date) yield `2 DATE ${event.date.text}`;
      if (event.place) yield `2 PLAC ${event.place}`;
    }
    for (const f of tree.parentFamilies(i)) {
      const family = tree.families[f] as Family;
      yield `1 FAMC @${family.id}@`;
      // A link other than birth: PEDI when both parents share a type PEDI has, else _FREL/_MREL.
      const link = family.links?.get(i);
      if (!link) continue;
      if (link.father === link.mother && PEDI_VALUES.has(link.father)) yield `2 PEDI ${link.father}`;
      else {
        yield `2 _FREL ${VENDOR_LINK_WORDS[link.father]}`;
        yield `2 _MREL ${VENDOR_LINK_WORDS[link.mother]}`;
      }
    }
    for (const f of tree.spouseFamilies(i)) yield `1 FAMS @${(tree.families[f] as { id: string }).id}@`;
  }
  for (const f of tree.families) {
    yield `0 @${f.id}@ FAM`;
    if (f.husband !== undefined) yield `1 HUSB @${tree.person(f.husband).id}@`;
    if (f.wife !== undefined) yield `1 WIFE @${tree.person(f.wife).id}@`;
    for (const c of f.children) yield `1 CHIL @${tree.person(c).id}@`;
    if (f.marriage) {
      yield '1 MARR';
      if (f.marriage.date) yield `2 DATE ${f.marriage.date.text}`;
      if (f.marriage.place) yield `2 PLAC ${f.marriage.place}`;
    }
  }
  yield '0 TRLR';
}
