import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InvalidGedcomError } from '../../../src/genealogy/errors.js';
import { readGedcom } from '../../support/gedcom-round-trip.js';

/** Problems a researcher could not see before: each now read right, or said, with its line. */
describe('GEDCOM: no silent mistakes', () => {
  it('a second record with the id of an earlier person keeps both people, with a diagnostic', async () => {
    const { tree, diagnostics } = await readGedcom({
      text: [
        '0 HEAD',
        '1 GEDC',
        '2 VERS 5.5.1',
        '0 @I1@ INDI',
        '1 NAME Ann /Lee/',
        '0 @I1@ INDI',
        '1 NAME Bob /Ray/',
        '1 SEX M',
        '0 @F1@ FAM',
        '1 HUSB @I1@',
        '0 TRLR',
      ].join('\n'),
    });
    expect(tree.people.map((p) => [p.id, p.given, p.surname])).toEqual([
      ['I1', 'Ann', 'Lee'],
      ['I1~2', 'Bob', 'Ray'],
    ]);
    expect(diagnostics).toEqual([
      {
        line: 6,
        message: '@I1@ is the id of an earlier record too; this person is read as @I1~2@ (pointers to @I1@ go to the first)',
        kind: 'records',
      },
    ]);
  });

  it('a file with no TRLR (cut short) says so at its last line', async () => {
    const { tree, diagnostics } = await readGedcom({
      text: ['0 HEAD', '1 GEDC', '2 VERS 5.5.1', '0 @I1@ INDI', '1 NAME Ann /Lee/', '1 BIRT', '2 DATE 12 MAR 1850'].join('\n'),
    });
    expect(tree.people).toHaveLength(1);
    expect(diagnostics).toEqual([
      {
        line: 7,
        message: 'the file ends without "0 TRLR": it may have been cut short, and its last record may be incomplete',
        kind: 'records',
      },
    ]);
  });

  it('CONT lines under SEX do not lose the sex', async () => {
    const { tree, diagnostics } = await readGedcom({
      text: [
        '0 HEAD',
        '1 GEDC',
        '2 VERS 5.5.1',
        '0 @I1@ INDI',
        '1 NAME Ann /Lee/',
        '1 SEX F',
        '2 CONT as recorded in the 1851 census',
        '0 TRLR',
      ].join('\n'),
    });
    expect(tree.person(0).sex).toBe('F');
    expect(diagnostics).toEqual([]);
  });

  it('input with no line end is refused as not GEDCOM after its first 64 KiB, not after reading it all', async () => {
    let pulled = 0;
    const chunks = function* (): Generator<Buffer> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.alloc(16 * 1024, 0x41); // 16 MB in all, no line end
      }
    };
    await expect(readGedcom(Readable.from(chunks()))).rejects.toThrow(InvalidGedcomError);
    await expect(readGedcom(Readable.from([Buffer.alloc(70 * 1024, 0x41)]))).rejects.toThrow(/no line end in its first 64 KiB/);
    expect(pulled).toBeLessThan(20);
  });

  it('long lines split across many chunks read the same as whole (the splitter holds chunks, it does not rescan them)', async () => {
    const note = 'x'.repeat(300_000);
    const text = ['0 HEAD', '1 GEDC', '2 VERS 7.0', '0 @I1@ INDI', '1 NAME Ann /Lee/', `1 NOTE ${note}`, '1 SEX F', '0 TRLR', ''].join(
      '\r\n',
    );
    const pieces: string[] = [];
    for (let i = 0; i < text.length; i += 997) pieces.push(text.slice(i, i + 997));
    const whole = await readGedcom({ text });
    const split = await readGedcom(Readable.from(pieces.map((p) => Buffer.from(p, 'utf8'))));
    expect(split.tree.people).toEqual(whole.tree.people);
    expect(split.diagnostics).toEqual(whole.diagnostics);
    expect(whole.tree.person(0).sex).toBe('F');
  });

  it('invalid bytes give one diagnostic for the file, however many chunks hold them', async () => {
    const lines = ['0 HEAD', '1 GEDC', '2 VERS 5.5.1', '1 CHAR UTF-8'];
    for (let i = 1; i <= 200; i++) lines.push(`0 @I${i}@ INDI`, `1 NAME Ann\u0000 /Lee/`);
    lines.push('0 TRLR');
    const bytes = Buffer.from(lines.join('\n'), 'utf8');
    // Each NAME carries a byte that is not UTF-8 (0xFF in place of the NUL).
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) bytes[i] = 0xff;
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 100) chunks.push(bytes.subarray(i, i + 100));
    const { diagnostics } = await readGedcom(Readable.from(chunks));
    const encoding = diagnostics.filter((d) => d.kind === 'encoding');
    expect(encoding).toHaveLength(1);
    expect(encoding[0]).toMatchObject({ line: 6, message: expect.stringMatching(/^bytes that are not valid UTF-8/) as unknown });
  });
});

