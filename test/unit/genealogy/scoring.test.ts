import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  type Criteria,
  DEFAULT_WEIGHTS,
  confidenceOf,
  describeTie,
  maxScore,
  rankCandidates,
  scoreCandidate,
  topTie,
} from '../../../src/genealogy/scoring.js';

const living: Candidate = {
  given: 'John Henry',
  surname: 'Smith',
  sex: 'M',
  birth: { date: { year: 1950, month: 5, day: 12 }, place: 'Leeds, Yorkshire, England' },
};
const dead: Candidate = {
  given: 'Mary',
  surname: 'Jones',
  sex: 'F',
  birth: { date: { year: 1850 }, place: 'York, England' },
  death: { date: { year: 1921, month: 1, day: 1 }, place: 'Halifax, England' },
};
const rules = (criteria: Criteria, c: Candidate): Record<string, number> =>
  Object.fromEntries(scoreCandidate(criteria, c).lines.map((l) => [l.rule, l.points]));

describe('scoring (docs/scoring.md)', () => {
  it('a living person matched on everything the criteria ask scores 160 of 160, strong', () => {
    const s = scoreCandidate({ given: 'john', surname: 'SMITH', sex: 'M', birthYear: 1950, birthPlace: 'leeds' }, living);
    expect(s.total).toBe(160);
    expect(s.max).toBe(160);
    expect(confidenceOf(s)).toBe('strong');
    expect(s.lines.map((l) => l.rule)).toEqual([
      'givenContains',
      'surnameContains',
      'bothNames',
      'birthExactYear',
      'birthPlaceContains',
      'birthYearAndPlace',
      'gender',
    ]);
  });

  it('the scale: the most the criteria can earn, whatever the candidate', () => {
    expect(maxScore({ given: 'a', surname: 'b' })).toBe(75);
    expect(maxScore({ surname: 'b', birthYear: 1900 })).toBe(45);
    expect(maxScore({ surname: 'b', birthDate: { year: 1900, month: 1, day: 2 } })).toBe(50);
    expect(maxScore({ surname: 'b', deathYear: 1950, deathPlace: 'x' })).toBe(25 + 20 + 25 + 25);
    expect(maxScore({ surname: 'b', sex: 'F', birthYear: 1900, birthPlace: 'x' })).toBe(25 + 15 + 20 + 25 + 25);
    // Every score stays within its scale, for a candidate matching everything or nothing.
    for (const c of [living, dead])
      for (const criteria of [
        { given: 'john', deathYear: 1921 },
        { surname: 'jones', birthPlace: 'york', deathPlace: 'halifax' },
      ] as Criteria[]) {
        const s = scoreCandidate(criteria, c);
        expect(s.total).toBeLessThanOrEqual(s.max);
      }
    expect(
      scoreCandidate(
        {
          given: 'mary',
          surname: 'jones',
          birthYear: 1850,
          birthPlace: 'york',
          deathDate: { year: 1921, month: 1, day: 1 },
          deathPlace: 'halifax',
          sex: 'F',
        },
        dead,
      ),
    ).toMatchObject({ total: 235, max: 235 });
  });

  it('confidence: strong, good, fair (also for names alone, which cannot tell namesakes apart) and weak', () => {
    expect(confidenceOf(scoreCandidate({ given: 'john', surname: 'smith' }, living))).toBe('fair'); // 75 of 75, names only
    expect(confidenceOf(scoreCandidate({ given: 'john', surname: 'smith', birthYear: 1952 }, living))).toBe('good'); // 85 of 95
    expect(confidenceOf(scoreCandidate({ given: 'john', surname: 'smith', birthYear: 1950, birthPlace: 'paris' }, living))).toBe('fair'); // 95 of 145
    expect(confidenceOf(scoreCandidate({ given: 'bob', surname: 'smith', birthYear: 1900, deathYear: 1960 }, living))).toBe('weak'); // 25 of 135
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
    expect(rules({ birthPlace: 'leeds', birthYear: 1953 }, living)).toMatchObject({
      birthYearWithin5: 10,
      birthPlaceContains: 25,
      birthYearAndPlace: 25,
    });
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
  });

  it('absence is not evidence: no death on either side earns nothing, so a living namesake does not outrank the person sought', () => {
    expect(scoreCandidate({ given: 'mary' }, { ...living, given: 'Mary' }).lines.map((l) => l.rule)).toEqual(['givenContains']);
    expect(rules({}, dead)).toEqual({});
    expect(rules({ deathYear: 1921, deathPlace: 'halifax' }, living)).toEqual({}); // the criteria have a death, the candidate none
    expect(rules({ deathPlace: 'halifax' }, dead)).toMatchObject({ deathPlace: 25 });
    // The Owen Fisher case: three living namesakes and one who died, names only: all equal.
    const owens = [1964, 1987, 2017].map((year): Candidate => ({ given: 'Owen', surname: 'Fisher', sex: 'M', birth: { date: { year } } }));
    const died: Candidate = {
      given: 'Owen',
      surname: 'Fisher',
      sex: 'M',
      birth: { date: { year: 1901 } },
      death: { date: { year: 1973 } },
    };
    expect(rankCandidates({ given: 'Owen', surname: 'Fisher' }, [...owens, died]).map((r) => r.score.total)).toEqual([75, 75, 75, 75]);
    // Given his death year, he is first.
    expect(rankCandidates({ given: 'Owen', surname: 'Fisher', deathYear: 1973 }, [...owens, died])[0]?.candidate).toBe(died);
  });

  it('weights are configurable; a zero weight drops the rule and lowers the scale', () => {
    const s = scoreCandidate({ given: 'john', surname: 'smith' }, living, { ...DEFAULT_WEIGHTS, givenContains: 40, bothNames: 0 });
    expect(s.lines.find((l) => l.rule === 'givenContains')?.points).toBe(40);
    expect(s.lines.some((l) => l.rule === 'bothNames')).toBe(false);
    expect(s).toMatchObject({ total: 65, max: 65 });
  });

  it('ranks every candidate, best first, ties in input order', () => {
    const ranked = rankCandidates({ surname: 'smith', birthYear: 1950 }, [dead, { ...living, given: 'A' }, living]);
    expect(ranked.map((r) => [r.candidate.given, r.score.total])).toEqual([
      ['A', 45], // surname 25 + birth year 20
      ['John Henry', 45],
      ['Mary', 0],
    ]);
  });

  it('a tie at the top is found, with the criteria that would break it', () => {
    const a: Candidate = { given: 'Mary', surname: 'King', sex: 'F', birth: { date: { year: 1730 }, place: 'Bath' } };
    const b: Candidate = {
      given: 'Mary',
      surname: 'King',
      sex: 'F',
      birth: { date: { year: 1893 }, place: 'Bath' },
      death: { date: { year: 1950 } },
    };
    const c: Candidate = { given: 'Maryann', surname: 'King', sex: 'F' };
    const criteria: Criteria = { surname: 'king', sex: 'F' };
    const tie = topTie(criteria, rankCandidates(criteria, [a, b, c]));
    expect(tie).toEqual({ count: 3, breakers: ['a given name', 'a birth year', 'a birth place', 'a death year'] });
    expect(describeTie(tie as NonNullable<typeof tie>)).toBe(
      '3 equally good matches; add a given name, a birth year, a birth place or a death year to tell them apart',
    );
    expect(topTie({ given: 'mary', surname: 'king' }, rankCandidates({ given: 'mary', surname: 'king' }, [a, b, c]))?.breakers).toEqual([
      'a birth year',
      'a birth place',
      'a death year',
    ]);
    // The criteria given are not suggested; a tie on the same facts says so.
    const byYear: Criteria = { given: 'mary', surname: 'king', birthYear: 1730 };
    expect(topTie(byYear, rankCandidates(byYear, [a, b]))).toBeUndefined();
    const same = topTie({ surname: 'king', birthPlace: 'bath' }, rankCandidates({ surname: 'king', birthPlace: 'bath' }, [a, { ...a }]));
    expect(same).toEqual({ count: 2, breakers: [] });
    expect(describeTie(same as NonNullable<typeof same>)).toMatch(/same recorded facts/);
    // Nothing matched: no tie to report.
    expect(topTie({ surname: 'zz' }, rankCandidates({ surname: 'zz' }, [a, b]))).toBeUndefined();
  });
});
