import { describe, expect, it } from 'vitest';
import { readGedcom } from '../../support/gedcom-round-trip.js';
import { bloodName, ladder, relationship } from '../../../src/genealogy/kinship.js';
import type { FamilyTree } from '../../../src/genealogy/tree.js';
import { at, expectedRelations, familyGedcom } from './family-fixture.js';

async function family(): Promise<FamilyTree> {
  const { tree, diagnostics } = await readGedcom({ text: familyGedcom() });
  expect(diagnostics).toEqual([]);
  return tree;
}

describe('kinship calculator on a hand-built family', () => {
  it.each(expectedRelations)('%s is "%s" to ME, and ME is "%s" to them', async (other, toMe, fromMe) => {
    const tree = await family();
    expect(relationship(tree, at(tree, 'ME'), at(tree, other)).name).toBe(toMe);
    expect(relationship(tree, at(tree, other), at(tree, 'ME')).name).toBe(fromMe);
  });

  it('a person is "self"', async () => {
    const tree = await family();
    expect(relationship(tree, at(tree, 'ME'), at(tree, 'ME'))).toEqual({ kind: 'self', name: 'self' });
  });

  it('the ladder runs through the nearest common ancestor, each step named relative to the start', async () => {
    const tree = await family();
    const l = ladder(tree, at(tree, 'ME'), at(tree, 'SC'));
    expect(l.steps.map((s) => [s.id, s.relationship])).toEqual([
      ['ME', 'self'],
      ['F', 'father'],
      ['GF', 'grandfather'],
      ['GGF', 'great-grandfather'],
      ['GU', 'great-uncle'],
      ['GUC', 'first cousin once removed'],
      ['SC', 'second cousin'],
    ]);
    expect(l.steps[1]).toMatchObject({ name: 'Robert Doe', lifespan: 'abt 1920–1990' });
    expect(l.steps[3]).toMatchObject({ lifespan: 'b. bet 1855–1860' });
    expect(l.kinship).toMatchObject({ kind: 'blood', up: 3, down: 3, half: false });
    if (l.kinship.kind === 'blood') expect(l.kinship.commonAncestors.map((i) => tree.person(i).id).sort()).toEqual(['GGF', 'GGM']);
  });

  it('the ladder to a relative by marriage goes through the spouse', async () => {
    const tree = await family();
    expect(ladder(tree, at(tree, 'ME'), at(tree, 'WB')).steps.map((s) => [s.id, s.relationship])).toEqual([
      ['ME', 'self'],
      ['W', 'wife'],
      ['WF', 'father of wife'],
      ['WB', 'brother-in-law'],
    ]);
    expect(ladder(tree, at(tree, 'ME'), at(tree, 'BW')).steps.map((s) => s.id)).toEqual(['ME', 'F', 'B', 'BW']);
  });

  it('unrelated people get "not related" and an empty ladder', async () => {
    const tree = await family();
    expect(ladder(tree, at(tree, 'ME'), at(tree, 'X'))).toEqual({ kinship: { kind: 'none', name: 'not related' }, steps: [] });
  });

  it('a single recorded parent does not make a sibling "half"', async () => {
    // Two children of one family whose mother is not recorded are full siblings by record.
    const { tree } = await readGedcom({
      text: [
        '0 HEAD',
        '0 @A@ INDI',
        '1 NAME A //',
        '1 SEX M',
        '0 @B@ INDI',
        '1 NAME B //',
        '1 SEX F',
        '0 @C@ INDI',
        '1 NAME C //',
        '1 SEX M',
        '0 @F@ FAM',
        '1 HUSB @A@',
        '1 CHIL @B@',
        '1 CHIL @C@',
        '0 TRLR',
      ].join('\n'),
    });
    expect(relationship(tree, at(tree, 'B'), at(tree, 'C')).name).toBe('brother');
  });

  it('bounded work: walking up stops at maxGenerations', async () => {
    const tree = await family();
    expect(relationship(tree, at(tree, 'GGGS'), at(tree, 'GGGF'), { maxGenerations: 3 }).name).toBe('not related');
    expect(relationship(tree, at(tree, 'GGGS'), at(tree, 'GGGF')).name).toBe('6th great-grandfather'); // 8 generations up
  });
});

describe('bloodName', () => {
  it.each([
    [1, 0, 'M', false, 'father'],
    [2, 0, 'F', false, 'grandmother'],
    [5, 0, 'M', false, '3rd great-grandfather'],
    [0, 1, 'U', false, 'child'],
    [0, 4, 'F', false, '2nd great-granddaughter'],
    [1, 1, 'U', true, 'half-sibling'],
    [1, 3, 'F', false, 'great-niece'],
    [1, 4, 'M', false, '2nd great-nephew'],
    [3, 1, 'F', false, 'great-aunt'],
    [2, 2, 'M', true, 'half-first cousin'],
    [3, 4, 'F', false, 'second cousin once removed'],
    [2, 5, 'M', false, 'first cousin 3 times removed'],
    [5, 3, 'M', false, 'second cousin twice removed'],
    [13, 13, 'M', false, '12th cousin'],
  ] as const)('up %i, down %i, sex %s, half %s → %s', (up, down, sex, half, name) => {
    expect(bloodName(up, down, sex, half)).toBe(name);
  });
});
