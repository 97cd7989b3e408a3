import { describe, expect, it } from 'vitest';
import { readGedcom } from '../../support/gedcom-round-trip.js';
import { gedcomLines } from '../../../src/genealogy/synthetic.js';
import { ladder, linkedName, relationship } from '../../../src/genealogy/kinship.js';
import { scoreCandidate } from '../../../src/genealogy/scoring.js';
import { SearchIndex } from '../../../src/genealogy/search-index.js';
import type { FamilyTree } from '../../../src/genealogy/tree.js';
import { at } from './family-fixture.js';
import { familyView, ladderView, personView } from '../../../src/genealogy/views.js';
import { formatResult } from '../../../src/research/format.js';
import type { ResearchResult } from '../../../src/research/research.js';

/**
 * Issue 13, items 4 and 5: parent links that are not birth links (PEDI, ADOP, _FREL/_MREL) and
 * alternate names. Every GEDCOM text here is written from the GEDCOM 5.5.1 / 7.0 specifications
 * and the vendor tags as Family Tree Maker, RootsMagic and Legacy write them.
 */
const gedcom = (...lines: string[]): { text: string } => ({ text: ['0 HEAD', '1 GEDC', '2 VERS 5.5.1', ...lines, '0 TRLR'].join('\n') });

const person = (id: string, name: string, sex: 'M' | 'F', ...more: string[]): string[] => [
  `0 @${id}@ INDI`,
  `1 NAME ${name}`,
  `1 SEX ${sex}`,
  ...more,
];

async function read(...lines: string[]): Promise<FamilyTree> {
  const { tree, diagnostics } = await readGedcom(gedcom(...lines));
  expect(diagnostics).toEqual([]);
  return tree;
}

const rel = (tree: FamilyTree, from: string, to: string) => relationship(tree, at(tree, from), at(tree, to));

/**
 * H and W have a birth son B and adopt A (PEDI adopted). K is the child of M by birth and of her
 * husband S by a step link (_FREL Step / _MREL Natural under CHIL); S has a birth daughter SD by
 * an earlier wife X. FP fosters FC (PEDI foster). C's father P was raised by his father GF and
 * GF's second wife SGM (_MREL Step under P's FAMC). GU is the guardian of WD; SF is the father of
 * SC by sealing; AH adopted AC by the ADOP event (ADOP HUSB), while AC's mother AW is by birth.
 */
