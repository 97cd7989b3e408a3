import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { expect } from 'vitest';
import type { GedcomDate } from '../../src/genealogy/dates.js';
import { type ExportSelection, gedcom7Text, wholeTree } from '../../src/genealogy/gedcom-export.js';
import { type GedcomReadOptions, type GedcomReadResult, readGedcom as readGedcomOnce } from '../../src/genealogy/gedcom.js';
import { relationship } from '../../src/genealogy/kinship.js';
import type { Family, FamilyTree, LifeEvent, Person } from '../../src/genealogy/tree.js';

/**
 * `readGedcom` for tests: it reads, then proves the GEDCOM 7 round trip on what it read — the
 * tree is exported, the export must pass {@link checkGedcom7}, and reading it back must give the
 * same people, names, dates, places, links and relationship names. Every test that reads a
 * GEDCOM file through this checks the export on that file too.
 */
export async function readGedcom(
  source: string | Readable | { readonly text: string },
  options?: GedcomReadOptions,
): Promise<GedcomReadResult> {
  const result = await readGedcomOnce(source, options);
  await expectRoundTrip(result.tree);
  // `scripts/compare-kinship-gramps.mjs` sets this to collect every tree the tests read, for the reference calculator.
  const dump = process.env['GEDCOM_DUMP_DIR'];
  if (dump) writeFileSync(join(dump, `tree-${process.pid}-${++dumped}.ged`), gedcom7Text(result.tree, wholeTree(result.tree)));
  return result;
}
let dumped = 0;

/** Export `selection` of `tree` (all of it by default), check the file, read it back and compare. Returns the text and what was read. */
export async function expectRoundTrip(
  tree: FamilyTree,
  selection: ExportSelection = wholeTree(tree),
): Promise<{ text: string; back: GedcomReadResult }> {
  const text = gedcom7Text(tree, selection);
  checkGedcom7(text);
  const back = await readGedcomOnce({ text });
  expect(back.version).toBe('7.0');
  // Nothing new to say about an exported file: only what the source itself had (a cycle of parents, a birth after a death).
  expect(back.diagnostics.filter((d) => !/their own ancestor|after they died/.test(d.message))).toEqual([]);
  expectSameTree(tree, selection, back.tree);
  return { text, back };
}

/** The people and families of `selection` in `source` equal those of `back`, which holds them in the same order. */
export function expectSameTree(source: FamilyTree, selection: ExportSelection, back: FamilyTree): void {
  expect(back.size).toBe(selection.people.length);
  expect(back.families.length).toBe(selection.families.length);
  const position = new Map(selection.people.map((i, k) => [i, k]));
  selection.people.forEach((i, k) => {
    const want = personFacts(source.person(i));
    const got = personFacts(back.person(k));
    if (JSON.stringify(got) !== JSON.stringify(want))
      expect({ person: source.person(i).id, ...got }).toEqual({ person: source.person(i).id, ...want });
  });
  selection.families.forEach((f, k) => {
    const want = familyFacts(source.families[f] as Family, (i) => position.get(i));
    const got = familyFacts(back.families[k] as Family, (i) => i);
    if (JSON.stringify(got) !== JSON.stringify(want))
      expect({ family: (source.families[f] as Family).id, ...got }).toEqual({ family: (source.families[f] as Family).id, ...want });
  });
  // What each person is to others: every pair in a small tree, a spread of pairs in a large one.
  if (selection.people.length !== source.size) return;
  const n = source.size;
  const pairs: [number, number][] = [];
  if (n <= 40) for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) pairs.push([a, b]);
  else for (let k = 0; k < 300; k++) pairs.push([(k * 7919) % n, (k * 104729 + 13) % n]);
  for (const [a, b] of pairs) {
    const want = relationship(source, a, b).name;
    const got = relationship(back, a, b).name;
    if (got !== want)
      expect({ from: source.person(a).id, to: source.person(b).id, relationship: got }).toEqual({
        from: source.person(a).id,
        to: source.person(b).id,
        relationship: want,
      });
  }
}

function personFacts(p: Person): Record<string, unknown> {
  return {
    given: p.given,
    surname: p.surname,
    suffix: p.suffix,
    alternateNames: p.alternateNames?.map((n) => ({ given: n.given, surname: n.surname, suffix: n.suffix })),
    sex: p.sex,
    birth: eventFacts(p.birth),
    christening: eventFacts(p.christening),
    death: eventFacts(p.death),
    burial: eventFacts(p.burial),
    externalIds: p.externalIds,
  };
}

function familyFacts(f: Family, at: (i: number) => number | undefined): Record<string, unknown> {
  const kept = f.children.filter((c) => at(c) !== undefined);
  return {
    husband: f.husband === undefined ? undefined : at(f.husband),
    wife: f.wife === undefined || f.wife === f.husband ? undefined : at(f.wife),
    children: kept.map(at),
    links: kept.map((c) => f.links?.get(c) ?? { father: 'birth', mother: 'birth' }),
    marriage: eventFacts(f.marriage),
  };
}

function eventFacts(e: LifeEvent | undefined): unknown {
  return e === undefined ? undefined : { place: e.place, date: e.date === undefined ? undefined : dateFacts(e.date) };
}

function dateFacts(d: GedcomDate): unknown {
  return { year: d.year, month: d.month, day: d.day, qualifier: d.qualifier, yearTo: d.yearTo, calendar: d.calendar, phrase: d.phrase };
}

