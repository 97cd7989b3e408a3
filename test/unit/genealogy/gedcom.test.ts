import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseGedcomDate } from '../../../src/genealogy/dates.js';
import { splitName } from '../../../src/genealogy/gedcom.js';
import { readGedcom } from '../../support/gedcom-round-trip.js';
import { InvalidGedcomError } from '../../../src/genealogy/errors.js';
import type { FamilyTree } from '../../../src/genealogy/tree.js';

const gedcom = (...lines: string[]): { text: string } => ({ text: ['0 HEAD', '1 GEDC', '2 VERS 5.5', ...lines, '0 TRLR'].join('\n') });

describe('GEDCOM date parser', () => {
  it.each([
    ['1 JAN 1900', { year: 1900, month: 1, day: 1, qualifier: 'exact' }],
    ['JAN 1900', { year: 1900, month: 1, qualifier: 'exact' }],
    ['1900', { year: 1900, qualifier: 'exact' }],
    ['ABT 1850', { year: 1850, qualifier: 'about' }],
    ['abt 1850', { year: 1850, qualifier: 'about' }],
    ['CIRCA 1850', { year: 1850, qualifier: 'about' }],
    ['EST 1850', { year: 1850, qualifier: 'estimated' }],
    ['CAL 1850', { year: 1850, qualifier: 'calculated' }],
    ['BEF 12 MAR 1850', { year: 1850, month: 3, day: 12, qualifier: 'before' }],
    ['AFT 1850', { year: 1850, qualifier: 'after' }],
    ['BET 1850 AND 1855', { year: 1850, yearTo: 1855, qualifier: 'between' }],
    ['BET JAN 1850 AND DEC 1851', { year: 1850, month: 1, yearTo: 1851, qualifier: 'between' }],
    ['FROM 1850 TO 1855', { year: 1850, yearTo: 1855, qualifier: 'between' }],
    ['FROM 1850', { year: 1850, qualifier: 'after' }],
    ['TO 1855', { year: 1855, qualifier: 'before' }],
    ['INT 1850 (about the time of the flood)', { year: 1850, qualifier: 'interpreted', phrase: 'about the time of the flood' }],
    ['11 FEB 1750/51', { year: 1751, month: 2, day: 11, qualifier: 'exact' }], // the new-style year
    ['29 FEB 1904', { year: 1904, month: 2, day: 29, qualifier: 'exact' }],
    ['44 BC', { year: -44, qualifier: 'exact' }],
    ['@#DGREGORIAN@ 5 JUL 1801', { year: 1801, month: 7, day: 5, qualifier: 'exact' }],
  ])('%s', (text, expected) => {
    expect(parseGedcomDate(text)).toEqual({ ...expected, text: text.trim() });
  });

  it.each([
    '',
    'tomorrow',
    '(sometime)',
    '31 FEB 1900',
    '29 FEB 1900',
    '1 JANUARI 1900',
    'BET 1855 AND 1850',
    'BET 1850',
    '32 JAN 1900',
    'ABT',
    '0',
  ])('rejects %j', (text) => {
    expect(parseGedcomDate(text)).toBeUndefined();
  });
});

