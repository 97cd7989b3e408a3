/**
 * `npm run bench:site` — the reference site at 10 k, 100 k and 1 M synthetic people:
 *  - load: reading the GEDCOM file (streamed), choosing the home person, building the search
 *    index and starting the server, with the process's RSS afterwards;
 *  - search and kinship-ladder latency over real HTTP on 127.0.0.1 (p50/p95 of sequential
 *    requests, rate limiting off), with queries built from the tree itself: surname fragments,
 *    given names, sex, birth-year ranges and places.
 * Each size runs in its own Node process, so RSS and load time are not skewed by the previous
 * size. Flags: `--quick` (10 k and 100 k only), `--json`, `--sizes=10000,100000`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGedcom } from '../src/genealogy/gedcom.js';
import { chooseHomePerson, gedcomLines, generateTree } from '../src/genealogy/synthetic.js';
import { startTreeSite } from '../src/site/server.js';
import { signInOverHttp } from './report.js';

interface SizeResult {
  readonly people: number;
  readonly generateMs: number;
  readonly gedcomMB: number;
  readonly loadMs: number;
  readonly parseMs: number;
  readonly indexAndStartMs: number;
  readonly rssMB: number;
  readonly heapMB: number;
  readonly search: { p50: number; p95: number; n: number; meanHits: number };
  readonly ladder: { p50: number; p95: number; n: number };
}

const args = process.argv.slice(2);
const asJson = args.includes('--json');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Child: load one GEDCOM file, serve it, measure. */
async function child(file: string, people: number, generateMs: number, gedcomMB: number): Promise<SizeResult> {
  const t0 = performance.now();
  const { tree } = await readGedcom(file);
  const parseMs = performance.now() - t0;
  const home = chooseHomePerson(tree, 2025);
  const site = await startTreeSite({
    tree,
    referencePerson: home,
    users: [{ username: 'bench', password: 'bench-password' }],
    rateLimit: false,
  });
  const loadMs = performance.now() - t0;
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  try {
    const sid = await signInOverHttp(site.origin, 'bench', 'bench-password');
    const get = async (path: string): Promise<{ ms: number; body: Record<string, unknown> }> => {
      const start = performance.now();
      const res = await fetch(site.origin + path, { headers: { cookie: `sid=${sid}` } });
      const body = (await res.json()) as Record<string, unknown>;
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      return { ms: performance.now() - start, body };
    };
    // Deterministic queries drawn from the tree.
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const searchMs: number[] = [];
    let hits = 0;
    const N = 300;
    for (let q = 0; q < N + 20; q++) {
      const p = tree.person(rand(tree.size));
      const params = new URLSearchParams();
      const kind = q % 4;
      params.set('surname', p.surname.slice(0, 3 + rand(Math.max(1, p.surname.length - 2))));
      if (kind >= 1) params.set('given', p.given.slice(0, 2 + rand(Math.max(1, p.given.length - 1))));
      const born = p.birth?.date?.year;
      if (kind >= 2 && born !== undefined) {
        params.set('birthYearFrom', String(born - 5));
        params.set('birthYearTo', String(born + 5));
      }
      if (kind === 3) {
        params.set('sex', p.sex);
        if (p.birth?.place) params.set('birthPlace', p.birth.place.split(',')[0] ?? '');
      }
      const { ms, body } = await get(`/api/persons?${params.toString()}`);
      if (q >= 20) {
        searchMs.push(ms); // the first 20 warm up the JIT and the connection
        hits += body['total'] as number;
      }
    }
    const ladderMs: number[] = [];
    for (let q = 0; q < N + 20; q++) {
      const { ms } = await get(`/api/persons/${tree.person(rand(tree.size)).id}/ladder`);
      if (q >= 20) ladderMs.push(ms);
    }
    searchMs.sort((a, b) => a - b);
    ladderMs.sort((a, b) => a - b);
    return {
      people,
      generateMs,
      gedcomMB,
      loadMs,
      parseMs,
      indexAndStartMs: loadMs - parseMs,
      rssMB: mem.rss / 1e6,
      heapMB: mem.heapUsed / 1e6,
      search: { p50: percentile(searchMs, 50), p95: percentile(searchMs, 95), n: N, meanHits: hits / N },
      ladder: { p50: percentile(ladderMs, 50), p95: percentile(ladderMs, 95), n: N },
    };
  } finally {
    await site.close();
  }
}

async function writeGedcom(people: number, file: string): Promise<{ ms: number; mb: number }> {
  const start = performance.now();
  const { tree } = generateTree({ people, seed: 1 });
  const out = createWriteStream(file);
  let bytes = 0;
  let chunk = '';
  for (const line of gedcomLines(tree)) {
    chunk += `${line}\n`;
    if (chunk.length > 1 << 16) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  await new Promise<void>((resolve) => out.once('finish', () => resolve()));
  return { ms: performance.now() - start, mb: bytes / 1e6 };
}

async function parent(): Promise<void> {
  const sizesArg = args.find((a) => a.startsWith('--sizes='));
  const sizes = sizesArg
    ? sizesArg.slice(8).split(',').map(Number)
    : args.includes('--quick')
      ? [10_000, 100_000]
      : [10_000, 100_000, 1_000_000];
  const dir = mkdtempSync(join(tmpdir(), 'site-bench-'));
  const results: SizeResult[] = [];
  try {
    for (const people of sizes) {
      const file = join(dir, `tree-${people}.ged`);
      const { ms, mb } = await writeGedcom(people, file);
      const output = await new Promise<string>((resolve, reject) => {
        const p = spawn(
          process.execPath,
          [
            '--expose-gc',
            '--max-old-space-size=8192',
            fileURLToPath(import.meta.url),
            '--child',
            file,
            String(people),
            String(ms),
            String(mb),
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench child for ${people} people exited ${code}`))));
      });
      results.push(JSON.parse(output) as SizeResult);
      if (!asJson) {
        const r = results.at(-1) as SizeResult;
        console.log(
          `${String(r.people).padStart(9)} people  GEDCOM ${r.gedcomMB.toFixed(0).padStart(4)} MB  load ${(r.loadMs / 1000).toFixed(2).padStart(6)} s (parse ${(r.parseMs / 1000).toFixed(2)} s, index+start ${(r.indexAndStartMs / 1000).toFixed(2)} s)  RSS ${r.rssMB.toFixed(0).padStart(5)} MB` +
            `  search p50 ${r.search.p50.toFixed(2)} ms p95 ${r.search.p95.toFixed(2)} ms (mean ${r.search.meanHits.toFixed(0)} hits)  ladder p50 ${r.ladder.p50.toFixed(2)} ms p95 ${r.ladder.p95.toFixed(2)} ms`,
        );
      }
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (asJson) console.log(JSON.stringify({ node: process.version, results }, null, 2));
  else console.log('goals at 1 M people: search p95 < 20 ms, ladder p95 < 50 ms, load < 30 s');
}

if (args[0] === '--child') {
  const [file, people, ms, mb] = args.slice(1);
  const result = await child(file as string, Number(people), Number(ms), Number(mb));
  process.stdout.write(JSON.stringify(result));
} else {
  await parent();
}
