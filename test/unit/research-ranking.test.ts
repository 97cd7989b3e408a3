import { describe, expect, it } from 'vitest';
import { readGedcom } from '../support/gedcom-round-trip.js';
import { formatResult } from '../../src/research/format.js';
import { CSV_COLUMNS, csvHeader, csvRow } from '../../src/research/output.js';
import { GedcomSource, research, validateCriteria } from '../../src/research/research.js';

/**
 * Honest ranking on a small tree written as a genealogy program writes it: three living Owen
 * Fishers and one who died, as in the case that misled users (the living ones ranked first on
 * points for a death absent on both sides).
 */
const OWENS = [
  '0 HEAD',
  '1 GEDC',
  '2 VERS 5.5.1',
  '1 CHAR UTF-8',
  '0 @ME@ INDI',
  '1 NAME Richard /Fisher/',
  '1 SEX M',
  '1 BIRT',
  '2 DATE 2005',
  '0 @O1@ INDI',
  '1 NAME Owen /Fisher/',
  '1 SEX M',
  '1 BIRT',
  '2 DATE 1964',
  '2 PLAC Leeds, Yorkshire',
  '0 @O2@ INDI',
  '1 NAME Owen /Fisher/',
  '1 SEX M',
  '1 BIRT',
  '2 DATE 1987',
  '2 PLAC York',
  '0 @O3@ INDI',
  '1 NAME Owen /Fisher/',
  '1 SEX M',
  '1 BIRT',
  '2 DATE 2017',
  '0 @O4@ INDI',
  '1 NAME Owen /Fisher/',
  '1 SEX M',
  '1 BIRT',
  '2 DATE 1901',
  '2 PLAC Chester',
  '1 DEAT',
  '2 DATE 1973',
  '2 PLAC Ipswich',
  '0 TRLR',
].join('\n');

async function owens(): Promise<GedcomSource> {
  const { tree } = await readGedcom({ text: OWENS });
  return new GedcomSource(tree, tree.indexOf('ME') as number);
}

describe('research ranking: no points for absence, a scale, a confidence word, ties flagged', () => {
  it('names alone: four equal matches, flagged with what would tell them apart', async () => {
    const r = await research(validateCriteria({ given: 'Owen', surname: 'Fisher' }), await owens(), { top: 4 });
    expect(r.ranked.map((x) => [x.person.id, x.score.total, x.score.max, x.confidence])).toEqual([
      ['O1', 75, 75, 'fair'],
      ['O2', 75, 75, 'fair'],
      ['O3', 75, 75, 'fair'],
      ['O4', 75, 75, 'fair'],
    ]);
    expect(r.tie).toEqual({ count: 4, breakers: ['a birth year', 'a birth place', 'a death year', 'a death place'] });
    const text = formatResult(r).join('\n');
    expect(text).toContain(
      'Note: 4 equally good matches; add a birth year, a birth place, a death year or a death place to tell them apart.',
    );
    // Places on the ranked list tell the namesakes apart; a GEDCOM file has no page to link.
    expect(text).toMatch(/4\. +75\/75 fair +Owen Fisher \(1901–1973\) \[O4\]\n +born Chester; died Ipswich\n/);
    expect(r.ranked.every((x) => x.url === undefined)).toBe(true);
  });

  it('with his death year the Owen who died is first, alone, and strong', async () => {
    const r = await research(validateCriteria({ given: 'Owen', surname: 'Fisher', deathYear: '1973' }), await owens());
    expect(r.ranked[0]).toMatchObject({ person: { id: 'O4' }, score: { total: 120, max: 120 }, confidence: 'strong' });
    expect(r.tie).toBeUndefined();
    expect(formatResult(r).join('\n')).not.toContain('equally good');
  });

  it('CSV: criteria in their own columns, the tie count, best and runner-up with lifespans and places', async () => {
    const r = await research(validateCriteria({ given: 'Owen', surname: 'Fisher' }), await owens());
    expect(csvHeader().split(',')).toEqual([...CSV_COLUMNS]);
    const row = csvRow(r, 7);
    expect(row).toBe('7,Owen,Fisher,,,,,,4,4,O1,Owen Fisher,b. 1964,"Leeds, Yorkshire",,75,75,fair,,not related,O2,Owen Fisher,b. 1987,75');
    expect(row.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)).toHaveLength(CSV_COLUMNS.length);
  });
});

describe('where the time went: each row means one thing', () => {
  it('a timed row: count is how many ran and total their time; a counted row shows no time', async () => {
    const { Timings } = await import('../../src/research/research.js');
    const { formatTimings } = await import('../../src/research/format.js');
    const t = new Timings();
    t.add('api client', 'waits for the rate limiter', 71, 2);
    t.count('api client', 'answers 429 (too many)', 0);
    t.count('research', 'cache hits', 5);
    const table = formatTimings(t, 1000).join('\n');
    expect(table).toMatch(/api client +waits for the rate limiter +2 +71\.0 +35\.50/);
    expect(table).toMatch(/api client +answers 429 \(too many\) +0 +- +-/);
    expect(table).toMatch(/research +cache hits +5 +- +-/);
  });
});