const LINKED = [
  ...person('H', 'Henry /Hale/', 'M', '1 FAMS @F1@'),
  ...person('W', 'Wilma /Hale/', 'F', '1 FAMS @F1@', '1 FAMC @F0@'),
  ...person('WM', 'Olive /Stone/', 'F', '1 FAMS @F0@'),
  ...person('B', 'Bert /Hale/', 'M', '1 FAMC @F1@'),
  ...person('A', 'Amos /Hale/', 'M', '1 FAMC @F1@', '2 PEDI adopted'),
  '0 @F0@ FAM',
  '1 WIFE @WM@',
  '1 CHIL @W@',
  '0 @F1@ FAM',
  '1 HUSB @H@',
  '1 WIFE @W@',
  '1 CHIL @B@',
  '1 CHIL @A@',
  ...person('S', 'Sam /Reed/', 'M', '1 FAMS @F2@', '1 FAMS @F3@'),
  ...person('M', 'Mary /Reed/', 'F', '1 FAMS @F2@'),
  ...person('K', 'Kate /Reed/', 'F', '1 FAMC @F2@'),
  ...person('X', 'Xena /Reed/', 'F', '1 FAMS @F3@'),
  ...person('SD', 'Sara /Reed/', 'F', '1 FAMC @F3@'),
  '0 @F2@ FAM',
  '1 HUSB @S@',
  '1 WIFE @M@',
  '1 CHIL @K@',
  '2 _FREL Step',
  '2 _MREL Natural',
  '0 @F3@ FAM',
  '1 HUSB @S@',
  '1 WIFE @X@',
  '1 CHIL @SD@',
  ...person('FP', 'Fay /Ford/', 'F', '1 FAMS @F4@'),
  ...person('FC', 'Finn /Ford/', 'M', '1 FAMC @F4@', '2 PEDI foster'),
  '0 @F4@ FAM',
  '1 WIFE @FP@',
  '1 CHIL @FC@',
  ...person('GF', 'George /Gray/', 'M', '1 FAMS @F5@', '1 FAMS @F6@'),
  ...person('GM', 'Grace /Gray/', 'F', '1 FAMS @F5@'),
  ...person('SGM', 'Stella /Gray/', 'F', '1 FAMS @F6@'),
  ...person('P', 'Paul /Gray/', 'M', '1 FAMC @F5@', '1 FAMC @F6@', '2 _FREL Natural', '2 _MREL Step', '1 FAMS @F7@'),
  ...person('C', 'Clara /Gray/', 'F', '1 FAMC @F7@'),
  '0 @F5@ FAM',
  '1 HUSB @GF@',
  '1 WIFE @GM@',
  '1 CHIL @P@',
  '0 @F6@ FAM',
  '1 HUSB @GF@',
  '1 WIFE @SGM@',
  '1 CHIL @P@',
  '0 @F7@ FAM',
  '1 HUSB @P@',
  '1 CHIL @C@',
  ...person('GU', 'Gus /Ward/', 'M', '1 FAMS @F8@'),
  ...person('WD', 'Wendy /Ward/', 'F', '1 FAMC @F8@', '2 PEDI OTHER'),
  '0 @F8@ FAM',
  '1 HUSB @GU@',
  '1 CHIL @WD@',
  '2 _FREL Guardian',
  ...person('SF', 'Seth /Lund/', 'M', '1 FAMS @F9@'),
  ...person('SC', 'Sven /Lund/', 'M', '1 FAMC @F9@', '2 PEDI SEALING'),
  '0 @F9@ FAM',
  '1 HUSB @SF@',
  '1 CHIL @SC@',
  ...person('AH', 'Adam /Holt/', 'M', '1 FAMS @F10@'),
  ...person('AW', 'Alma /Holt/', 'F', '1 FAMS @F10@'),
  ...person('AC', 'Abel /Holt/', 'M', '1 FAMC @F10@', '1 ADOP', '2 DATE 1950', '2 FAMC @F10@', '3 ADOP HUSB'),
  '0 @F10@ FAM',
  '1 HUSB @AH@',
  '1 WIFE @AW@',
  '1 CHIL @AC@',
];

