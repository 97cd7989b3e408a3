/**
 * `npm run bench:gedcom` — how fast the GEDCOM reader loads one synthetic tree written in each
 * encoding it supports (UTF-8, UTF-16 LE/BE, ANSI, MacRoman, ANSEL, ASCII), read from a file
 * with the same call users make (`readGedcom(path)`). Rounds interleave the encodings; each
 * figure is the median, with its ratio to UTF-8 from the same run.
 * Flags: `--people=N` (default 100 000), `--rounds=N` (default 3), `--json`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGedcom } from '../genealogy/gedcom.js';
import { ANSEL_COMBINING, ANSEL_SPACING } from '../genealogy/gedcom-encoding.js';
import { gedcomLines, generateTree } from '../genealogy/synthetic.js';
import { intFlag, median, textLog } from './report.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const people = intFlag(args, 'people', 100_000, 10);
const rounds = intFlag(args, 'rounds', 3, 1);
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
    const rows = files.map((f) => ({ encoding: f.name, people: f.size, ms: Math.round(median(f.times)), ratioToUtf8: median(f.times) / utf8, diagnostics: f.diagnostics }));
    if (asJson) {
      console.log(JSON.stringify({ people, rounds, rows }, null, 2));
      return;
    }
    log('| encoding | people read | load ms | / UTF-8 | diagnostics |');
    log('|---|---|---|---|---|');
    for (const r of rows) log(`| ${r.encoding} | ${r.people} | ${r.ms} | ${r.ratioToUtf8.toFixed(2)}× | ${r.diagnostics} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
