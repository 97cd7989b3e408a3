import { describe, expect, it } from 'vitest';
import { type Candidate, type Criteria, DEFAULT_WEIGHTS, rankCandidates, scoreCandidate } from '../../../src/genealogy/scoring.js';

const living: Candidate = { given: 'John Henry', surname: 'Smith', sex: 'M', birth: { date: { year: 1950, month: 5, day: 12 }, place: 'Leeds, Yorkshire, England' } };
const dead: Candidate = {
  given: 'Mary',
  surname: 'Jones',
  sex: 'F',
  birth: { date: { year: 1850 }, place: 'York, England' },
  death: { date: { year: 1921, month: 1, day: 1 }, place: 'Halifax, England' },
};
const rules = (criteria: Criteria, c: Candidate): Record<string, number> => Object.fromEntries(scoreCandidate(criteria, c).lines.map((l) => [l.rule, l.points]));

describe('scoring (DESIGN.md §4)', () => {
  it('a living person matched on everything scores 235', () => {
    const s = scoreCandidate({ given: 'john', surname: 'SMITH', sex: 'M', birthYear: 1950, birthPlace: 'leeds' }, living);
    expect(s.total).toBe(235);
    expect(s.lines.map((l) => l.rule)).toEqual([
      'givenContains',
      'surnameContains',
      'bothNames',
      'birthExactYear',
      'birthPlaceContains',
      'birthYearAndPlace',
      'gender',
      'deathDateAbsentBoth',
      'deathPlace',
      'deathInfo',
    ]);
  });

  it('names: contains, case- and accent-insensitive; both names only when both match', () => {
    expect(rules({ given: 'henry' }, living)).toMatchObject({ givenContains: 25 });
    expect(rules({ given: 'henry' }, living)['bothNames']).toBeUndefined();
    expect(rules({ surname: 'smi' }, living)).toMatchObject({ surnameContains: 25 });
    expect(rules({ given: 'zoë' }, { ...living, given: 'Zoe' })).toMatchObject({ givenContains: 25 });
    expect(rules({ given: 'john', surname: 'brown' }, living)).not.toHaveProperty('bothNames');
  });

  it('birth: exact date 25, else exact year 20, else within 5 years 10, else nothing', () => {
    expect(rules({ birthDate: { year: 1950, month: 5, day: 12 } }, living)).toMatchObject({ birthExactDate: 25 });
    expect(rules({ birthDate: { year: 1950, month: 6, day: 1 } }, living)).toMatchObject({ birthExactYear: 20 });
    expect(rules({ birthYear: 1955 }, living)).toMatchObject({ birthYearWithin5: 10 });
    expect(rules({ birthYear: 1945 }, living)).toMatchObject({ birthYearWithin5: 10 });
    const far = rules({ birthYear: 1956 }, living);
    expect(far).not.toHaveProperty('birthYearWithin5');
    expect(far).not.toHaveProperty('birthExactYear');
    expect(rules({ birthYear: 1950 }, { ...living, birth: { place: 'Leeds' } })).not.toHaveProperty('birthExactYear'); // no birth date on the candidate
  });

  it('birth place contains 25; year and place both 25 (also with a near year)', () => {
    expect(rules({ birthPlace: 'yorkshire' }, living)).toMatchObject({ birthPlaceContains: 25 });
    expect(rules({ birthPlace: 'yorkshire' }, living)).not.toHaveProperty('birthYearAndPlace');
    expect(rules({ birthPlace: 'leeds', birthYear: 1953 }, living)).toMatchObject({ birthYearWithin5: 10, birthPlaceContains: 25, birthYearAndPlace: 25 });
    expect(rules({ birthPlace: 'york' }, { ...living, birth: { date: { year: 1950 } } })).not.toHaveProperty('birthPlaceContains'); // no place on the candidate
  });

  it('gender 15 only when given and equal', () => {
    expect(rules({ sex: 'M' }, living)).toMatchObject({ gender: 15 });
    expect(rules({ sex: 'F' }, living)).not.toHaveProperty('gender');
    expect(rules({}, living)).not.toHaveProperty('gender');
  });

  it('death: exact date 25, else exact year 20, else within 5 years 10 (the fixed rule); death info matched 25', () => {
    expect(rules({ deathDate: { year: 1921, month: 1, day: 1 } }, dead)).toMatchObject({ deathExactDate: 25, deathInfo: 25 });
    expect(rules({ deathYear: 1921 }, dead)).toMatchObject({ deathExactYear: 20, deathInfo: 25 });
    expect(rules({ deathYear: 1917 }, dead)).toMatchObject({ deathYearWithin5: 10, deathInfo: 25 });
    const far = rules({ deathYear: 1900 }, dead);
    expect(far).not.toHaveProperty('deathInfo');
    expect(far).not.toHaveProperty('deathDateAbsentBoth');
  });

  it('absent on both sides: no death date 25, no death place 25, death info 25; absent on one side gives nothing', () => {
    expect(rules({}, living)).toMatchObject({ deathDateAbsentBoth: 25, deathPlace: 25, deathInfo: 25 });
    const criteriaWithout = rules({}, dead); // the candidate has a death, the criteria none
    expect(criteriaWithout).not.toHaveProperty('deathDateAbsentBoth');
    expect(criteriaWithout).not.toHaveProperty('deathPlace');
    expect(criteriaWithout).not.toHaveProperty('deathInfo');
    const candidateWithout = rules({ deathYear: 1921, deathPlace: 'halifax' }, living); // the criteria have a death, the candidate none
    expect(candidateWithout).toEqual(expect.not.objectContaining({ deathDateAbsentBoth: 25, deathPlace: 25, deathInfo: 25 }));
    expect(rules({ deathPlace: 'halifax' }, dead)).toMatchObject({ deathPlace: 25 });
  });

  it('weights are configurable; a zero weight drops the rule', () => {
    const s = scoreCandidate({ given: 'john' }, living, { ...DEFAULT_WEIGHTS, givenContains: 40, deathDateAbsentBoth: 0 });
    expect(s.lines.find((l) => l.rule === 'givenContains')?.points).toBe(40);
    expect(s.lines.some((l) => l.rule === 'deathDateAbsentBoth')).toBe(false);
  });

  it('ranks every candidate, best first, ties in input order', () => {
    const ranked = rankCandidates({ surname: 'smith', birthYear: 1950 }, [dead, { ...living, given: 'A' }, living]);
    expect(ranked.map((r) => [r.candidate.given, r.score.total])).toEqual([
      ['A', 120], // surname 25 + birth year 20 + the three absent-death rules 75
      ['John Henry', 120],
      ['Mary', 0],
    ]);
  });
});
