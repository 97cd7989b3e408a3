/**
 * A hand-built family around "Me" (I1) with every relationship the kinship calculator names, as
 * GEDCOM text. Ids are short names so the tests read like the family.
 */
import type { FamilyTree } from '../../../src/genealogy/tree.js';

/** The person number of `id`, or a failed test naming it. */
export const at = (tree: FamilyTree, id: string): number => {
  const i = tree.indexOf(id);
  if (i === undefined) throw new Error(`no ${id}`);
  return i;
};

type Sex = 'M' | 'F';
const people: [id: string, name: string, sex: Sex, extra?: string][] = [
  ['ME', 'John /Doe/', 'M', '1 BIRT\n2 DATE 12 MAY 1950\n2 PLAC Leeds, Yorkshire, England'],
  ['F', 'Robert /Doe/', 'M', '1 BIRT\n2 DATE ABT 1920\n1 DEAT\n2 DATE 3 MAR 1990'],
  ['M', 'Mary /Smith/', 'F', '1 BIRT\n2 DATE 1922'],
  ['GF', 'William /Doe/', 'M', '1 BIRT\n2 DATE BEF 1890'],
  ['GM', 'Ann /Brown/', 'F'],
  ['GGF', 'Thomas /Doe/', 'M', '1 BIRT\n2 DATE BET 1855 AND 1860'],
  ['GGM', 'Jane /Grey/', 'F'],
  ['GGGF', 'George /Doe/', 'M', '1 BIRT\n2 DATE 1830'],
  ['GGGM', 'Ellen /Hart/', 'F'],
  ['U', 'Henry /Doe/', 'M'],
  ['UW', 'Clara /Reed/', 'F'],
  ['A', 'Alice /Doe/', 'F'],
  ['C1', 'Ruth /Doe/', 'F'],
  ['C1H', 'Paul /Vine/', 'M'],
  ['C1R', 'Mark /Vine/', 'M'],
  ['GU', 'Edward /Doe/', 'M'],
  ['GUC', 'Lucy /Doe/', 'F'],
  ['SC', 'Peter /Lane/', 'M'],
  ['B', 'James /Doe/', 'M'],
  ['BW', 'Susan /Cole/', 'F'],
  ['N', 'David /Doe/', 'M'],
  ['GN', 'Adam /Doe/', 'M'],
  ['HS', 'Emma /Doe/', 'F'],
  ['F2W', 'Joan /Hill/', 'F'],
  ['HU', 'Frank /Doe/', 'M'],
  ['GF2', 'Rose /Mill/', 'F'],
  ['W', 'Kate /Field/', 'F'],
  ['WF', 'Arthur /Field/', 'M'],
  ['WM', 'Edith /Field/', 'F'],
  ['WB', 'Harry /Field/', 'M'],
  ['WEX', 'Victor /Ash/', 'M'],
  ['SS', 'Oscar /Ash/', 'M'],
  ['S', 'Michael /Doe/', 'M'],
  ['SW', 'Laura /Penn/', 'F'],
  ['GS', 'Daniel /Doe/', 'M'],
  ['GGS', 'Samuel /Doe/', 'M'],
  ['GGGS', 'Noah /Doe/', 'M'],
  ['X', 'Zoe /Stranger/', 'F'],
];
const families: [id: string, husband: string | null, wife: string | null, children: string[]][] = [
  ['FM1', 'F', 'M', ['ME', 'B']],
  ['FM2', 'GF', 'GM', ['F', 'U', 'A']],
  ['FM3', 'F', 'F2W', ['HS']],
  ['FM4', 'GGF', 'GGM', ['GF', 'GU']],
  ['FM5', 'GF', 'GF2', ['HU']],
  ['FM6', 'GGGF', 'GGGM', ['GGF']],
  ['FM7', 'U', 'UW', ['C1']],
  ['FM8', 'C1H', 'C1', ['C1R']],
  ['FM9', 'GU', null, ['GUC']],
  ['FM11', null, 'GUC', ['SC']],
  ['FM12', 'B', 'BW', ['N']],
  ['FM13', 'N', null, ['GN']],
  ['FM10', 'ME', 'W', ['S']],
  ['FM14', 'WF', 'WM', ['W', 'WB']],
  ['FM15', 'WEX', 'W', ['SS']],
  ['FM16', 'S', 'SW', ['GS']],
  ['FM17', 'GS', null, ['GGS']],
  ['FM18', 'GGS', null, ['GGGS']],
];

export function familyGedcom(): string {
  const lines = ['0 HEAD', '1 SOUR TEST', '1 GEDC', '2 VERS 5.5.1', '2 FORM LINEAGE-LINKED', '1 CHAR UTF-8'];
  for (const [id, name, sex, extra] of people) {
    lines.push(`0 @${id}@ INDI`, `1 NAME ${name}`, `1 SEX ${sex}`);
    if (extra) lines.push(extra);
    for (const [fid, h, w, kids] of families) {
      if (h === id || w === id) lines.push(`1 FAMS @${fid}@`);
      if (kids.includes(id)) lines.push(`1 FAMC @${fid}@`);
    }
  }
  for (const [fid, h, w, kids] of families) {
    lines.push(`0 @${fid}@ FAM`);
    if (h) lines.push(`1 HUSB @${h}@`);
    if (w) lines.push(`1 WIFE @${w}@`);
    for (const k of kids) lines.push(`1 CHIL @${k}@`);
  }
  lines.push('0 TRLR');
  return lines.join('\n');
}

/** [other, what other is to ME, what ME is to other]. */
export const expectedRelations: [string, string, string][] = [
  ['F', 'father', 'son'],
  ['M', 'mother', 'son'],
  ['GF', 'grandfather', 'grandson'],
  ['GGF', 'great-grandfather', 'great-grandson'],
  ['GGGF', '2nd great-grandfather', '2nd great-grandson'],
  ['U', 'uncle', 'nephew'],
  ['A', 'aunt', 'nephew'],
  ['C1', 'first cousin', 'first cousin'],
  ['C1R', 'first cousin once removed', 'first cousin once removed'],
  ['GU', 'great-uncle', 'great-nephew'],
  ['GUC', 'first cousin once removed', 'first cousin once removed'],
  ['SC', 'second cousin', 'second cousin'],
  ['B', 'brother', 'brother'],
  ['N', 'nephew', 'uncle'],
  ['GN', 'great-nephew', 'great-uncle'],
  ['HS', 'half-sister', 'half-brother'],
  ['HU', 'half-uncle', 'half-nephew'],
  ['S', 'son', 'father'],
  ['GS', 'grandson', 'grandfather'],
  ['GGS', 'great-grandson', 'great-grandfather'],
  ['GGGS', '2nd great-grandson', '2nd great-grandfather'],
  ['W', 'wife', 'husband'],
  ['F2W', 'stepmother', 'stepson'],
  ['WF', 'father-in-law', 'son-in-law'],
  ['WM', 'mother-in-law', 'son-in-law'],
  ['WB', 'brother-in-law', 'brother-in-law'],
  ['BW', 'sister-in-law', 'brother-in-law'],
  ['SW', 'daughter-in-law', 'father-in-law'],
  ['SS', 'stepson', 'stepfather'],
  ['UW', 'aunt by marriage', 'nephew by marriage'],
  ['X', 'not related', 'not related'],
];
