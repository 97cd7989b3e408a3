import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReportData } from '../../src/research/html-report.js';
import { launchViewer } from '../support/viewer.js';

/**
 * `research --out report.html`, written by the built CLI from a small GEDCOM file and opened in
 * real Chromium from disk: it renders with no console error and no request, the relationship
 * chart has the right people in the right order, it fits a phone's width, and a name carrying
 * markup is shown as text.
 */
const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'main.js');
const EVIL = 'Eve<img src=x onerror="document.title=1">';

// Grandfather Adam; his sons Paul (the home person's father) and Peter (the searched cousin's).
const GEDCOM = [
  '0 HEAD',
  '1 GEDC',
  '2 VERS 5.5.1',
  '1 CHAR UTF-8',
  '0 @GA@ INDI',
  '1 NAME Adam /Hale/',
  '1 SEX M',
  '1 BIRT',
  '2 DATE 1890',
  '2 PLAC Bath',
  '1 DEAT',
  '2 DATE 1960',
  '1 FAMS @F0@',
  '0 @P1@ INDI',
  '1 NAME Paul /Hale/',
  '1 SEX M',
  '1 BIRT',
  '2 DATE 1920',
  '1 FAMC @F0@',
  '1 FAMS @F1@',
  '0 @P2@ INDI',
  '1 NAME Peter /Hale/',
  '1 SEX M',
  '1 BIRT',
  '2 DATE 1922',
  '1 FAMC @F0@',
  '1 FAMS @F2@',
  '0 @ME@ INDI',
  '1 NAME John /Hale/',
  '1 SEX M',
  '1 BIRT',
  '2 DATE 1950',
  '1 FAMC @F1@',
  '0 @C@ INDI',
  `1 NAME ${EVIL} /Hale & Sons/`,
  '1 SEX F',
  '1 BIRT',
  '2 DATE 1952',
  '2 PLAC York',
  '1 FAMC @F2@',
  '0 @F0@ FAM',
  '1 HUSB @GA@',
  '1 CHIL @P1@',
  '1 CHIL @P2@',
  '0 @F1@ FAM',
  '1 HUSB @P1@',
  '1 CHIL @ME@',
  '0 @F2@ FAM',
  '1 HUSB @P2@',
  '1 CHIL @C@',
  '0 TRLR',
].join('\n');

let dir: string;
let report: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'research-report-'));
  const ged = join(dir, 'hale.ged');
  writeFileSync(ged, GEDCOM);
  const batch = join(dir, 'batch.csv');
  writeFileSync(batch, 'given,surname,birth_year\nEve,Hale,1952\nAdam,Hale,1890\nNobody,Zzyzx,\n');
  report = join(dir, 'report.html');
  const r = spawnSync(
    process.execPath,
    [main, 'research', '--gedcom', ged, '--home', 'ME', '--batch', batch, '--out', report, '--benchmark'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(r.stderr).toMatch(/batch: 3 searched, 0 skipped \(bad rows\), 0 failed/);
  expect(r.status).toBe(0);
  // The table of where the time went names local lookups for what they are, and a row that only
  // counts shows no time.
  expect(r.stdout).toMatch(/candidates? scored \(\d+ match(es)? in the tree\)/);
  expect(r.stdout).toMatch(/^ {2}tree \(GEDCOM\) +search +3 +[\d.]+ +[\d.]+$/m);
  expect(r.stdout).toMatch(/^ {2}research +cache hits +\d+ +- +-$/m);
  expect(r.stdout).not.toMatch(/^ {2}api|pages? of results fetched/m);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the HTML research report in real Chromium', () => {
  it('renders from disk with no console error and no request; the chart shows both lines of descent from the common ancestor; a direct line is one column', async () => {
    const viewer = await launchViewer();
    try {
      const page = await viewer.browser.newPage({ viewport: { width: 1000, height: 800 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(pathToFileURL(report).href);
      expect(problems).toEqual([]);
      expect(requests).toEqual([pathToFileURL(report).href]);

      const ids = (selector: string): Promise<string[]> =>
        page.evaluate<string[]>(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.getAttribute('data-id') ?? '')`);
      // First cousins: Adam on top; his son Peter, then the searched woman on the left; Paul, then the home person on the right.
      expect(await ids('#search-1 .chart.tree .apex .person')).toEqual(['GA']);
      expect(await ids('#search-1 .chart.tree .descent.left .person')).toEqual(['P2', 'C']);
      expect(await ids('#search-1 .chart.tree .descent.right .person')).toEqual(['P1', 'ME']);
      expect(await page.textContent('#search-1 h3:last-of-type')).toContain('is the first cousin of John Hale');
      // A direct line: a pedigree, the ancestor first.
      expect(await ids('#search-2 .chart.line .person')).toEqual(['GA', 'P1', 'ME']);
      expect(await page.textContent('#search-2 .chart.line')).toContain('grandfather');
      expect(await page.textContent('#search-3')).toContain('No one matched.');
      // The ranked list carries lifespan and places; the run's timings are there.
      expect(await page.textContent('#search-1 table.ranked')).toContain('born York');
      expect(await page.textContent('section.timings')).toContain('Where the time went');

      // Markup in a name is text, not an element.
      expect(await page.$$eval('img', (els) => els.length)).toBe(0);
      expect(await page.title()).not.toBe('1');
      expect(await page.textContent('#search-1 .chart .person.from strong')).toBe(`${EVIL} Hale & Sons`);

      // Readable at a phone's width: nothing wider than the screen.
      await page.setViewportSize({ width: 375, height: 800 });
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      const right = await page.evaluate<number>(
        "Math.max(...[...document.querySelectorAll('#search-1 .chart .person')].map((e) => e.getBoundingClientRect().right))",
      );
      expect(right).toBeLessThanOrEqual(375);
    } finally {
      await viewer.close();
    }
  }, 60_000);

  it('embeds its data inertly, so --resume can continue it', () => {
    const html = readFileSync(report, 'utf8');
    expect(html).not.toContain('<img');
    const data = readReportData(html);
    expect(data.map((s) => [s.line, s.result.ranked[0]?.person.id ?? null])).toEqual([
      [2, 'C'],
      [3, 'GA'],
      [4, null],
    ]);
  });
});