const DATE_7 = (() => {
  const date = '(?:(?:JULIAN|GREGORIAN|HEBREW|FRENCH_R) )?(?:(?:\\d{1,2} )?[A-Z_]{3,4} )?\\d+(?: BCE)?';
  return new RegExp(`^(?:${date}|BET ${date} AND ${date}|FROM ${date}(?: TO ${date})?|TO ${date}|(?:ABT|CAL|EST|BEF|AFT) ${date})?$`);
})();
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  HEAD: ['GEDC', 'SCHMA', 'SOUR'],
  INDI: ['NAME', 'SEX', 'BIRT', 'CHR', 'DEAT', 'BURI', 'EXID', 'FAMC', 'FAMS'],
  FAM: ['HUSB', 'WIFE', 'CHIL', 'MARR'],
};

/**
 * A GEDCOM 7.0 file as the specification's grammar and structure rules want it, for what our
 * export writes: line syntax (levels rising by one at most, capital-letter ids and tags, `@@` for
 * a text starting with `@`, no CONC), HEAD first with GEDC.VERS 7.0 and TRLR last, the record
 * kinds and their substructures, DATE values in 7.0's date grammar, PEDI from 7.0's list, every
 * pointer naming a record of the right kind, and FAMC/CHIL and FAMS/HUSB/WIFE agreeing both ways.
 */
export function checkGedcom7(text: string): void {
  const lines = text.split('\n');
  expect(lines.at(-1)).toBe('');
  lines.pop();
  expect(lines.slice(0, 3)).toEqual(['0 HEAD', '1 GEDC', '2 VERS 7.0']);
  expect(lines.at(-1)).toBe('0 TRLR');
  const records = new Map<string, string>();
  const pointers: { from: string; tag: string; to: string }[] = [];
  let level = 0;
  let record = '';
  let recordId = '';
  const path: string[] = [];
  for (const [n, line] of lines.entries()) {
    const m = /^(0|[1-9]\d*) (?:@([A-Z0-9_]+)@ )?([A-Z0-9_]+)(?: (.*))?$/.exec(line);
    if (!m) throw new Error(`line ${n + 1} is not GEDCOM 7 line syntax: ${JSON.stringify(line)}`);
    const lv = Number(m[1]);
    const tag = m[3] as string;
    const payload = m[4];
    if (lv > level + 1) throw new Error(`line ${n + 1}: level ${lv} after ${level}`);
    level = lv;
    path.length = lv;
    path.push(tag);
    if (tag === 'CONC') throw new Error(`line ${n + 1}: CONC is not GEDCOM 7`);
    if (payload !== undefined && payload.startsWith('@') && !payload.startsWith('@@') && !/^@[A-Z0-9_]+@$/.test(payload))
      throw new Error(`line ${n + 1}: a payload starting with @ must be a pointer or @@: ${line}`);
    if (payload === '') throw new Error(`line ${n + 1}: a space with no payload`);
    if (lv === 0) {
      record = tag;
      recordId = m[2] ?? '';
      if (m[2]) {
        if (records.has(m[2])) throw new Error(`line ${n + 1}: id @${m[2]}@ used twice`);
        records.set(m[2], tag);
      }
      if (!['HEAD', 'INDI', 'FAM', 'TRLR'].includes(tag)) throw new Error(`line ${n + 1}: unexpected record ${tag}`);
      continue;
    }
    if (lv === 1 && !(ALLOWED[record] ?? []).includes(tag)) throw new Error(`line ${n + 1}: ${tag} under ${record}`);
    if (tag === 'DATE' && !DATE_7.test(payload ?? ''))
      throw new Error(`line ${n + 1}: DATE ${JSON.stringify(payload)} is not a GEDCOM 7 date value`);
    if (tag === 'PEDI' && !['ADOPTED', 'BIRTH', 'FOSTER', 'SEALING', 'OTHER'].includes(payload ?? ''))
      throw new Error(`line ${n + 1}: PEDI ${payload}`);
    if (tag === 'SEX' && !['M', 'F', 'X', 'U'].includes(payload ?? '')) throw new Error(`line ${n + 1}: SEX ${payload}`);
    if (tag.startsWith('_') && !text.includes(`\n2 TAG ${tag} `))
      throw new Error(`line ${n + 1}: extension tag ${tag} not defined in HEAD.SCHMA`);
    if (['FAMC', 'FAMS', 'HUSB', 'WIFE', 'CHIL'].includes(tag) && lv === 1) {
      if (!payload || !/^@[A-Z0-9_]+@$/.test(payload)) throw new Error(`line ${n + 1}: ${tag} needs a pointer`);
      pointers.push({ from: recordId, tag, to: payload.slice(1, -1) });
    }
  }
  const key = (a: string, b: string, kind: string): string => `${a}|${b}|${kind}`;
  const fromPeople = new Set<string>();
  const fromFamilies = new Set<string>();
  for (const p of pointers) {
    const kind = records.get(p.to);
    const wants = p.tag === 'FAMC' || p.tag === 'FAMS' ? 'FAM' : 'INDI';
    if (kind !== wants) throw new Error(`@${p.from}@ ${p.tag} @${p.to}@ names no ${wants} record`);
    if (p.tag === 'FAMC') fromPeople.add(key(p.from, p.to, 'child'));
    else if (p.tag === 'FAMS') fromPeople.add(key(p.from, p.to, 'spouse'));
    else fromFamilies.add(key(p.to, p.from, p.tag === 'CHIL' ? 'child' : 'spouse'));
  }
  expect([...fromPeople].sort()).toEqual([...fromFamilies].sort());
}