describe('GEDCOM encodings: nothing garbled in silence', () => {
  const header = (char: string): string[] => ['0 HEAD', '1 GEDC', '2 VERS 5.5.1', `1 CHAR ${char}`];

  it("ANSEL: GEDCOM's extensions (0xBE, 0xBF, 0xCD, 0xCE, 0xCF, 0xFC) are read, not replaced", async () => {
    const text = Buffer.concat([
      Buffer.from([...header('ANSEL'), '0 @I1@ INDI', '1 NAME Stra'].join('\n'), 'latin1'),
      Buffer.from([0xcf]), // ß
      Buffer.from('e /Gr', 'latin1'),
      Buffer.from([0xfc]), // a long slash over the next letter
      Buffer.from('o/\n1 NOTE ', 'latin1'),
      Buffer.from([0xbe, 0xbf, 0xcd, 0xce]),
      Buffer.from('\n0 TRLR\n', 'latin1'),
    ]);
    const { tree, diagnostics } = await readGedcom(Readable.from([text]));
    expect(tree.person(0).given).toBe('Straße');
    expect(tree.person(0).surname).toBe('Gro\u0338'); // o with the long slash (no precomposed form)
    expect(diagnostics).toEqual([]);
  });

  it.each(['ANSI', 'ANSEL'])('a file declaring CHAR %s whose bytes are UTF-8 is read as UTF-8, with a diagnostic', async (char) => {
    const text = Buffer.from([...header(char), '0 @I1@ INDI', '1 NAME Zoë /Müller/', '0 TRLR', ''].join('\n'), 'utf8');
    const { tree, diagnostics } = await readGedcom(Readable.from([text]));
    expect([tree.person(0).given, tree.person(0).surname]).toEqual(['Zoë', 'Müller']);
    expect(diagnostics).toEqual([
      { line: 0, message: `the header says CHAR ${char}, but the bytes are UTF-8; read as UTF-8`, kind: 'encoding' },
    ]);
  });

  it('a real Windows-1252 file declaring ANSI stays Windows-1252', async () => {
    const text = Buffer.from([...header('ANSI'), '0 @I1@ INDI', '1 NAME Zoë /Müller/', '0 TRLR', ''].join('\n'), 'latin1');
    const { tree, diagnostics } = await readGedcom(Readable.from([text]));
    expect([tree.person(0).given, tree.person(0).surname]).toEqual(['Zoë', 'Müller']);
    expect(diagnostics).toEqual([]);
  });
});

describe('GEDCOM name pieces', () => {
  it('the text after the surname is a suffix; NPFX and NSFX written with commas are not doubled; SPFX before the slashes joins the surname', async () => {
    const { SearchIndex } = await import('../../../src/genealogy/search-index.js');
    const { personView } = await import('../../../src/genealogy/views.js');
    const { tree, diagnostics } = await readGedcom({
      text: [
        '0 HEAD',
        '1 GEDC',
        '2 VERS 5.5.1',
        '1 CHAR UTF-8',
        '0 @I1@ INDI',
        '1 NAME John /Smith/ Jr.',
        // The GEDCOM 5.5.1 specification's own example of name pieces.
        '0 @I2@ INDI',
        '1 NAME Lt. Cmndr. Joseph /Allen/ jr.',
        '2 NPFX Lt.,Cmndr.',
        '2 GIVN Joseph',
        '2 NICK John',
        '2 SURN Allen',
        '2 NSFX jr.',
        '0 @I3@ INDI',
        '1 NAME Ludwig van /Beethoven/',
        '2 GIVN Ludwig',
        '2 SPFX van',
        '2 SURN Beethoven',
        '0 @I4@ INDI',
        '1 NAME Anna /Berg/',
        '2 NPFX Dr.,Prof.',
        '0 TRLR',
      ].join('\n'),
    });
    expect(diagnostics).toEqual([]);
    expect(tree.people.map((p) => [p.given, p.surname, p.suffix])).toEqual([
      ['John', 'Smith', 'Jr.'],
      ['Lt. Cmndr. Joseph', 'Allen', 'jr.'],
      ['Ludwig', 'van Beethoven', undefined],
      ['Dr. Prof. Anna', 'Berg', undefined],
    ]);
    expect(tree.people.map((p) => personView(p).name)).toEqual([
      'John Smith Jr.',
      'Lt. Cmndr. Joseph Allen jr.',
      'Ludwig van Beethoven',
      'Dr. Prof. Anna Berg',
    ]);
    const index = new SearchIndex(tree);
    expect(index.search({ surname: 'van Beethoven' }, 1, 10).people.map((i) => tree.person(i).id)).toEqual(['I3']);
    expect(index.search({ given: 'John', surname: 'Smith' }, 1, 10).people.map((i) => tree.person(i).id)).toEqual(['I1']);
  });
});

describe('GEDCOM 7.0 on reading', () => {
  it('@@ is unescaped, NAME.TRAN translations are other names to find the person by, a surname-first name keeps its given names', async () => {
    const { SearchIndex } = await import('../../../src/genealogy/search-index.js');
    const { tree, diagnostics, version } = await readGedcom({
      text: [
        '0 HEAD',
        '1 GEDC',
        '2 VERS 7.0',
        // The GEDCOM 7.0 specification's example of a name and its transliteration.
        '0 @I1@ INDI',
        '1 NAME /大島/ 裕子',
        '2 GIVN 裕子',
        '2 SURN 大島',
        '2 TRAN /Oshima/ Yuko',
        '3 LANG en-t-ja',
        '2 TRAN Yuko /Oshima/',
        '3 LANG en',
        '0 @I2@ INDI',
        '1 NAME @@Home /Lee/',
        '1 SEX X',
        '0 TRLR',
      ].join('\n'),
    });
    expect(version).toBe('7.0');
    expect(diagnostics).toEqual([]);
    expect([tree.person(0).given, tree.person(0).surname, tree.person(0).suffix]).toEqual(['裕子', '大島', undefined]);
    expect(tree.person(0).alternateNames).toEqual([{ given: 'Yuko', surname: 'Oshima' }]);
    expect(tree.person(1).given).toBe('@Home');
    expect(tree.person(1).sex).toBe('U'); // X (intersex) has no M/F reading; it is not an error
    expect(new SearchIndex(tree).search({ surname: 'Oshima' }, 1, 10).people).toEqual([0]);
  });
});
