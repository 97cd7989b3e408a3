#!/usr/bin/env node
/**
 * Relationship names from browser-actor's kinship calculator against Gramps's (the reference
 * calculator of the Gramps genealogy program, `apt-get install gramps`), on:
 *   - every family tree the genealogy tests read (run with GEDCOM_DUMP_DIR, which the tests'
 *     round-trip helper fills): every ordered pair of people;
 *   - examples/family.ged and a synthetic tree with adoptive, step, foster and other links:
 *     pairs of people within 6 links of each other (parents, children, spouses), from seeded starts.
 * The trees are numbered I1…In (several small ones one after another in one file), written as GEDCOM 5.5.1 (gedcomLines: PEDI, _FREL/_MREL), imported
 * into a fresh Gramps database, and each pair named by both. The two name the same relations in
 * different words ("great-aunt" is Gramps's "grandaunt", "3 times" its "three times", Gramps adds
 * "(up)"/"(down)" to removed cousins): names are compared after a canonical rewrite that changes
 * words, never meaning. Relations Gramps leaves unnamed (it names no relation through a spouse's
 * blood relatives) are counted apart.
 *
 * Where two relations hold (cousins who married; a blood relation and a nearer one through an
 * adoptive or step link), Gramps names the nearer and this calculator the blood one first (then
 * the nearer of marriage and other links): such pairs are counted apart, as is a relation Gramps
 * words less precisely (it calls every link other than birth "step", siblings of one family
 * "brother" whatever their links, a half-uncle "uncle").
 *
 * Usage: npm run build && node scripts/compare-kinship-gramps.mjs [--pairs=N] [--skip-tests] [--raw=FILE] [--from=FILE]
 * Prints a table per tree and every disagreement (--raw: every pair, as JSON lines; --from: sort
 * the pairs of such a file again, without Gramps); exits 1 when there is a disagreement.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { readGedcom } = await import(join(root, 'dist/genealogy/gedcom.js'));
const { relationship } = await import(join(root, 'dist/genealogy/kinship.js'));
const { gedcomLines, generateTree } = await import(join(root, 'dist/genealogy/synthetic.js'));
const { TreeBuilder } = await import(join(root, 'dist/genealogy/tree.js'));

const args = process.argv.slice(2);
const maxPairs = Number(/--pairs=(\d+)/.exec(args.join(' '))?.[1] ?? 1500);
const rawFile = /--raw=(\S+)/.exec(args.join(' '))?.[1];
const from = /--from=(\S+)/.exec(args.join(' '))?.[1];
const raw = rawFile ? [] : undefined;
const work = mkdtempSync(join(tmpdir(), 'kinship-gramps-'));
const env = { ...process.env, GRAMPSHOME: join(work, 'home') };
mkdirSync(env.GRAMPSHOME);

/** Pairs to name: all of a small tree; of a large one, people within 6 links of seeded starts. */
function pairsOf(tree, max = maxPairs) {
  const n = tree.size;
  const pairs = [];
  if (n <= 40) {
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) pairs.push([a, b]);
    return pairs;
  }
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // Bounded: a tree whose people are mostly unlinked yields few pairs.
  for (let tries = 0; pairs.length < max && tries < max * 20; tries++) {
    const a = Math.floor(random() * n);
    const seen = new Set([a]);
    let frontier = [a];
    for (let d = 0; d < 6; d++) {
      const next = [];
      for (const x of frontier)
        for (const y of [...tree.parents(x), ...tree.children(x), ...tree.spouses(x)]) if (!seen.has(y)) (seen.add(y), next.push(y));
      frontier = next;
    }
    for (const b of seen) if (b !== a && pairs.length < max && random() < 0.3) pairs.push([a, b]);
  }
  return pairs;
}

const NUMBER = {
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};