describe('GEDCOM reader', () => {
  it('reads people, names, sex, events and families', async () => {
    const { tree, diagnostics, version } = await readGedcom(
      gedcom(
        '0 @I1@ INDI',
        '1 NAME John Henry /Smith/ Jr.',
        '1 SEX M',
        '1 BIRT',
        '2 DATE ABT 1850',
        '2 PLAC York, England',
        '1 DEAT',
        '2 DATE 1 JAN 1921',
        '1 BURI',
        '2 PLAC St Mary',
        '1 CHR',
        '2 DATE 1850',
        '1 FAMS @F1@',
        '0 @I2@ INDI',
        '1 NAME Mary /Jones/',
        '2 GIVN Mary Ann',
        '2 SURN Jones-Smith',
        '1 SEX F',
        '1 NAME Molly /Jones/',
        '0 @I3@ INDI',
        '1 NAME Tom /Smith/',
        '0 @F1@ FAM',
        '1 HUSB @I1@',
        '1 WIFE @I2@',
        '1 CHIL @I3@',
        '1 MARR',
        '2 DATE 1875',
        '0 @S1@ SOUR',
        '1 TITL A source we do not need',
      ),
    );
    expect(diagnostics).toEqual([]);
    expect(version).toBe('5.5');
    expect(tree.size).toBe(3);
    const john = tree.person(tree.indexOf('I1') as number);
    expect(john).toMatchObject({
      given: 'John Henry',
      surname: 'Smith',
      suffix: 'Jr.',
      sex: 'M',
      birth: { place: 'York, England', date: { year: 1850, qualifier: 'about' } },
    });
    expect(john.death?.date).toMatchObject({ year: 1921, month: 1, day: 1 });
    expect(john.burial).toEqual({ place: 'St Mary' });
    expect(john.christening?.date?.year).toBe(1850);
    const mary = tree.person(tree.indexOf('@I2@') as number);
    expect(mary).toMatchObject({ given: 'Mary', surname: 'Jones', sex: 'F' }); // the NAME line wins over GIVN/SURN; the first NAME is primary
    const tom = tree.indexOf('I3') as number;
    expect(tree.parents(tom).map((i) => tree.person(i).id)).toEqual(['I1', 'I2']);
    expect(tree.children(tree.indexOf('I1') as number)).toEqual([tom]);
    expect(tree.families[0]?.marriage?.date?.year).toBe(1875);
  });

  it('takes family links from FAMC and FAMS pointers when the family record lacks them', async () => {
    const { tree, diagnostics } = await readGedcom(
      gedcom(
        '0 @D@ INDI',
        '1 NAME Dad //',
        '1 SEX M',
        '1 FAMS @F1@',
        '0 @M@ INDI',
        '1 NAME Mum //',
        '1 SEX F',
        '1 FAMS @F1@',
        '0 @K@ INDI',
        '1 NAME Kid //',
        '1 FAMC @F1@',
        '1 FAMC @F9@',
        '0 @F1@ FAM', // a family record with no members listed
      ),
    );
    expect(tree.parents(tree.indexOf('K') as number).map((i) => tree.person(i).id)).toEqual(['D', 'M']);
    expect(diagnostics).toMatchObject([{ line: 0, message: 'person K points to family @F9@ (FAMC), which is not in the file' }]);
  });

  it('joins CONC and CONT continuations', async () => {
    const { tree } = await readGedcom(
      gedcom('0 @I1@ INDI', '1 NAME Anna /Lee/', '1 BIRT', '2 PLAC Saint-Jean-', '3 CONC sur-Mer', '3 CONT second line'),
    );
    expect(tree.person(0).birth?.place).toBe('Saint-Jean-sur-Mer\nsecond line');
  });

  it('accepts a UTF-8 BOM and CRLF line ends', async () => {
    const text = '\uFEFF0 HEAD\r\n1 GEDC\r\n2 VERS 5.5.1\r\n0 @I1@ INDI\r\n1 NAME Zoë /Ångström/\r\n1 SEX F\r\n0 TRLR\r\n';
    const { tree, diagnostics } = await readGedcom({ text });
    expect(diagnostics).toEqual([]);
    expect(tree.person(0)).toMatchObject({ given: 'Zoë', surname: 'Ångström', sex: 'F' });
  });

  it('a name far longer than any real one (2 MB) is cut to 500 characters per part, with a diagnostic', async () => {
    const huge = 'A'.repeat(2 * 1024 * 1024);
    const text = `0 HEAD\n1 GEDC\n2 VERS 5.5.1\n1 CHAR UTF-8\n0 @I1@ INDI\n1 NAME ${huge} /${huge}/\n1 SEX F\n0 @I2@ INDI\n1 NAME Ann /Lee/\n0 TRLR\n`;
    const { tree, diagnostics } = await readGedcom({ text });
    expect(tree.person(0).given).toBe('A'.repeat(500));
    expect(tree.person(0).surname).toBe('A'.repeat(500));
    expect(tree.person(1)).toMatchObject({ given: 'Ann', surname: 'Lee' });
    expect(diagnostics.map((d) => d.message)).toEqual([
      `a name of ${4 * 1024 * 1024} characters, cut to 500 each for the given names and the surname`,
    ]);
  });

  it('reports malformed lines with their line numbers and keeps reading', async () => {
    const { tree, diagnostics } = await readGedcom(
      gedcom(
        '0 @I1@ INDI', // line 4
        '1 NAME Ok /Person/',
        'this is not a gedcom line', // 6
        '1 SEX Q', // 7
        '1 BIRT',
        '2 DATE sometime in spring', // 9
        '4 NOTE skipped a level', // 10
        '0 @I2@ INDI',
        '1 NAME Second /Person/',
        '0 @F1@ FAM', // 13
        '1 HUSB I1', // 14
        '1 CHIL @I2@',
        '1 WIFE @NOPE@',
        '0 INDI', // 17
      ),
    );
    expect(tree.size).toBe(2);
    expect(diagnostics).toMatchObject([
      { line: 6, message: 'malformed line (expected "<level> [@id@] TAG [value]"): "this is not a gedcom line"' },
      { line: 10, message: 'level 4 follows level 2: a level may rise by one at most; line skipped' },
      { line: 7, message: 'SEX "Q" is not M, F or U; recorded as unknown' },
      { line: 9, message: 'DATE "sometime in spring" is not a date this reader understands; ignored' },
      { line: 14, message: 'HUSB should point to a person (@I1@), got "I1"' },
      { line: 17, message: 'INDI record without an id (@I1@); skipped' },
      { line: 0, message: 'family F1 names wife @NOPE@, which is not a person in the file' },
      { line: 0, message: '1 date was not understood and left out, e.g. "sometime in spring" (line 9)' },
    ]);
    expect(tree.parents(1)).toEqual([]);
  });

  it('fails clearly on a file that is not GEDCOM, or is empty', async () => {
    await expect(readGedcom({ text: 'name,born\nAda,1815\n' })).rejects.toThrow(InvalidGedcomError);
    await expect(readGedcom({ text: 'name,born\nAda,1815\n' })).rejects.toThrow(
      /Not a GEDCOM file: line 1 should be "0 HEAD" but starts with "name,born"/,
    );
    await expect(readGedcom({ text: '\n\n' })).rejects.toThrow(/it is empty/);
  });

  it('reads from a stream, line by line', async () => {
    const chunks = ['0 HEAD\n0 @I1@ IN', 'DI\n1 NAME Split /Across/\n', '0 TRLR\n'];
    const { tree } = await readGedcom(Readable.from(chunks));
    expect(tree.person(0)).toMatchObject({ given: 'Split', surname: 'Across' });
  });

  it('caps the number of diagnostics', async () => {
    const bad = Array.from({ length: 20 }, () => 'garbage');
    const { diagnostics } = await readGedcom(gedcom('0 @I1@ INDI', ...bad), { maxDiagnostics: 5 });
    expect(diagnostics).toHaveLength(6);
    expect(diagnostics.at(-1)).toEqual({ line: 0, message: '15 more diagnostics not shown', kind: 'other' });
    expect(diagnostics[0]?.kind).toBe('syntax');
  });

  it.each([
    ['John /Smith/', 'John', 'Smith'],
    ['/Smith/', '', 'Smith'],
    ['John', 'John', ''],
    ['  John   Henry  /Smith/  Jr ', 'John Henry', 'Smith', 'Jr'],
    ['John /van der Berg', 'John', 'van der Berg'],
  ])('splits the name %j', (value, given, surname, suffix?: string) => {
    expect(splitName(value)).toEqual({ given, surname, ...(suffix ? { suffix } : {}) });
  });
});

