import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readGedcom } from '../support/gedcom-round-trip.js';
import { readReportData } from '../../src/research/html-report.js';
import { csvHeader } from '../../src/research/output.js';
import { ResultFile, outFormatOf } from '../../src/research/result-file.js';
import { GedcomSource, research, validateCriteria } from '../../src/research/research.js';
import { familyGedcom } from './genealogy/family-fixture.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'result-file-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function results() {
  const { tree } = await readGedcom({ text: familyGedcom() });
  const source = new GedcomSource(tree, tree.indexOf('ME') as number);
  const criteria = [{ given: 'Robert', surname: 'Doe' }, { surname: 'Doe', birthYear: '1921' }, { given: 'John' }].map((c) =>
    validateCriteria(c),
  );
  return Promise.all(criteria.map((c) => research(c, source)));
}

describe('research --out: results saved as they finish', () => {
  it('the format comes from the extension; anything else is refused with what to do', () => {
    expect(outFormatOf('a.CSV')).toBe('csv');
    expect(outFormatOf('a.jsonl')).toBe('jsonl');
    expect(outFormatOf('a.ndjson')).toBe('jsonl');
    expect(outFormatOf('a.html')).toBe('html');
    expect(() => outFormatOf('a.txt')).toThrow(/--out a\.txt: the file name must end in \.csv, \.jsonl \(JSON lines\) or \.html/);
    expect(() => outFormatOf('results')).toThrow(/got no extension/);
  });

  it.each(['csv', 'jsonl'] as const)(
    '%s: appended in finishing order, put in input order at close; a resumed file skips what it has',
    async (ext) => {
      const [a, b, c] = await results();
      const path = join(tmp(), `out.${ext}`);
      const file = ResultFile.open(path, { resume: false });
      file.append(c as NonNullable<typeof c>, 4);
      file.append(a as NonNullable<typeof a>, 2);
      // Saved at once: the file has both records before it is closed.
      expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(ext === 'csv' ? 3 : 2);
      file.close();
      const afterFirst = readFileSync(path, 'utf8').trim().split('\n');
      if (ext === 'csv') expect(afterFirst[0]).toBe(csvHeader());
      const lines = afterFirst.slice(ext === 'csv' ? 1 : 0);
      expect(lines.map((l) => (ext === 'csv' ? l.split(',')[0] : String((JSON.parse(l) as { line: number }).line)))).toEqual(['2', '4']);

      expect(() => ResultFile.open(path, { resume: false })).toThrow(/the file exists; add --resume/);
      const again = ResultFile.open(path, { resume: true });
      expect(again.size).toBe(2);
      expect(again.has(2, (a as NonNullable<typeof a>).criteria)).toBe(true);
      expect(again.has(3, (b as NonNullable<typeof b>).criteria)).toBe(false);
      expect(again.has(4, (a as NonNullable<typeof a>).criteria)).toBe(false); // another line's search
      again.append(b as NonNullable<typeof b>, 3);
      again.close();
      const final = readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .slice(ext === 'csv' ? 1 : 0);
      expect(final.map((l) => (ext === 'csv' ? l.split(',')[0] : String((JSON.parse(l) as { line: number }).line)))).toEqual([
        '2',
        '3',
        '4',
      ]);
      if (ext === 'jsonl') {
        const record = JSON.parse(final[0] as string) as Record<string, unknown>;
        expect(record).toMatchObject({
          line: 2,
          criteria: { given: 'Robert', surname: 'Doe' },
          result: { ranked: [{ person: { id: 'F' } }] },
        });
        expect(record['result']).not.toHaveProperty('ms'); // two runs that found the same write the same
      }
    },
  );

  it('a record cut short by a kill is dropped on --resume (its search runs again) and the file is clean again', async () => {
    const [a, b] = await results();
    for (const ext of ['csv', 'jsonl'] as const) {
      const path = join(tmp(), `cut.${ext}`);
      const file = ResultFile.open(path, { resume: false });
      file.append(a as NonNullable<typeof a>, 2);
      file.close();
      appendFileSync(path, ext === 'csv' ? '3,"Doe' : '{"line":3,"criteria":{"surn');
      const resumed = ResultFile.open(path, { resume: true });
      expect(resumed.unreadable, ext).toBe(1);
      expect(resumed.size, ext).toBe(1);
      resumed.append(b as NonNullable<typeof b>, 3);
      resumed.close();
      expect(readFileSync(path, 'utf8').trim().split('\n'), ext).toHaveLength(ext === 'csv' ? 3 : 2);
    }
  });

  it('html: the whole report is written (at once for the first search), and --resume reads its embedded data back', async () => {
    const [a, b] = await results();
    const path = join(tmp(), 'report.html');
    const file = ResultFile.open(path, { resume: false });
    file.append(a as NonNullable<typeof a>, 2);
    expect(readReportData(readFileSync(path, 'utf8')).map((s) => s.line)).toEqual([2]);
    file.describe({ source: 'family.ged', summary: 'batch: 1 searched' });
    file.close();
    const html = readFileSync(path, 'utf8');
    expect(html).toContain('Source: family.ged');
    expect(html).toContain('batch: 1 searched');
    const again = ResultFile.open(path, { resume: true });
    expect(again.has(2, (a as NonNullable<typeof a>).criteria)).toBe(true);
    again.append(b as NonNullable<typeof b>, 3);
    again.close();
    expect(readReportData(readFileSync(path, 'utf8')).map((s) => s.line)).toEqual([2, 3]);
    // A page research did not write is refused, not overwritten.
    const other = join(tmp(), 'other.html');
    writeFileSync(other, '<p>mine</p>');
    expect(() => ResultFile.open(other, { resume: true })).toThrow(/not a report research wrote/);
    expect(readFileSync(other, 'utf8')).toBe('<p>mine</p>');
  });

  it('a CSV that research did not write is refused, not overwritten', () => {
    const path = join(tmp(), 'other.csv');
    writeFileSync(path, 'name,year\nAda,1815\n');
    expect(() => ResultFile.open(path, { resume: true })).toThrow(/not a results file of this version/);
    expect(readFileSync(path, 'utf8')).toBe('name,year\nAda,1815\n');
  });
});

describe('research --out: a run that saves nothing', () => {
  it('leaves no file behind when the file was new, so that the next try needs no --resume', () => {
    const path = join(tmp(), 'never.csv');
    const file = ResultFile.open(path, { resume: false });
    expect(readFileSync(path, 'utf8')).toBe(`${csvHeader()}\n`); // opened at once, before anything runs
    file.close();
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
    const again = ResultFile.open(path, { resume: false });
    expect(again.size).toBe(0);
    again.close();
  });
});
