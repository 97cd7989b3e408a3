/**
 * `npm run bench:gedcom` — how fast the GEDCOM reader loads one synthetic tree written in each
 * encoding it supports (UTF-8, UTF-16 LE/BE, ANSI, MacRoman, ANSEL, ASCII), read from a file
 * with the same call users make (`readGedcom(path)`). Rounds interleave the encodings; each
 * figure is the median, with its ratio to UTF-8 from the same run.
 * Then GEDCOM 7 export and its round trip at `--export-people` (default 1 000 000): the tree read
 * from its 5.5.1 file, written out as GEDCOM 7.0 (`writeGedcom7File`, streamed) and read back,
 * with time and peak memory (RSS, sampled) of each step against the first reading, and a check
 * that the tree read back has the same people, families and relationship names (a spread of 200
 * pairs).
 * Flags: `--people=N` (default 100 000), `--rounds=N` (default 3), `--export-people=N`, `--json`.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGedcom } from '../src/genealogy/gedcom.js';
import { wholeTree, writeGedcom7File } from '../src/genealogy/gedcom-export.js';
import { relationship } from '../src/genealogy/kinship.js';
import type { FamilyTree } from '../src/genealogy/tree.js';
import { ANSEL_COMBINING, ANSEL_SPACING } from '../src/genealogy/gedcom-encoding.js';
import { gedcomLines, generateTree } from '../src/genealogy/synthetic.js';
import { intFlag, median, textLog } from './report.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const people = intFlag(args, 'people', 100_000, 10);
const rounds = intFlag(args, 'rounds', 3, 1);
const exportPeople = intFlag(args, 'export-people', 1_000_000, 10);
const log = textLog(asJson);

/** A single-byte encoder from the decoder's own table (what TextDecoder makes of bytes 0–255). */
function singleByte(label: string): (text: string) => Buffer {
  const decoder = new TextDecoder(label);
  const byChar = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    const ch = decoder.decode(new Uint8Array([b]));
    if (ch !== '\uFFFD' && !byChar.has(ch)) byChar.set(ch, b);
  }
  return (text) => Buffer.from(Array.from(text, (ch) => byChar.get(ch) ?? 0x3f));
}

/** ANSEL: letters decomposed, each combining mark written before its base letter. */
function ansel(text: string): Buffer {
  const spacing = new Map(Object.entries(ANSEL_SPACING).map(([b, cp]) => [String.fromCharCode(cp), Number(b)]));
  const marks = new Map(Object.entries(ANSEL_COMBINING).map(([b, cp]) => [String.fromCharCode(cp), Number(b)]));
  const out: number[] = [];
  const chars = Array.from(text.normalize('NFD'));
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const pending: number[] = [];
    for (let j = i + 1; j < chars.length && marks.has(chars[j] as string); j++) pending.push(marks.get(chars[j] as string) as number);
    out.push(...pending);
    i += pending.length;
    const code = ch.charCodeAt(0);
    out.push(code < 0x80 ? code : (spacing.get(ch) ?? 0x3f));
  }
  return Buffer.from(out);
}