describe('GEDCOM plausibility diagnostics', () => {
  it('a person who is their own ancestor gets one diagnostic naming the cycle; the file still loads', async () => {
    const { tree, diagnostics } = await readGedcom(
      gedcom(
        '0 @I1@ INDI',
        '1 NAME Ann /Loop/',
        '1 FAMC @F1@',
        '1 FAMS @F2@',
        '0 @I2@ INDI',
        '1 NAME Bob /Loop/',
        '1 FAMC @F2@',
        '1 FAMS @F1@',
        '0 @I3@ INDI',
        '1 NAME Cy /Fine/',
        '0 @F1@ FAM',
        '1 HUSB @I2@',
        '1 CHIL @I1@',
        '0 @F2@ FAM',
        '1 WIFE @I1@',
        '1 CHIL @I2@',
      ),
    );
    expect(tree.size).toBe(3);
    const cycles = diagnostics.filter((d) => /is their own ancestor/.test(d.message));
    expect(cycles).toHaveLength(1);
    expect(cycles[0]?.message).toMatch(/@I[12]@ is their own ancestor: @I[12]@ → @I[12]@ → @I[12]@ \(each a child of the next\)/);
  });

  it('a birth after the death is reported at the person, with both dates; a same-year birth and death is not', async () => {
    const { diagnostics } = await readGedcom(
      gedcom(
        '0 @I1@ INDI',
        '1 NAME Ann /Late/',
        '1 BIRT',
        '2 DATE 12 MAR 1901',
        '1 DEAT',
        '2 DATE 1899',
        '0 @I2@ INDI',
        '1 NAME Bo /Brief/',
        '1 BIRT',
        '2 DATE 1850',
        '1 DEAT',
        '2 DATE 1850',
        '0 @I3@ INDI',
        '1 NAME Cy /Range/',
        '1 BIRT',
        '2 DATE ABT 1850',
        '1 DEAT',
        '2 DATE BET 1840 AND 1860',
      ),
    );
    expect(diagnostics).toMatchObject([
      { line: 4, message: '@I1@ is born (12 MAR 1901) after they died (1899); one of the dates is probably wrong' },
    ]);
  });
});