describe('parent links that are not birth links (issue 13, item 4)', () => {
  it('PEDI, ADOP and _FREL/_MREL become the link type of each parent in the model', async () => {
    const tree = await read(...LINKED);
    const link = (child: string, parent: string) => tree.linkBetween(at(tree, child), at(tree, parent));
    expect([link('A', 'H'), link('A', 'W'), link('B', 'H')]).toEqual(['adopted', 'adopted', 'birth']);
    expect([link('K', 'S'), link('K', 'M')]).toEqual(['step', 'birth']);
    expect(link('FC', 'FP')).toBe('foster');
    expect([link('P', 'GF'), link('P', 'GM'), link('P', 'SGM')]).toEqual(['birth', 'birth', 'step']);
    // PEDI OTHER (GEDCOM 7) for both parents, then _FREL Guardian for the father.
    expect(link('WD', 'GU')).toBe('guardian');
    expect(link('SC', 'SF')).toBe('sealed');
    // ADOP HUSB: adopted by the husband; the wife stays the birth mother.
    expect([link('AC', 'AH'), link('AC', 'AW')]).toEqual(['adopted', 'birth']);
    expect(link('B', 'S')).toBeUndefined();
    // The family records carry the link per child, and only where one is not a birth link.
    const f1 = tree.families.find((f) => f.id === 'F1');
    expect(f1?.links && [...f1.links]).toEqual([[at(tree, 'A'), { father: 'adopted', mother: 'adopted' }]]);
    expect(tree.families.find((f) => f.id === 'F3')?.links).toBeUndefined();
  });

  it('the link types as programs write them: lower and upper case, GEDCOM 7 words, _FREL/_MREL under FAMC or CHIL, ADOP WIFE and BOTH', async () => {
    const tree = await read(
      ...person('D', 'Dan /O/', 'M', '1 FAMS @F1@'),
      ...person('E', 'Eve /O/', 'F', '1 FAMS @F1@'),
      ...person('C1', 'One /O/', 'M', '1 FAMC @F1@', '2 PEDI ADOPTED'),
      ...person('C2', 'Two /O/', 'M', '1 FAMC @F1@', '2 _FREL Foster', '2 _MREL Adopted'),
      ...person('C3', 'Three /O/', 'M', '1 FAMC @F1@', '2 PEDI birth'),
      ...person('C4', 'Four /O/', 'M', '1 ADOP', '2 FAMC @F1@', '3 ADOP WIFE'),
      ...person('C5', 'Five /O/', 'M', '1 ADOP', '2 FAMC @F1@', '3 ADOP BOTH'),
      ...person('C6', 'Six /O/', 'M', '1 ADOP', '2 FAMC @F1@'),
      ...person('C7', 'Seven /O/', 'M', '1 FAMC @F1@'),
      ...person('C8', 'Eight /O/', 'M', '1 FAMC @F1@'),
      '0 @F1@ FAM',
      '1 HUSB @D@',
      '1 WIFE @E@',
      '1 CHIL @C1@',
      '1 CHIL @C2@',
      '1 CHIL @C3@',
      '1 CHIL @C7@',
      '2 _FREL step',
      '2 _MREL natural',
      '1 CHIL @C8@',
      '2 _FREL Unknown',
      '2 _MREL Private',
    );
    const both = (c: string) => [tree.linkBetween(at(tree, c), at(tree, 'D')), tree.linkBetween(at(tree, c), at(tree, 'E'))];
    expect(both('C1')).toEqual(['adopted', 'adopted']);
    expect(both('C2')).toEqual(['foster', 'adopted']);
    expect(both('C3')).toEqual(['birth', 'birth']);
    expect(both('C4')).toEqual(['birth', 'adopted']);
    expect(both('C5')).toEqual(['adopted', 'adopted']);
    expect(both('C6')).toEqual(['adopted', 'adopted']); // ADOP without HUSB/WIFE/BOTH: by both
    expect(both('C7')).toEqual(['step', 'birth']);
    expect(both('C8')).toEqual(['birth', 'birth']); // Unknown and Private say nothing
    // The ADOP event's FAMC makes C4–C6 children of F1 even though F1 does not list them.
    expect(
      tree
        .children(at(tree, 'D'))
        .map((i) => tree.person(i).id)
        .sort(),
    ).toEqual(['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8']);
  });

  it('gedcomLines writes the link types and alternate names back out: reading its output gives the same links and names', async () => {
    const tree = await read(...LINKED, ...person('N', 'Nell /Oak/', 'F', '1 NAME Nell /Ash/'));
    const again = await readGedcom({ text: [...gedcomLines(tree)].join('\n') });
    expect(again.diagnostics).toEqual([]);
    const links = (t: FamilyTree) => t.families.map((f) => [f.id, f.links && [...f.links].map(([c, l]) => [t.person(c).id, l])]);
    expect(links(again.tree)).toEqual(links(tree));
    expect(again.tree.person(at(again.tree, 'N')).alternateNames).toEqual([{ given: 'Nell', surname: 'Ash' }]);
  });

  it('a link type it does not know is one diagnostic with its line, read as a link other than birth (a stated link that is not "birth" is not blood)', async () => {
    const { tree, diagnostics } = await readGedcom(
      gedcom(
        ...person('D', 'Dan /O/', 'M', '1 FAMS @F1@'),
        ...person('C', 'C /O/', 'M', '1 FAMC @F1@', '2 PEDI godchild'),
        '0 @F1@ FAM',
        '1 HUSB @D@',
      ),
    );
    expect(diagnostics).toMatchObject([
      {
        line: 12,
        message:
          'PEDI "godchild" is not a link type this reader knows (birth, adopted, foster, step, sealed, guardian, other); read as a link other than birth',
      },
    ]);
    expect(rel(tree, 'C', 'D')).toMatchObject({ kind: 'non-birth', name: 'father (not by birth)' });
  });

  it('a program\'s own kind of link under CHIL (_FREL "Custom relationship to father") keeps the whole branch above it out of blood', async () => {
    const { tree, diagnostics } = await readGedcom(
      gedcom(
        ...person('GF', 'Old /O/', 'M', '1 FAMS @F0@'),
        ...person('D', 'Dan /O/', 'M', '1 FAMC @F0@', '1 FAMS @F1@'),
        ...person('M', 'May /P/', 'F', '1 FAMS @F1@'),
        ...person('C', 'Cal /O/', 'M', '1 FAMC @F1@'),
        '0 @F0@ FAM',
        '1 HUSB @GF@',
        '1 CHIL @D@',
        '0 @F1@ FAM',
        '1 HUSB @D@',
        '1 WIFE @M@',
        '1 CHIL @C@',
        '2 _FREL Custom relationship to father',
        '2 _MREL Natural',
      ),
    );
    expect(diagnostics.map((d) => d.kind)).toEqual(['links']);
    expect(rel(tree, 'C', 'M')).toMatchObject({ kind: 'blood', name: 'mother' });
    expect(rel(tree, 'C', 'D')).toMatchObject({ kind: 'non-birth' });
    expect(rel(tree, 'C', 'GF')).toMatchObject({ kind: 'non-birth' });
  });

  it.each([
    // [start, other, what other is to start, kind]
    ['A', 'W', 'adoptive mother', 'non-birth'],
    ['A', 'H', 'adoptive father', 'non-birth'],
    ['W', 'A', 'adopted son', 'non-birth'],
    ['A', 'B', 'adoptive brother', 'non-birth'],
    ['B', 'A', 'adopted brother', 'non-birth'],
    ['A', 'WM', 'adoptive grandmother', 'non-birth'],
    ['WM', 'A', 'adopted grandson', 'non-birth'],
    ['K', 'S', 'stepfather', 'non-birth'],
    ['S', 'K', 'stepdaughter', 'non-birth'],
    ['K', 'M', 'mother', 'blood'],
    ['K', 'SD', 'stepsister', 'non-birth'],
    ['FP', 'FC', 'foster son', 'non-birth'],
    ['FC', 'FP', 'foster mother', 'non-birth'],
    ['C', 'SGM', 'step-grandmother', 'non-birth'],
    ['C', 'GM', 'grandmother', 'blood'],
    ['SGM', 'C', 'step-granddaughter', 'non-birth'],
    ['WD', 'GU', 'guardian', 'non-birth'],
    ['GU', 'WD', 'ward', 'non-birth'],
    ['SC', 'SF', 'father by sealing', 'non-birth'],
    ['AC', 'AH', 'adoptive father', 'non-birth'],
    ['AC', 'AW', 'mother', 'blood'],
  ] as const)('%s → %s is "%s" (%s)', async (from, to, name, kind) => {
    const tree = await read(...LINKED);
    expect(rel(tree, from, to)).toMatchObject({ kind, name });
  });

  it('a non-birth link is never counted as blood: the kinship says which links it went through', async () => {
    const tree = await read(...LINKED);
    expect(rel(tree, 'A', 'W')).toEqual({
      kind: 'non-birth',
      name: 'adoptive mother',
      up: 1,
      down: 0,
      half: false,
      commonAncestors: [at(tree, 'W')],
      links: ['adopted'],
    });
    expect(rel(tree, 'C', 'SGM')).toMatchObject({ kind: 'non-birth', up: 2, down: 0, links: ['step'] });
    // K and SD share S, K by a step link: a stepsister, never a half-sister.
    expect(rel(tree, 'K', 'SD')).toMatchObject({ kind: 'non-birth', half: true, links: ['step'] });
  });

  it('an adoptive mother who married the birth father is the adoptive mother, not a stepmother; without the adoption she is the stepmother', async () => {
    const family = (pedi: string[]) =>
      read(
        ...person('F', 'Fred /N/', 'M', '1 FAMS @F1@', '1 FAMS @F2@'),
        ...person('M1', 'Mona /N/', 'F', '1 FAMS @F1@'),
        ...person('M2', 'Nina /N/', 'F', '1 FAMS @F2@'),
        ...person('C', 'Cody /N/', 'M', '1 FAMC @F1@', '1 FAMC @F2@', ...pedi),
        '0 @F1@ FAM',
        '1 HUSB @F@',
        '1 WIFE @M1@',
        '1 CHIL @C@',
        '0 @F2@ FAM',
        '1 HUSB @F@',
        '1 WIFE @M2@',
      );
    const adopted = await family(['2 _FREL Natural', '2 _MREL Adopted']);
    expect(rel(adopted, 'C', 'M2')).toMatchObject({ kind: 'non-birth', name: 'adoptive mother' });
    expect(rel(adopted, 'C', 'F')).toMatchObject({ kind: 'blood', name: 'father' });
    const married = await family([]);
    // Without a link in F2, C is a birth child of F2 too (as the file says): make it only F1's.
    const onlyF1 = await read(
      ...person('F', 'Fred /N/', 'M', '1 FAMS @F1@', '1 FAMS @F2@'),
      ...person('M1', 'Mona /N/', 'F', '1 FAMS @F1@'),
      ...person('M2', 'Nina /N/', 'F', '1 FAMS @F2@'),
      ...person('C', 'Cody /N/', 'M', '1 FAMC @F1@'),
      '0 @F1@ FAM',
      '1 HUSB @F@',
      '1 WIFE @M1@',
      '1 CHIL @C@',
      '0 @F2@ FAM',
      '1 HUSB @F@',
      '1 WIFE @M2@',
    );
    expect(rel(married, 'C', 'M2')).toMatchObject({ kind: 'blood', name: 'mother' });
    expect(rel(onlyF1, 'C', 'M2')).toMatchObject({ kind: 'marriage', name: 'stepmother' });
  });

  it('the relationship path shows which link it went through, in the ladder, the API view and the printed result', async () => {
    const tree = await read(...LINKED);
    const l = ladder(tree, at(tree, 'C'), at(tree, 'SGM'));
    expect(l.steps.map((s) => [s.id, s.relationship, s.link])).toEqual([
      ['C', 'self', undefined],
      ['P', 'father', undefined],
      ['SGM', 'step-grandmother', 'step'],
    ]);
    const adoptive = ladder(tree, at(tree, 'B'), at(tree, 'A'));
    expect(adoptive.steps.map((s) => [s.id, s.relationship, s.link])).toEqual([
      ['B', 'self', undefined],
      ['H', 'father', undefined],
      ['A', 'adopted brother', 'adopted'],
    ]);
    // The view runs from the person to the home person; each step's link is to the one before.
    const view = ladderView(tree, at(tree, 'A'), at(tree, 'B'));
    expect(view).toMatchObject({ relationship: 'adopted brother', kind: 'non-birth' });
    expect(view.steps.map((s) => [s.id, s.link])).toEqual([
      ['A', undefined],
      ['H', 'adopted'],
      ['B', undefined],
    ]);
    const family = familyView(tree, at(tree, 'K'));
    expect(family.parents.map((p) => [p.id, p.link])).toEqual([
      ['S', 'step'],
      ['M', undefined],
    ]);
    expect(familyView(tree, at(tree, 'S')).children.map((p) => [p.id, p.link])).toEqual([
      ['K', 'step'],
      ['SD', undefined],
    ]);
    const a = tree.person(at(tree, 'A'));
    const result = {
      criteria: { given: 'Amos' },
      candidates: 1,
      totalMatches: 1,
      pagesFetched: 1,
      ms: 1,
      ranked: [{ person: personView(a), score: { total: 25, max: 25, lines: [] }, confidence: 'fair' }],
      details: [{ person: personView(a), family: familyView(tree, at(tree, 'A')), ladder: view }],
    } as unknown as ResearchResult;
    const text = formatResult(result).join('\n');
    expect(text).toContain('Parents:  Henry Hale [by adoption]; Wilma Hale [by adoption]');
    expect(text).toContain('Relationship path from Amos Hale to Bert Hale: adopted brother');
    expect(text).toMatch(
      /1\. Amos Hale - adopted brother\n {7}\| linked by adoption\n {4}2\. Henry Hale - father\n {4}3\. Bert Hale - self/,
    );
  });

  it.each([
    [1, 0, 'M', ['adopted'], [], 'adoptive father'],
    [0, 1, 'F', [], ['adopted'], 'adopted daughter'],
    [2, 0, 'F', ['step'], [], 'step-grandmother'],
    [1, 1, 'M', [], ['step'], 'stepbrother'],
    [1, 2, 'F', ['step'], [], 'step-niece'],
    [0, 1, 'M', [], ['foster'], 'foster son'],
    [2, 2, 'U', ['foster'], [], 'foster first cousin'],
    [1, 0, 'F', ['guardian'], [], 'guardian'],
    [0, 1, 'F', [], ['guardian'], 'ward'],
    [2, 0, 'M', ['guardian'], [], 'grandfather by guardianship'],
    [1, 0, 'M', ['sealed'], [], 'father by sealing'],
    [1, 0, 'M', ['other'], [], 'father (not by birth)'],
    [1, 1, 'F', ['adopted'], ['step'], 'stepsister'],
    [1, 1, 'F', [], ['adopted'], 'adopted sister'],
  ] as const)('linkedName(up %i, down %i, %s, %j, %j) is "%s"', (up, down, sex, upLinks, downLinks, name) => {
    expect(linkedName(up, down, sex, false, upLinks, downLinks)).toBe(name);
  });
});