/** One wording for a relation: lower case, no hyphens, numbers as digits, aunts and uncles counted the same way. */
function canonical(name) {
  let s = name.toLowerCase().trim();
  if (s === '' || s === 'not related') return 'not related';
  s = s
    .replace(/ \((up|down)\)$/, '')
    .replace(/-/g, ' ')
    .replace(/\s+/g, ' ');
  s = s.replace(/\b(three|four|five|six|seven|eight|nine|ten|eleven|twelve) times removed/, (_, w) => `${NUMBER[w]} times removed`);
  s = s
    .replace(/\b(\d+)(?:st|nd|rd|th) great/, '$1 great')
    .replace(/\b(second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth) great/, (_, w) => `${NUMBER[w]} great`);
  // Gramps: grandaunt (a grandparent's sister), great grandaunt, 2 great grandaunt; here: great-aunt, 2nd great-aunt, 3rd great-aunt.
  s = s.replace(/^(?:(\d+) )?(great )?grand(aunt|uncle|niece|nephew)$/, (_, n, great, who) => {
    const level = n ? Number(n) + 1 : great ? 2 : 1;
    return level === 1 ? `great ${who}` : `${level} great ${who}`;
  });
  return s;
}

const NEUTRAL = {
  father: 'parent',
  mother: 'parent',
  son: 'child',
  daughter: 'child',
  brother: 'sibling',
  sister: 'sibling',
  uncle: 'pibling',
  aunt: 'pibling',
  nephew: 'nibling',
  niece: 'nibling',
  husband: 'spouse',
  wife: 'spouse',
  partner: 'spouse',
  grandfather: 'grandparent',
  grandmother: 'grandparent',
  grandson: 'grandchild',
  granddaughter: 'grandchild',
  guardian: 'parent',
  ward: 'child',
};

/**
 * The relation with the distinctions Gramps does not make taken out: Gramps names every link
 * other than birth "step" (our adoptive, adopted, foster, by sealing, guardian/ward, "(not by
 * birth)"), has no half- for aunts, uncles, nieces and nephews, calls a spouse in a family with no
 * stated kind "partner", and a parent or child of unknown sex "first ancestor"/"first descendant".
 */
function coarse(name) {
  let s = canonical(name);
  if (s === 'not related') return s;
  s = s.replace(/^first (step)?ancestor$/, '$1parent').replace(/^first (step)?descendant$/, '$1child');
  let nonBirth = false;
  if (/ \(not by birth\)$| by (sealing|guardianship)$/.test(s)) {
    nonBirth = true;
    s = s.replace(/ \(not by birth\)$| by (sealing|guardianship)$/, '');
  }
  // Gramps writes step inside the word: "first stepcousin", "great stepgrandmother".
  if (/\w+ step\w/.test(s)) {
    nonBirth = true;
    s = s.replace(/(\w+ )step(?=\w)/, '$1');
  }
  if (/^(adoptive|adopted|foster|step) /.test(s)) {
    nonBirth = true;
    s = s.replace(/^(adoptive|adopted|foster|step) /, '');
  } else if (/^step\w/.test(s)) {
    nonBirth = true;
    s = s.slice(4);
  }
  if (/^(guardian|ward)$/.test(s)) nonBirth = true;
  s = canonical(s); // "great grandniece", once "step" is out, is counted as the aunts and uncles are
  s = s.replace(/^half /, '');
  s = s
    .split(' ')
    .map((w) => NEUTRAL[w] ?? w)
    .join(' ');
  return nonBirth ? `step ${s}` : s;
}

