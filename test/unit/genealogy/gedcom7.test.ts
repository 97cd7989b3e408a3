import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gedcom7Date, parseGedcomDate, readDate } from '../../../src/genealogy/dates.js';
import { gedcom7Text, withAncestors, withFamilies, writeGedcom7File } from '../../../src/genealogy/gedcom-export.js';
import { LINK_TAG_URIS, readGedcom as readOnly } from '../../../src/genealogy/gedcom.js';
import { relationship } from '../../../src/genealogy/kinship.js';
import { gedcomLines, generateTree } from '../../../src/genealogy/synthetic.js';
import { type ChildLink, type FamilyTree, type LinkType, type Person, TreeBuilder } from '../../../src/genealogy/tree.js';
import { checkGedcom7, expectRoundTrip, expectSameTree, readGedcom } from '../../support/gedcom-round-trip.js';

const g7 = (...lines: string[]): { text: string } => ({ text: ['0 HEAD', '1 GEDC', '2 VERS 7.0', ...lines, '0 TRLR'].join('\n') });

describe('GEDCOM 7.0 structures on reading', () => {
  it('PHRASE under DATE: a phrase that is the old form of the date gives that date; other words make the date interpreted; an empty DATE with words is no date and no complaint', async () => {
    const { tree, diagnostics } = await readGedcom(
      g7(
        '0 @I1@ INDI',
        '1 BIRT',
        '2 DATE 11 FEB 1751',
        '3 PHRASE 11 Feb 1750/51',
        '1 DEAT',
        '2 DATE 1850',
        '3 PHRASE when the war ended',
        '1 BURI',
        '2 DATE',
        '3 PHRASE the day after the storm',
        '2 PLAC Leeds',
        '1 CHR',
        '2 DATE BET 1751 AND 1752',
        '3 PHRASE spring, the parish book is torn',
      ),
    );
    const p = tree.person(0);
    expect(p.birth?.date).toMatchObject({ year: 1751, month: 2, day: 11, qualifier: 'exact', text: '11 Feb 1750/51' });
    expect(p.death?.date).toMatchObject({ year: 1850, qualifier: 'interpreted', phrase: 'when the war ended' });
    expect(p.burial).toEqual({ place: 'Leeds' });
    expect(p.christening?.date).toMatchObject({
      year: 1751,
      yearTo: 1752,
      qualifier: 'between',
      phrase: 'spring, the parish book is torn',
    });
    expect(diagnostics).toEqual([]);
  });

  it('PEDI OTHER with a PHRASE naming the link reads that link; the new PEDI words; SEX X; @VOID@ pointers', async () => {
    const { tree, diagnostics } = await readGedcom(
      g7(
        '0 @I1@ INDI',
        '1 NAME Tom /Hart/',
        '1 SEX X',
        '1 FAMC @F1@',
        '2 PEDI OTHER',
        '3 PHRASE Step',
        '1 FAMC @F2@',
        '2 PEDI SEALING',
        '1 FAMC @F3@',
        '2 PEDI OTHER',
        '3 PHRASE raised by his aunt',
        '1 FAMS @VOID@',
        '0 @I2@ INDI',
        '1 SEX M',
        '1 FAMS @F1@',
        '0 @I3@ INDI',
        '1 SEX M',
        '1 FAMS @F2@',
        '0 @I4@ INDI',
        '1 SEX F',
        '1 FAMS @F3@',
        '0 @F1@ FAM',
        '1 HUSB @I2@',
        '1 WIFE @VOID@',
        '1 CHIL @I1@',
        '0 @F2@ FAM',
        '1 HUSB @I3@',
        '1 CHIL @I1@',
        '0 @F3@ FAM',
        '1 WIFE @I4@',
        '1 CHIL @I1@',
      ),
    );
    expect(tree.person(0).sex).toBe('U');
    expect(tree.parentLinks(0).map((l) => [tree.person(l.parent).id, l.link])).toEqual([
      ['I2', 'step'],
      ['I3', 'sealed'],
      ['I4', 'other'],
    ]);
    expect(diagnostics).toEqual([]);
  });

  it('SCHMA: a tag defined with the URI of the father/mother link is read as that link, whatever its name; _FREL defined as something else is not a link', async () => {
    const family = [
      '0 @I1@ INDI',
      '1 FAMC @F1@',
      '0 @I2@ INDI',
      '1 SEX M',
      '0 @I3@ INDI',
      '1 SEX F',
      '0 @F1@ FAM',
      '1 HUSB @I2@',
      '1 WIFE @I3@',
      '1 CHIL @I1@',
    ];
    const renamed = await readGedcom({
      text: [
        '0 HEAD',
        '1 GEDC',
        '2 VERS 7.0',
        '1 SCHMA',
        `2 TAG _FATHERLINK ${LINK_TAG_URIS._FREL}`,
        ...family,
        '2 _FATHERLINK Step',
        '0 TRLR',
      ].join('\n'),
    });
    expect(renamed.tree.linkBetween(0, 1)).toBe('step');
    expect(renamed.tree.linkBetween(0, 2)).toBe('birth');
    const otherMeaning = await readGedcom({
      text: [
        '0 HEAD',
        '1 GEDC',
        '2 VERS 7.0',
        '1 SCHMA',
        '2 TAG _FREL https://example.org/frel-is-a-note',
        ...family,
        '2 _FREL Step',
        '0 TRLR',
      ].join('\n'),
    });
    expect(otherMeaning.tree.linkBetween(0, 1)).toBe('birth');
    expect(otherMeaning.diagnostics).toEqual([]);
  });

  it('EXID is kept with its TYPE; SNOTE records and pointers, and notes, are read past without a diagnostic', async () => {
    const { tree, diagnostics } = await readGedcom(
      g7(
        '0 @I1@ INDI',
        '1 NAME Ann /Lee/',
        '1 EXID 9H8F-7LP',
        '2 TYPE https://www.familysearch.org/tree/person/',
        '1 EXID 123',
        '1 SNOTE @N1@',
        '0 @N1@ SNOTE Ann is often written Anne',
        '1 CONT in the parish books',
        '1 LANG en',
      ),
    );
    expect(tree.person(0).externalIds).toEqual([{ id: '9H8F-7LP', type: 'https://www.familysearch.org/tree/person/' }, { id: '123' }]);
    expect(tree.size).toBe(1);
    expect(diagnostics).toEqual([]);
  });
});