const ENCODINGS: readonly { name: string; char: string; encode: (text: string) => Buffer }[] = [
  { name: 'UTF-8', char: 'UTF-8', encode: (t) => Buffer.from(t, 'utf8') },
  { name: 'UTF-16LE', char: 'UNICODE', encode: (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]) },
  { name: 'UTF-16BE', char: 'UNICODE', encode: (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()]) },
  { name: 'ANSI', char: 'ANSI', encode: singleByte('windows-1252') },
  { name: 'MacRoman', char: 'MACINTOSH', encode: singleByte('macintosh') },
  { name: 'ANSEL', char: 'ANSEL', encode: ansel },
  { name: 'ASCII', char: 'ASCII', encode: (t) => Buffer.from(t.normalize('NFD').replace(/[^ -~\n]/g, ''), 'latin1') },
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gedcom-bench-'));
  try {
    log(`GEDCOM load per encoding: ${people} synthetic people, ${rounds} interleaved rounds (medians)`);
    const text = [...gedcomLines(generateTree({ people, seed: 1 }).tree)].join('\n');
    const files = ENCODINGS.map((e) => {
      const file = join(dir, `${e.name}.ged`);
      writeFileSync(file, e.encode(text.replace('1 CHAR UTF-8', `1 CHAR ${e.char}`)));
      return { ...e, file, times: [] as number[], size: 0, diagnostics: 0 };
    });
    for (let round = 0; round < rounds; round++) {
      for (const f of round % 2 === 0 ? files : [...files].reverse()) {
        const t = performance.now();
        const { tree, diagnostics } = await readGedcom(f.file);
        f.times.push(performance.now() - t);
        f.size = tree.size;
        f.diagnostics = diagnostics.length;
      }
    }
    const utf8 = median(files[0]?.times ?? [1]);
    const rows = files.map((f) => ({
      encoding: f.name,
      people: f.size,
      ms: Math.round(median(f.times)),
      ratioToUtf8: median(f.times) / utf8,
      diagnostics: f.diagnostics,
    }));
    if (!asJson) {
      log('| encoding | people read | load ms | / UTF-8 | diagnostics |');
      log('|---|---|---|---|---|');
      for (const r of rows) log(`| ${r.encoding} | ${r.people} | ${r.ms} | ${r.ratioToUtf8.toFixed(2)}× | ${r.diagnostics} |`);
    }
    const exported = await exportRoundTrip(dir);
    if (asJson) console.log(JSON.stringify({ people, rounds, rows, export: exported }, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The peak RSS while `work` runs (sampled every 20 ms), and its time. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const t = performance.now();
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, ms: performance.now() - t, peakRssMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** GEDCOM 7 export of a tree read from its 5.5.1 file, and the export read back, against the first reading. */
async function exportRoundTrip(dir: string): Promise<Record<string, unknown>> {
  log('');
  log(`GEDCOM 7 export and round trip: ${exportPeople} synthetic people`);
  const source = join(dir, 'source.ged');
  {
    // Written as a stream: a million people's text is not held as one string.
    const out = createWriteStream(source);
    let chunk = '';
    for (const line of gedcomLines(generateTree({ people: exportPeople, seed: 2 }).tree)) {
      chunk += `${line}\n`;
      if (chunk.length < 1 << 20) continue;
      const more = out.write(chunk);
      chunk = '';
      if (!more) await once(out, 'drain');
    }
    out.end(chunk);
    await once(out, 'close');
  }
  globalThis.gc?.();
  const read = await measured(() => readGedcom(source));
  const tree = read.value.tree;
  const target = join(dir, 'export.ged');
  const write = await measured(() => writeGedcom7File(target, tree, wholeTree(tree)));
  const back = await measured(() => readGedcom(target));
  const same = sameShape(tree, back.value.tree);
  const rows = [
    { step: 'read the 5.5.1 file', ms: read.ms, mb: statSync(source).size / 2 ** 20, peakRssMb: read.peakRssMb },
    { step: 'write GEDCOM 7.0', ms: write.ms, mb: write.value.bytes / 2 ** 20, peakRssMb: write.peakRssMb },
    { step: 'read the export back', ms: back.ms, mb: statSync(target).size / 2 ** 20, peakRssMb: back.peakRssMb },
  ];
  if (!asJson) {
    log('| step | ms | / first read | file MB | peak RSS MB |');
    log('|---|---|---|---|---|');
    for (const r of rows)
      log(`| ${r.step} | ${Math.round(r.ms)} | ${(r.ms / read.ms).toFixed(2)}× | ${r.mb.toFixed(1)} | ${Math.round(r.peakRssMb)} |`);
    log(
      `round trip: ${same.people} people, ${same.families} families; ${same.mismatches} mismatch(es) in people, families and ${same.pairs} relationship names checked; diagnostics on reading back: ${back.value.diagnostics.length}`,
    );
  }
  if (same.mismatches > 0) process.exitCode = 1;
  return { people: exportPeople, rows, roundTrip: { ...same, diagnostics: back.value.diagnostics.length } };
}

/** Counts, every person's names, sex and event dates, every family's members, and 200 relationship names, compared. */
function sameShape(a: FamilyTree, b: FamilyTree): { people: number; families: number; pairs: number; mismatches: number } {
  let mismatches = a.size === b.size && a.families.length === b.families.length ? 0 : 1;
  const key = (t: FamilyTree, i: number): string => {
    const p = t.person(i);
    return [
      p.id,
      p.given,
      p.surname,
      p.sex,
      p.birth?.date?.year,
      p.birth?.date?.month,
      p.birth?.date?.day,
      p.birth?.place,
      p.death?.date?.year,
      p.death?.date?.qualifier,
      p.death?.place,
    ].join('|');
  };
  for (let i = 0; i < Math.min(a.size, b.size); i++) if (key(a, i) !== key(b, i)) mismatches++;
  for (let f = 0; f < Math.min(a.families.length, b.families.length); f++) {
    const x = a.families[f];
    const y = b.families[f];
    if (
      JSON.stringify([x?.husband, x?.wife, x?.children, x?.marriage?.date?.year]) !==
      JSON.stringify([y?.husband, y?.wife, y?.children, y?.marriage?.date?.year])
    )
      mismatches++;
  }
  let pairs = 0;
  for (let k = 0; k < 200 && a.size > 1; k++, pairs++) {
    const i = (k * 7919) % a.size;
    const j = (k * 104_729 + 13) % a.size;
    if (relationship(a, i, j).name !== relationship(b, i, j).name) mismatches++;
  }
  return { people: b.size, families: b.families.length, pairs, mismatches };
}

await main();