describe('GEDCOM as real files come: line ends, encodings, streams', () => {
  const names = (tree: FamilyTree): string[] =>
    Array.from({ length: tree.size }, (_, i) => `${tree.person(i).given} ${tree.person(i).surname}`);
  const bytes = (...parts: (string | number[])[]): Buffer =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
  const stream = (...chunks: Buffer[]): Readable => Readable.from(chunks);

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
    ['LF-CR', '\n\r'],
  ])('reads %s line ends like LF, with the same line numbers', async (_name, eol) => {
    const text = ['0 HEAD', '1 GEDC', '2 VERS 5.5', '0 @I1@ INDI', '1 NAME John /Smith/', '1 SEX Q', '0 TRLR', ''].join(eol);
    for (const source of [{ text }, stream(Buffer.from(text, 'latin1'))]) {
      const { tree, diagnostics } = await readGedcom(source);
      expect(names(tree)).toEqual(['John Smith']);
      expect(diagnostics).toMatchObject([{ line: 6, message: 'SEX "Q" is not M, F or U; recorded as unknown' }]);
    }
  });

  it('a CR-only file cut into one-byte chunks still reads (line ends decided across chunks)', async () => {
    const text = Buffer.from('0 HEAD\r1 GEDC\r2 VERS 5.5\r0 @I1@ INDI\r1 NAME John /Smith/\r0 TRLR\r', 'latin1');
    const { tree } = await readGedcom(stream(...Array.from(text, (b) => Buffer.from([b]))));
    expect(names(tree)).toEqual(['John Smith']);
  });

  const header = (char: string): string => `0 HEAD\n1 GEDC\n2 VERS 5.5.1\n1 CHAR ${char}\n`;

  it('ANSI (Windows-1252): "Fran\\xE7ois /M\\xFCller/" is François Müller', async () => {
    const { tree, diagnostics } = await readGedcom(
      stream(bytes(header('ANSI'), '0 @I1@ INDI\n1 NAME Fran', [0xe7], 'ois /M', [0xfc], 'ller/\n0 TRLR\n')),
    );
    expect(names(tree)).toEqual(['François Müller']);
    expect(diagnostics).toEqual([]);
  });

  it('ANSEL: combining marks precede their letter ("Dolor\\xE1es" is Dolorès), special letters map, even across chunks', async () => {
    const file = bytes(
      header('ANSEL'),
      '0 @I1@ INDI\n1 NAME Dolor',
      [0xe1],
      'es /',
      [0xa1],
      'ukasz',
      [0xe8],
      'o/\n0 @I2@ INDI\n1 NAME Ren',
      [0xe2],
      'e /',
      [0xf0],
      'Cadiz/\n0 TRLR\n',
    );
    const cut = file.indexOf(0xe2) + 1; // the mark in one chunk, its letter in the next
    const { tree, diagnostics } = await readGedcom(stream(file.subarray(0, cut), file.subarray(cut)));
    expect(names(tree)).toEqual(['Dolorès Łukaszö', 'René Çadiz']);
    expect(diagnostics).toEqual([]);
  });

  it('MacRoman where declared, and ASCII with a byte above 0x7F: one diagnostic with its line number', async () => {
    const mac = await readGedcom(stream(bytes(header('MACINTOSH'), '0 @I1@ INDI\n1 NAME J', [0x9a], 'rg /', [0x80], 'hlen/\n0 TRLR\n')));
    expect(names(mac.tree)).toEqual(['Jörg Ählen']);
    const ascii = await readGedcom(
      stream(bytes(header('ASCII'), '0 @I1@ INDI\n1 NAME Jos', [0xe9], ' /Ruiz/\n0 @I2@ INDI\n1 NAME Ana /G', [0xf3], 'mez/\n0 TRLR\n')),
    );
    expect(ascii.diagnostics).toMatchObject([{ line: 6, message: expect.stringMatching(/^bytes that are not valid ASCII/) as unknown }]);
  });

  it('UTF-16 LE and BE, with or without a BOM (CHAR UNICODE)', async () => {
    const text = `${header('UNICODE')}0 @I1@ INDI\n1 NAME Zoë /Brontë/\n0 TRLR\n`;
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const file of [le, be, Buffer.concat([Buffer.from([0xff, 0xfe]), le]), Buffer.concat([Buffer.from([0xfe, 0xff]), be])]) {
      const { tree, diagnostics } = await readGedcom(stream(file.subarray(0, 7), file.subarray(7))); // cut inside a character
      expect(names(tree)).toEqual(['Zoë Brontë']);
      expect(diagnostics).toEqual([]);
    }
  });

  it('a stream of Buffer chunks that cuts a UTF-8 character decodes it whole; invalid UTF-8 gives one diagnostic', async () => {
    const head = Buffer.from(`${header('UTF-8')}0 @I1@ INDI\n1 NAME Zo`, 'utf8');
    const ok = await readGedcom(
      stream(Buffer.concat([head, Buffer.from([0xc3])]), Buffer.concat([Buffer.from([0xab]), Buffer.from(' /Brontë/\n0 TRLR\n', 'utf8')])),
    );
    expect(names(ok.tree)).toEqual(['Zoë Brontë']);
    expect(ok.diagnostics).toEqual([]);
    const bad = await readGedcom(
      stream(
        Buffer.concat([
          head,
          Buffer.from([0xff]),
          Buffer.from(' /X/\n0 @I2@ INDI\n1 NAME A', 'utf8'),
          Buffer.from([0xfe]),
          Buffer.from(' /Y/\n0 TRLR\n'),
        ]),
      ),
    );
    expect(bad.diagnostics).toMatchObject([{ line: 6, message: expect.stringMatching(/^bytes that are not valid UTF-8/) as unknown }]);
  });

  it('an unknown CHAR is read as UTF-8 with a diagnostic that says so', async () => {
    const { tree, diagnostics } = await readGedcom(stream(Buffer.from(`${header('EBCDIC')}0 @I1@ INDI\n1 NAME Ann /Lee/\n0 TRLR\n`)));
    expect(names(tree)).toEqual(['Ann Lee']);
    expect(diagnostics).toMatchObject([
      { line: 0, message: expect.stringMatching(/CHAR EBCDIC is not an encoding this reader knows/) as unknown },
    ]);
  });
});