describe('GEDCOM 7.0 dates on writing', () => {
  const cases: [written: string, value: string, phrase?: string][] = [
    ['1 JAN 1900', '1 JAN 1900'],
    ['Abt. 1850', 'ABT 1850'],
    ['17 April 1804', '17 APR 1804'],
    ['1 Jan. 1850', '1 JAN 1850'],
    ['@#DJULIAN@ 12 AUG 1401', 'JULIAN 12 AUG 1401'],
    ['BET @#DJULIAN@ 1700 AND @#DJULIAN@ 1701', 'BET JULIAN 1700 AND JULIAN 1701'],
    ['@#DHEBREW@ 29 TVT 5784', 'HEBREW 29 TVT 5784'],
    ['@#DFRENCH R@ 1 NIVO 12', 'FRENCH_R 1 NIVO 12'],
    ['44 B.C.', '44 BCE'],
    ['circa 1700', 'ABT 1700'],
    ['FROM 1850 TO 1855', 'FROM 1850 TO 1855'],
    ['INT 1850 (when the war ended)', '1850', 'when the war ended'],
    ['11 Feb 1750/51', '11 FEB 1751', '11 Feb 1750/51'],
    ['@#DROMAN@ 2500', 'ABT 1747', '@#DROMAN@ 2500'],
  ];
  it.each(cases)('%s is written as %s and read back the same', (written, value, phrase) => {
    const date = parseGedcomDate(written);
    expect(date).toBeDefined();
    const out = gedcom7Date(date as NonNullable<typeof date>);
    expect(out).toEqual(phrase === undefined ? { value } : { value, phrase });
    const back = readDate(out.value, out.phrase);
    const facts = (d: typeof date): unknown =>
      d && { year: d.year, month: d.month, day: d.day, qualifier: d.qualifier, yearTo: d.yearTo, calendar: d.calendar, phrase: d.phrase };
    expect(facts(back)).toEqual(facts(date));
  });
});

