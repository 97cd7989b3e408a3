import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readGedcom } from '../../support/gedcom-round-trip.js';
import { ladder } from '../../../src/genealogy/kinship.js';
import { gedcomLines, generateTree } from '../../../src/genealogy/synthetic.js';

const hash = (lines: Iterable<string>): string => {
  const h = createHash('sha256');
  for (const line of lines) h.update(`${line}\n`);
  return h.digest('hex');
};

describe('synthetic tree generator', () => {
  it('is deterministic: the same seed and size give the same GEDCOM, another seed another', () => {
    const a = generateTree({ people: 2000, seed: 42 });
    const b = generateTree({ people: 2000, seed: 42 });
    const c = generateTree({ people: 2000, seed: 43 });
    expect(hash(gedcomLines(a.tree))).toBe(hash(gedcomLines(b.tree)));
    expect(hash(gedcomLines(a.tree))).not.toBe(hash(gedcomLines(c.tree)));
    expect(a.referencePerson).toBe(b.referencePerson);
  });

  it('makes exactly N people over realistic generations, with remarriages and half-siblings', () => {
    const { tree, referencePerson } = generateTree({ people: 5000, seed: 3 });
    expect(tree.size).toBe(5000);
    let withParents = 0;
    let halfSiblings = 0;
    let remarried = 0;
    for (let i = 0; i < tree.size; i++) {
      const p = tree.person(i);
      expect(p.given).not.toBe('');
      expect(p.surname).not.toBe('');
      expect(['M', 'F']).toContain(p.sex);
      const born = p.birth?.date?.year as number;
      expect(born).toBeGreaterThanOrEqual(1680);
      expect(born).toBeLessThanOrEqual(2025);
      if (p.death?.date) expect(p.death.date.year).toBeGreaterThanOrEqual(born);
      const parents = tree.parents(i);
      if (parents.length > 0) {
        withParents++;
        for (const q of parents) {
          const pb = tree.person(q).birth?.date?.year as number;
          expect(born - pb).toBeGreaterThanOrEqual(14);
          expect(born - pb).toBeLessThanOrEqual(65);
        }
        if (p.surname !== tree.person(parents.find((q) => tree.person(q).sex === 'M') ?? (parents[0] as number)).surname)
          throw new Error(`${p.id} does not carry the father's surname`);
      }
      if (tree.siblings(i).half.length > 0) halfSiblings++;
      if (tree.spouses(i).length > 1) remarried++;
    }
    expect(withParents / tree.size).toBeGreaterThan(0.6);
    expect(halfSiblings).toBeGreaterThan(0);
    expect(remarried).toBeGreaterThan(0);
    // The home person has a deep ancestry, so ladders to it are interesting.
    expect(tree.parents(referencePerson)).toHaveLength(2);
  });

  it('round-trips through GEDCOM with no diagnostics, and kinship works on it', async () => {
    const { tree, referencePerson } = generateTree({ people: 3000, seed: 9 });
    const text = [...gedcomLines(tree)].join('\n');
    const back = await readGedcom({ text });
    expect(back.diagnostics).toEqual([]);
    expect(back.version).toBe('5.5.1');
    expect(back.tree.size).toBe(tree.size);
    expect(back.tree.families.length).toBe(tree.families.length);
    for (const i of [0, 1, 100, 2999, referencePerson]) {
      expect(back.tree.person(i)).toEqual(tree.person(i));
      expect(back.tree.parents(i)).toEqual(tree.parents(i));
    }
    const grandparent = tree.parents(tree.parents(referencePerson)[0] as number)[0] as number;
    expect(ladder(back.tree, referencePerson, grandparent).kinship.name).toMatch(/^grand(father|mother)$/);
  });

  it('rejects a size below 2', () => {
    expect(() => generateTree({ people: 1 })).toThrow(/people must be an integer ≥ 2/);
  });
});