describe('GEDCOM names, events and pointers as real files have them', () => {
  it('the NAME line is the authority: surname prefixes and middle names stay; GIVN, SURN and SPFX fill only what it lacks', async () => {
    const { tree } = await readGedcom(
      gedcom(
        '0 @I1@ INDI',
        '1 NAME Maria /de MEDICIS/',
        '2 GIVN Maria',
        '2 SPFX de',
        '2 SURN MEDICIS',
        '0 @I2@ INDI',
        '1 NAME Joseph Tag /Torture/',
        '2 GIVN Joseph',
        '2 SURN Torture',
        '0 @I3@ INDI',
        '1 NAME',
        '2 GIVN Anne',
        '2 SPFX van',
        '2 SURN Dijk',
        '0 @I4@ INDI',
        '1 NAME John /Smith/',
        '2 NPFX Dr.',
        '2 NSFX Jr.',
        '0 @I5@ INDI',
        '1 NAME Dr. John /Smith/ Jr.',
        '2 NPFX Dr.',
        '2 GIVN Johnny',
        '2 NSFX Jr.',
      ),
    );
    expect([0, 1, 2, 3, 4].map((i) => [tree.person(i).given, tree.person(i).surname, tree.person(i).suffix])).toEqual([
      ['Maria', 'de MEDICIS', undefined],
      ['Joseph Tag', 'Torture', undefined],
      ['Anne', 'van Dijk', undefined],
      ['Dr. John', 'Smith', 'Jr.'],
      ['Dr. John', 'Smith', 'Jr.'],
    ]);
  });

  it('an undated "1 BIRT Y" does not hide a dated BIRT after it; BAPM stands in for a missing CHR, never over a CHR', async () => {
    const { tree } = await readGedcom(
      gedcom(
        '0 @I1@ INDI',
        '1 NAME A /B/',
        '1 BIRT Y',
        '1 BIRT',
        '2 DATE 3 MAR 1850',
        '2 PLAC York',
        '1 BAPM',
        '2 DATE 10 MAR 1850',
        '0 @I2@ INDI',
        '1 NAME C /D/',
        '1 BAPM',
        '2 DATE 1851',
        '1 CHR',
        '2 DATE 1852',
      ),
    );
    expect(tree.person(0).birth).toMatchObject({ date: { year: 1850, month: 3, day: 3 }, place: 'York' });
    expect(tree.person(0).christening?.date?.text).toBe('10 MAR 1850');
    expect(tree.person(1).christening?.date?.text).toBe('1852');
  });

  it('GEDCOM 7 @VOID@ pointers are not broken references; a HEAD without GEDC.VERS is read with a diagnostic', async () => {
    const voids = await readGedcom(
      gedcom('0 @I1@ INDI', '1 NAME A /B/', '1 FAMC @VOID@', '0 @F1@ FAM', '1 HUSB @VOID@', '1 WIFE @I1@', '1 CHIL @VOID@'),
    );
    expect(voids.diagnostics).toEqual([]);
    expect(voids.tree.size).toBe(1);
    const noVersion = await readGedcom({ text: '0 HEAD\n1 CHAR UTF-8\n0 @I1@ INDI\n1 NAME A /B/\n0 TRLR\n' });
    expect(noVersion.tree.size).toBe(1);
    expect(noVersion.diagnostics).toMatchObject([{ line: 1, message: 'The header has no GEDC.VERS; read as GEDCOM 5.5.1' }]);
  });
});

