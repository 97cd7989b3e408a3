import { describe, expect, it } from 'vitest';
import { readGedcom } from '../support/gedcom-round-trip.js';
import { formatResult } from '../../src/research/format.js';
import { GedcomSource, RunCache, research, searchQueryFor, validateCriteria } from '../../src/research/research.js';
import { familyGedcom } from './genealogy/family-fixture.js';

async function source(): Promise<GedcomSource> {
  const { tree } = await readGedcom({ text: familyGedcom() });
  return new GedcomSource(tree, tree.indexOf('ME') as number);
}

describe('research on a local GEDCOM tree', () => {
  it('scores every candidate, ranks them, and gives family and the relationship path to the home person', async () => {
    const r = await research(validateCriteria({ given: 'Robert', surname: 'Doe', birthYear: '1921', sex: 'M' }), await source(), {
      ladderFor: 0,
    });
    expect(r.home.id).toBe('ME');
    expect(r.ranked[0]?.person.id).toBe('F');
    expect(r.ranked[0]?.score.lines.map((l) => l.rule)).toContain('birthYearWithin5');
    const best = r.details[0];
    expect(best?.family.children.map((c) => c.id).sort()).toEqual(['B', 'HS', 'ME']);
    expect(best?.ladder.relationship).toBe('father');
    expect(best?.ladder.steps.map((s) => [s.id, s.relationship])).toEqual([
      ['F', 'father'],
      ['ME', 'self'],
    ]);
    const text = formatResult(r).join('\n');
    expect(text).toContain('Relationship path from Robert Doe to John Doe: father');
    expect(text).toMatch(/1\. Robert Doe \(abt 1920–1990\) - father/);
  });

  it('sends every criterion the API can filter on to the search, years widened by 5', () => {
    expect(
      searchQueryFor({ given: 'Ann', surname: 'Lee', sex: 'F', birthYear: 1850, birthPlace: 'York', deathYear: 1900, deathPlace: 'Leeds' }),
    ).toEqual({
      given: 'Ann',
      surname: 'Lee',
      sex: 'F',
      birthYearFrom: 1845,
      birthYearTo: 1855,
      birthPlace: 'York',
      deathYearFrom: 1895,
      deathYearTo: 1905,
      deathPlace: 'Leeds',
    });
  });

  it('respects the page caps and scores every candidate it fetched', async () => {
    const r = await research({ surname: 'Doe' }, await source(), { maxPages: 2, pageSize: 3 });
    expect(r.pagesFetched).toBe(2);
    expect(r.candidates).toBe(6);
    expect(r.totalMatches).toBeGreaterThan(6);
  });

  it('the per-run cache fetches each person once, and concurrent requests share the fetch', async () => {
    const cache = new RunCache();
    let calls = 0;
    const fetch = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 'x';
    };
    await Promise.all([cache.get('a', fetch), cache.get('a', fetch), cache.get('b', fetch)]);
    await cache.get('a', fetch);
    expect(calls).toBe(2);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 2 });
  });

  it('criteria need a name, and bad values get a typed error naming the field', () => {
    expect(() => validateCriteria({ birthYear: 1850 })).toThrow(/give a given name or a surname/);
    expect(() => validateCriteria({ surname: 'X' })).toThrow(/surname needs at least 2 characters/);
    expect(() => validateCriteria({ surname: 'Lee', birthYear: 'eighteen' })).toThrow(/birthYear must be a year/);
    expect(() => validateCriteria({ surname: 'Lee', sex: 'Q' })).toThrow(/sex must be M or F/);
    expect(() => validateCriteria({ surname: 'Lee', colour: 'red' })).toThrow(/unknown criterion "colour"/);
    expect(validateCriteria({ surname: ' Lee ', sex: 'female', birthYear: ' 1850 ' })).toEqual({
      surname: 'Lee',
      sex: 'F',
      birthYear: 1850,
    });
  });
});