/** A tree with what files hold beyond the synthetic one: other names, suffixes, odd dates, links other than birth, ids GEDCOM 7 does not allow. */
function variedTree(size: number): FamilyTree {
  const { tree } = generateTree({ people: size, seed: 11 });
  const odd = [
    '@#DJULIAN@ 12 AUG 1701',
    '11 Feb 1750/51',
    'INT 1790 (the year of the flood)',
    '@#DHEBREW@ 29 TVT 5584',
    '@#DFRENCH R@ 1 NIVO 12',
    'BET 1801 AND 1803',
    'Abt. 1766',
    '@#DROMAN@ 2500',
    '17 April 1804',
  ];
  const kinds: LinkType[] = ['adopted', 'foster', 'step', 'sealed', 'guardian', 'other'];
  const id = (p: Person, i: number): string => (i % 19 === 5 ? `i${i}-x` : p.id);
  const builder = new TreeBuilder();
  tree.people.forEach((p, i) => {
    const extra: Partial<{ -readonly [K in keyof Person]: Person[K] }> = {};
    if (i % 7 === 0)
      extra.alternateNames = [
        { given: p.given, surname: 'Née' },
        { given: `@${p.given}`, surname: `${p.surname}-Hill` },
      ];
    if (i % 11 === 0) extra.suffix = i % 22 === 0 ? 'Jr.' : 'III';
    if (i % 13 === 0)
      extra.christening = {
        date: parseGedcomDate(odd[(i / 13) % odd.length] as string) as NonNullable<ReturnType<typeof parseGedcomDate>>,
        place: 'St Mary,\nLeeds',
      };
    if (i % 17 === 0) extra.burial = {};
    if (i % 23 === 0) extra.externalIds = [{ id: `FS-${i}`, type: 'https://www.familysearch.org/tree/person/' }];
    builder.addPerson({ ...p, ...extra, id: id(p, i) });
  });
  let n = 0;
  tree.families.forEach((f, fi) => {
    const person = (i: number | undefined): string | undefined => (i === undefined ? undefined : id(tree.person(i), i));
    builder.addFamily({
      id: fi % 29 === 3 ? `f${fi}` : f.id,
      ...(f.husband === undefined ? {} : { husband: person(f.husband) }),
      ...(f.wife === undefined ? {} : { wife: person(f.wife) }),
      children: f.children.map((c) => person(c) as string),
      ...(f.marriage ? { marriage: f.marriage } : {}),
    });
    f.children.forEach((c, k) => {
      if ((fi + k) % 9 !== 0) return;
      n++;
      const kind = kinds[n % kinds.length] as LinkType;
      const link: ChildLink = Math.floor(n / kinds.length) % 2 === 0 ? { father: kind, mother: kind } : { father: kind, mother: 'birth' };
      builder.setChildLink(fi % 29 === 3 ? `f${fi}` : f.id, person(c) as string, link);
    });
  });
  return builder.build().tree;
}