describe('alternate names (issue 13, item 5)', () => {
  const NAMES = [
    ...person(
      'I1',
      'Mary /Smith/',
      'F',
      '1 NAME Mary /Jones/',
      '2 TYPE married',
      '1 NAME Polly /Smith/',
      '2 TYPE aka',
      '1 NAME Mary /Smith/',
    ),
    ...person('I2', 'John /Jones/', 'M'),
    ...person('I3', 'Maria /de MEDICIS/', 'F', '1 NAME', '2 GIVN Marie', '2 SPFX de', '2 SURN Médicis'),
  ];

  it('the first NAME is the primary name; the others are kept as alternates (a repeat of the primary is not)', async () => {
    const tree = await read(...NAMES);
    expect(tree.person(0)).toMatchObject({
      given: 'Mary',
      surname: 'Smith',
      alternateNames: [
        { given: 'Mary', surname: 'Jones' },
        { given: 'Polly', surname: 'Smith' },
      ],
    });
    expect(tree.person(1).alternateNames).toBeUndefined();
    expect(tree.person(2)).toMatchObject({
      given: 'Maria',
      surname: 'de MEDICIS',
      alternateNames: [{ given: 'Marie', surname: 'de Médicis' }],
    });
    expect(personView(tree.person(0)).alternateNames).toEqual([
      { given: 'Mary', surname: 'Jones' },
      { given: 'Polly', surname: 'Smith' },
    ]);
    expect(personView(tree.person(1))).not.toHaveProperty('alternateNames');
  });

  it('search finds people by their alternate names, once each, with both name filters matching one name', async () => {
    const tree = await read(...NAMES);
    const index = new SearchIndex(tree);
    const ids = (q: Parameters<SearchIndex['search']>[0]) => {
      const page = index.search(q, 1, 50);
      return { ids: page.people.map((i) => tree.person(i).id), total: page.total };
    };
    expect(ids({ surname: 'Jones' })).toEqual({ ids: ['I1', 'I2'], total: 2 });
    expect(ids({ given: 'Mary', surname: 'Jones' })).toEqual({ ids: ['I1'], total: 1 });
    expect(ids({ given: 'Polly' })).toEqual({ ids: ['I1'], total: 1 });
    expect(ids({ given: 'Polly', surname: 'Smith' })).toEqual({ ids: ['I1'], total: 1 });
    // Polly is only ever a Smith: Polly Jones is not one of her names.
    expect(ids({ given: 'Polly', surname: 'Jones' })).toEqual({ ids: [], total: 0 });
    expect(ids({ surname: 'medicis' })).toEqual({ ids: ['I3'], total: 1 });
    expect(ids({ given: 'marie', surname: 'medicis' })).toEqual({ ids: ['I3'], total: 1 });
    // Both the primary and an alternate are Smith: listed once.
    expect(ids({ surname: 'smith' })).toEqual({ ids: ['I1'], total: 1 });
    expect(ids({ given: 'ma', sex: 'F' })).toEqual({ ids: ['I1', 'I3'], total: 2 });
  });

  it('scoring uses the name that matches best and says when it is not the primary one', async () => {
    const tree = await read(...NAMES);
    const mary = tree.person(0);
    const score = scoreCandidate({ given: 'Mary', surname: 'Jones' }, mary);
    expect(
      score.lines.filter((l) => l.rule === 'givenContains' || l.rule === 'surnameContains' || l.rule === 'bothNames').map((l) => l.why),
    ).toEqual([
      'given name contains "Mary" (other name "Mary Jones")',
      'surname contains "Jones" (other name "Mary Jones")',
      'both names match (other name "Mary Jones")',
    ]);
    const primary = scoreCandidate({ given: 'Mary', surname: 'Smith' }, mary);
    expect(primary.lines.find((l) => l.rule === 'bothNames')?.why).toBe('both names match');
  });
});