/** Run Gramps on a GEDCOM text and pairs of ids; the names it gives, by "A B". */
function gramps(name, text, pairs) {
  const file = join(work, `${name}.ged`);
  writeFileSync(file, text);
  const imported = spawnSync('gramps', ['-C', name, '-i', file], { env, encoding: 'utf8', timeout: 600_000 });
  if (!/No errors detected|Cleaning up/.test(imported.stdout + imported.stderr))
    throw new Error(`gramps import of ${name} failed: ${(imported.stdout + imported.stderr).slice(-500)}`);
  // Gramps numbers a GEDCOM @I12@ as I0012.
  const input = pairs.map(([a, b]) => `I${String(a).padStart(4, '0')} I${String(b).padStart(4, '0')}`).join('\n');
  const run = spawnSync('/usr/bin/python3', [join(root, 'scripts/gramps-relationships.py'), name], {
    env,
    input,
    encoding: 'utf8',
    timeout: 3_600_000,
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) throw new Error(`gramps-relationships.py failed: ${run.stderr.slice(-800)}`);
  const names = new Map();
  for (const line of run.stdout.split('\n')) {
    const [a, b, rel] = line.split('\t');
    if (b !== undefined) names.set(`${Number(a.slice(1))} ${Number(b.slice(1))}`, rel ?? '');
  }
  return names;
}

/** Compare one tree (or several small ones side by side in one database). */
function compare(label, trees, max = maxPairs) {
  // Several trees in one file: numbered one after another.
  const b = new TreeBuilder();
  const pairs = [];
  let offset = 0;
  for (const tree of trees) {
    tree.people.forEach((p, i) => b.addPerson({ ...p, id: `I${offset + i + 1}` }));
    tree.families.forEach((f, fi) => {
      const id = `F${offset + fi + 1}`;
      b.addFamily({
        id,
        ...(f.husband === undefined ? {} : { husband: `I${offset + f.husband + 1}` }),
        ...(f.wife === undefined ? {} : { wife: `I${offset + f.wife + 1}` }),
        children: f.children.map((c) => `I${offset + c + 1}`),
      });
      for (const [c, link] of f.links ?? []) b.setChildLink(id, `I${offset + c + 1}`, link);
    });
    for (const [x, y] of pairsOf(tree, max)) pairs.push({ tree, a: x, b: y, ga: offset + x + 1, gb: offset + y + 1 });
    offset += Math.max(tree.size, tree.families.length);
  }
  const all = b.build().tree;
  const names = gramps(
    label.replace(/\W+/g, '-'),
    [...gedcomLines(all)].join('\n'),
    pairs.map((p) => [p.ga, p.gb]),
  );
  // Named by the ids both calculators saw (the file's I<n>), so that a pair can be looked up in either.
  const records = pairs.map((p) => ({
    tree: label,
    a: `I${p.ga}`,
    b: `I${p.gb}`,
    ours: relationship(p.tree, p.a, p.b).name,
    gramps: names.get(`${p.ga} ${p.gb}`) ?? '?',
  }));
  if (raw) for (const r of records) raw.push(JSON.stringify(r));
  return tally(label, records);
}

/** Sort pairs named by both into agreement, Gramps less precise, two relations holding, Gramps naming none, and disagreement. */
function tally(label, records) {
  const result = { label, pairs: records.length, agree: 0, coarser: 0, otherChoice: 0, unnamedByGramps: 0, disagree: [], kinds: new Map() };
  for (const { a, b, ours, gramps: theirs } of records) {
    const kind = (what) =>
      result.kinds.set(
        `${what}: ours "${ours}", Gramps "${theirs}"`,
        (result.kinds.get(`${what}: ours "${ours}", Gramps "${theirs}"`) ?? 0) + 1,
      );
    const stepInGramps = /step/.test(theirs);
    const oursBlood = ours !== 'not related' && !coarse(ours).startsWith('step ') && !/ of |in law|^(husband|wife)$/.test(canonical(ours));
    if (theirs === '' && ours !== 'not related') {
      result.unnamedByGramps++;
      kind('Gramps names none');
    } else if (canonical(ours) === canonical(theirs)) result.agree++;
    else if (
      coarse(ours) === coarse(theirs) ||
      (/^(adoptive|adopted|foster|step) (brother|sister)$|^step(brother|sister)$/.test(canonical(ours)) &&
        /^(brother|sister)$/.test(theirs))
    ) {
      result.coarser++;
      kind('same relation, Gramps less precise');
    } else if (stepInGramps && !coarse(ours).startsWith('step ')) {
      // Two relations hold; Gramps names the one through fewer links even when it goes through a
      // step or adoptive link, this calculator names the blood (or marriage) one first.
      result.otherChoice++;
      kind(
        oursBlood
          ? 'both hold: ours the blood relation, Gramps a nearer one through a link other than birth'
          : 'both hold: ours the relation by marriage, Gramps one through a link other than birth',
      );
    } else if (/^(partner|husband|wife)$/.test(theirs) && oursBlood) {
      result.otherChoice++;
      kind('both hold: ours the blood relation, Gramps the marriage (a couple related by blood)');
    } else {
      result.disagree.push(`${label}: ${a} → ${b}: ours "${ours}", Gramps "${theirs}"`);
      kind('DIFFERENT');
    }
  }
  return result;
}

/** A synthetic tree with links other than birth (every 9th child: adopted, foster, step, guardian, other, by one parent or both). */
function withLinks(size, seed) {
  const { tree } = generateTree({ people: size, seed });
  const b = new TreeBuilder();
  tree.people.forEach((p) => b.addPerson(p));
  const kinds = ['adopted', 'foster', 'step', 'guardian', 'other'];
  let n = 0;
  tree.families.forEach((f) => {
    b.addFamily({
      id: f.id,
      husband: f.husband === undefined ? undefined : tree.person(f.husband).id,
      wife: f.wife === undefined ? undefined : tree.person(f.wife).id,
      children: f.children.map((c) => tree.person(c).id),
    });
    for (const c of f.children) {
      if (++n % 9 !== 0) continue;
      const kind = kinds[(n / 9) % kinds.length];
      b.setChildLink(f.id, tree.person(c).id, Math.floor(n / 45) % 2 === 0 ? { father: kind, mother: kind } : { father: kind });
    }
  });
  return b.build().tree;
}

const results = [];
try {
  if (from) {
    // Sort the pairs of an earlier run again (its --raw file), without Gramps.
    const byTree = new Map();
    for (const line of readFileSync(from, 'utf8').split('\n').filter(Boolean)) {
      const r = JSON.parse(line);
      byTree.set(r.tree, [...(byTree.get(r.tree) ?? []), r]);
    }
    for (const [label, records] of byTree) results.push(tally(label, records));
  } else {
    if (!args.includes('--skip-tests')) {
      const dump = join(work, 'dump');
      mkdirSync(dump);
      const vitest = spawnSync(
        'npx',
        [
          'vitest',
          'run',
          'test/unit/genealogy',
          'test/unit/research.test.ts',
          'test/unit/research-ranking.test.ts',
          'test/integration/research-cli.test.ts',
        ],
        { cwd: root, env: { ...process.env, GEDCOM_DUMP_DIR: dump }, encoding: 'utf8', timeout: 900_000 },
      );
      if (vitest.status !== 0) throw new Error(`the tests failed: ${vitest.stdout.slice(-1500)}`);
      const texts = [...new Set(readdirSync(dump).map((f) => readFileSync(join(dump, f), 'utf8')))];
      const trees = [];
      for (const text of texts) trees.push((await readGedcom({ text })).tree);
      const small = trees.filter((t) => t.size <= 40 && t.size > 1);
      const large = trees.filter((t) => t.size > 40);
      console.error(
        `${texts.length} distinct trees read by the tests: ${small.length} small (every pair), ${large.length} large (pairs near each other), ${trees.length - small.length - large.length} of one person or none`,
      );
      results.push(compare('test trees (small)', small));
      for (const [k, t] of large.entries()) results.push(compare(`test tree ${k + 1} (${t.size} people)`, [t], Math.ceil(maxPairs / 5)));
    }
    results.push(compare('examples/family.ged', [(await readGedcom(join(root, 'examples/family.ged'))).tree]));
    results.push(compare('synthetic with adoptive, step, foster links', [withLinks(1500, 21)]));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(
  '| tree | pairs | same name | same relation, Gramps less precise | two relations hold, each names another | Gramps names none | different |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of results)
  console.log(`| ${r.label} | ${r.pairs} | ${r.agree} | ${r.coarser} | ${r.otherChoice} | ${r.unnamedByGramps} | ${r.disagree.length} |`);
if (rawFile) writeFileSync(rawFile, `${raw.join('\n')}\n`);
// Each kind of difference once, with how often it came.
const kinds = new Map();
for (const r of results) for (const [k, n] of r.kinds) kinds.set(k, (kinds.get(k) ?? 0) + n);
console.log('\nKinds of difference (times seen):');
for (const [k, n] of [...kinds].sort((a, b) =>
  a[0].startsWith('DIFFERENT') === b[0].startsWith('DIFFERENT') ? b[1] - a[1] : a[0].startsWith('DIFFERENT') ? -1 : 1,
))
  console.log(`${String(n).padStart(6)}  ${k}`);
const disagreements = results.flatMap((r) => r.disagree);
console.log('');
for (const d of disagreements.slice(0, 100)) console.log(d);
if (disagreements.length > 100) console.log(`… and ${disagreements.length - 100} more`);
process.exitCode = disagreements.length > 0 ? 1 : 0;