describe('GEDCOM dates as real exports write them', () => {
  it.each([
    ['ABT. 1850', { year: 1850, qualifier: 'about' }],
    ['abt. 1850', { year: 1850, qualifier: 'about' }],
    ['17 April 1804', { year: 1804, month: 4, day: 17, qualifier: 'exact' }],
    ['December 1789', { year: 1789, month: 12, qualifier: 'exact' }],
    ['1815/1816', { year: 1816, qualifier: 'exact' }],
    ['12 MAR 1637/1638', { year: 1638, month: 3, day: 12, qualifier: 'exact' }],
    ['21 JAN 1652/53', { year: 1653, month: 1, day: 21, qualifier: 'exact' }],
    ['1699/00', { year: 1700, qualifier: 'exact' }],
    ['INT 1850 (about when the war ended)', { year: 1850, qualifier: 'interpreted', phrase: 'about when the war ended' }],
    ['@#DJULIAN@ 29 FEB 1700', { year: 1700, month: 3, day: 11, qualifier: 'exact', calendar: 'julian' }],
    ['JULIAN 12 AUG 1401', { year: 1401, month: 8, day: 21, qualifier: 'exact', calendar: 'julian' }],
    ['GREGORIAN 1401', { year: 1401, qualifier: 'exact' }],
    ['@#DJULIAN@ 1650', { year: 1650, qualifier: 'exact', calendar: 'julian' }],
    ['@#DHEBREW@ 5758', { year: 1998, qualifier: 'about', calendar: 'hebrew' }],
    // A full Hebrew or French Republican date converts to its Gregorian day exactly.
    ['@#DHEBREW@ 1 TSH 5758', { year: 1997, month: 10, day: 2, qualifier: 'exact', calendar: 'hebrew' }],
    ['@#DFRENCH R@ 12 VEND 2', { year: 1793, month: 10, day: 3, qualifier: 'exact', calendar: 'french' }],
    ['FRENCH_R 1 GERM 2', { year: 1794, month: 3, day: 21, qualifier: 'exact', calendar: 'french' }],
    // Days near the year's turn get the right year (the month alone used to decide it).
    ['@#DFRENCH R@ 1 NIVO 12', { year: 1803, month: 12, day: 23, qualifier: 'exact', calendar: 'french' }],
    ['@#DHEBREW@ 29 TVT 5784', { year: 2024, month: 1, day: 10, qualifier: 'exact', calendar: 'hebrew' }],
    ['@#DHEBREW@ 14 NSN 5784', { year: 2024, month: 4, day: 22, qualifier: 'exact', calendar: 'hebrew' }],
    ['@#DHEBREW@ 14 ADS 5784', { year: 2024, month: 3, day: 24, qualifier: 'exact', calendar: 'hebrew' }], // Purim in a leap year
    ['@#DHEBREW@ 14 ADR 5783', { year: 2023, month: 3, day: 7, qualifier: 'exact', calendar: 'hebrew' }], // and in a common year
    ['@#DHEBREW@ 10 TSH 5700', { year: 1939, month: 9, day: 23, qualifier: 'exact', calendar: 'hebrew' }],
    ['@#DFRENCH R@ 18 BRUM 8', { year: 1799, month: 11, day: 9, qualifier: 'exact', calendar: 'french' }],
    ['@#DFRENCH R@ 6 COMP 11', { year: 1803, month: 9, day: 23, qualifier: 'exact', calendar: 'french' }], // a leap year's sixth day
    // A month alone is placed by its first day.
    ['@#DHEBREW@ TVT 5784', { year: 2023, qualifier: 'about', calendar: 'hebrew' }],
    // The month abbreviation with its period, as some programs write it.
    ['1 Jan. 1850', { year: 1850, month: 1, day: 1, qualifier: 'exact' }],
    ['15 Sept. 1850', { year: 1850, month: 9, day: 15, qualifier: 'exact' }],
    ['@#DROMAN@ 753', { year: 0, qualifier: 'about', calendar: 'roman' }],
    ['BET @#DJULIAN@ 1600 AND @#DJULIAN@ 1610', { year: 1600, yearTo: 1610, qualifier: 'between', calendar: 'julian' }],
  ])('reads %j', (text, expected) => {
    expect(parseGedcomDate(text)).toEqual({ ...expected, text });
  });

  it.each([
    '29 FEB 1700',
    '@#DUNKNOWN@ 1700',
    '1815/1817',
    '@#DHEBREW@ 1 JAN 5758',
    '@#DHEBREW@ 1 ADS 5783',
    '@#DHEBREW@ 30 TVT 5784',
    '@#DFRENCH R@ 6 COMP 12',
  ])('refuses %j', (text) => {
    expect(parseGedcomDate(text)).toBeUndefined();
  });

  it('a Hebrew year is never taken as a Gregorian one, and a file says how many dates it did not understand', async () => {
    const { tree, diagnostics } = await readGedcom(
      gedcom(
        '0 @I1@ INDI',
        '1 NAME A /B/',
        '1 BIRT',
        '2 DATE @#DHEBREW@ 5758',
        '1 DEAT',
        '2 DATE sometime in spring',
        '0 @I2@ INDI',
        '1 NAME C /D/',
        '1 BIRT',
        '2 DATE 31 FEB 1900',
      ),
    );
    expect(tree.person(0).birth?.date).toMatchObject({ year: 1998, calendar: 'hebrew' });
    expect(diagnostics.at(-1)).toEqual({
      line: 0,
      message: '2 dates were not understood and left out, e.g. "sometime in spring" (line 9), "31 FEB 1900" (line 13)',
      kind: 'dates',
    });
  });
});