describe('GEDCOM 7.0 export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gedcom7-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a synthetic tree of 10 000 people, with what real files hold, reads back the same (people, names, dates, places, links, relationship names)', async () => {
    const tree = variedTree(10_000);
    expect(tree.hasNonBirthLinks).toBe(true);
    const { text, back } = await expectRoundTrip(tree);
    expect(text).toContain(`2 TAG _FREL ${LINK_TAG_URIS._FREL}`);
    expect(text).toContain('2 PEDI OTHER\n3 PHRASE Step');
    expect(text).toMatch(/\n1 NAME @@\w+ \/\w+-Hill\/\n/);
    expect(text).toContain('\n2 PLAC St Mary,\n3 CONT Leeds\n');
    expect(text).toContain('\n2 DATE 1790\n3 PHRASE the year of the flood\n');
    // Ids GEDCOM 7 allows are kept; others get new ones, and every pointer follows.
    expect(back.tree.person(0).id).toBe('I1');
    expect(back.tree.person(5).id).toMatch(/^X\d+$/);
    // Written to a file, streamed: the same text.
    const file = join(dir, 'tree.ged');
    await writeGedcom7File(file, tree, { people: tree.people.map((_, i) => i), families: tree.families.map((_, i) => i) });
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(readdirSync(dir)).toEqual(['tree.ged']);
  });

  it('the relationship names of a tree with half, step and adoptive links survive the round trip for every pair', async () => {
    const tree = variedTree(40);
    await expectRoundTrip(tree);
    // and the 5.5.1 text of the same people (as other programs write it) reads back to the same tree too
    const fromText = await readOnly({ text: [...gedcomLines(tree)].join('\n') });
    expect(fromText.tree.size).toBe(tree.size);
  });

  it('a person with their families: parents, spouses, children and siblings, and only pointers to records in the file', async () => {
    const { tree } = generateTree({ people: 600, seed: 5 });
    const someone = tree.people.findIndex((_, i) => tree.parents(i).length === 2 && tree.children(i).length > 0);
    const selection = withFamilies(tree, [someone]);
    const { back } = await expectRoundTrip(tree, selection);
    const ids = back.tree.people.map((p) => p.id);
    for (const x of [...tree.parents(someone), ...tree.spouses(someone), ...tree.children(someone), ...tree.siblings(someone).full])
      expect(ids).toContain(tree.person(x).id);
    const me = back.tree.indexOf(tree.person(someone).id) as number;
    const parentId = tree.person(tree.parents(someone)[0] as number).id;
    expect(relationship(back.tree, back.tree.indexOf(parentId) as number, me).name).toBe(
      relationship(tree, tree.parents(someone)[0] as number, someone).name,
    );
  });

  it('a person and their ancestors: every ancestor, the families linking them, no one else', async () => {
    const { tree, referencePerson } = generateTree({ people: 2000, seed: 3 });
    const selection = withAncestors(tree, referencePerson);
    const text = gedcom7Text(tree, selection);
    checkGedcom7(text);
    const back = await readOnly({ text });
    expectSameTree(tree, selection, back.tree);
    const ancestors = new Set<number>();
    const walk = (i: number): void => {
      for (const p of tree.parents(i)) {
        if (ancestors.has(p)) continue;
        ancestors.add(p);
        walk(p);
      }
    };
    walk(referencePerson);
    expect(back.tree.size).toBe(ancestors.size + 1);
    const home = back.tree.indexOf(tree.person(referencePerson).id) as number;
    for (let k = 0; k < back.tree.size; k++) if (k !== home) expect(relationship(back.tree, k, home).kind).toBe('blood');
  });

  it('the duplicate-id and odd-id records of a file get ids GEDCOM 7 allows, and their links follow', async () => {
    const { tree } = await readGedcom({
      text: [
        '0 HEAD',
        '1 GEDC',
        '2 VERS 5.5.1',
        '0 @I1@ INDI',
        '1 NAME Ann /Lee/',
        '1 FAMS @f-1@',
        '0 @I1@ INDI',
        '1 NAME Bob /Ray/',
        '0 @p.2@ INDI',
        '1 NAME Cy /Lee/',
        '1 FAMC @f-1@',
        '0 @f-1@ FAM',
        '1 WIFE @I1@',
        '1 CHIL @p.2@',
        '0 TRLR',
      ].join('\n'),
    });
    const text = gedcom7Text(tree, { people: [0, 1, 2], families: [0] });
    expect(text).toContain('0 @X1@ INDI\n1 NAME Bob /Ray/');
    expect(text).toContain('0 @XF3@ FAM\n1 WIFE @I1@\n1 CHIL @X2@');
  });
});