describe('half-siblings from each child’s own links', () => {
  // One family, as Family Tree Maker and RootsMagic write it: the wife's son by birth, and her
  // daughter whose link to the husband is step (_FREL) or who was adopted by the husband alone (ADOP HUSB).
  const FAMILY = [
    ...person('H', 'Hal /Hart/', 'M', '1 FAMS @F1@'),
    ...person('W', 'Wyn /Hart/', 'F', '1 FAMS @F1@'),
    ...person('B', 'Ben /Hart/', 'M', '1 FAMC @F1@', '1 FAMS @F2@'),
    ...person('S', 'Sue /Hart/', 'F', '1 FAMC @F1@', '1 FAMS @F3@'),
    ...person('A', 'Ada /Hart/', 'F', '1 FAMC @F1@', '1 ADOP', '2 FAMC @F1@', '3 ADOP HUSB'),
    ...person('BC', 'Bea /Hart/', 'F', '1 FAMC @F2@'),
    ...person('SC', 'Sid /Cole/', 'M', '1 FAMC @F3@'),
    '0 @F1@ FAM',
    '1 HUSB @H@',
    '1 WIFE @W@',
    '1 CHIL @B@',
    '1 CHIL @S@',
    '2 _FREL Step',
    '2 _MREL Natural',
    '1 CHIL @A@',
    '0 @F2@ FAM',
    '1 HUSB @B@',
    '1 CHIL @BC@',
    '0 @F3@ FAM',
    '1 WIFE @S@',
    '1 CHIL @SC@',
  ];

  it('a child whose link to the husband is step is a half-sibling of his birth child, and their children half first cousins', async () => {
    const tree = await read(...FAMILY);
    expect(rel(tree, 'B', 'S')).toMatchObject({ kind: 'blood', name: 'half-sister', half: true });
    expect(rel(tree, 'S', 'B')).toMatchObject({ kind: 'blood', name: 'half-brother', half: true });
    expect(rel(tree, 'BC', 'SC')).toMatchObject({ kind: 'blood', half: true, up: 2, down: 2 });
    expect(rel(tree, 'S', 'H')).toMatchObject({ kind: 'non-birth', name: 'stepfather' });
  });

  it('a child adopted by the husband alone is a half-sibling of his birth children (ADOP HUSB)', async () => {
    const tree = await read(...FAMILY);
    expect(rel(tree, 'B', 'A')).toMatchObject({ kind: 'blood', name: 'half-sister', half: true });
    expect(rel(tree, 'A', 'H')).toMatchObject({ kind: 'non-birth', name: 'adoptive father' });
    expect(rel(tree, 'A', 'W')).toMatchObject({ kind: 'blood', name: 'mother' });
  });

  it('children of one family with both parents by birth stay full siblings; one recorded parent is not evidence of two', async () => {
    const tree = await read(
      ...person('P', 'Pat /Long/', 'M', '1 FAMS @F1@'),
      ...person('Q', 'Quin /Long/', 'F', '1 FAMS @F1@'),
      ...person('X', 'Xavi /Long/', 'M', '1 FAMC @F1@'),
      ...person('Y', 'Yara /Long/', 'F', '1 FAMC @F1@'),
      ...person('L', 'Lone /Long/', 'F', '1 FAMS @F2@'),
      ...person('U', 'Uma /Long/', 'F', '1 FAMC @F2@'),
      ...person('V', 'Vic /Long/', 'M', '1 FAMC @F2@'),
      '0 @F1@ FAM',
      '1 HUSB @P@',
      '1 WIFE @Q@',
      '1 CHIL @X@',
      '1 CHIL @Y@',
      '0 @F2@ FAM',
      '1 WIFE @L@',
      '1 CHIL @U@',
      '1 CHIL @V@',
    );
    expect(rel(tree, 'X', 'Y')).toMatchObject({ name: 'sister', half: false });
    expect(rel(tree, 'U', 'V')).toMatchObject({ name: 'brother', half: false });
  });
});
