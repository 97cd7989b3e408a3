import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { findChromium } from '../src/drivers/find-chromium.js';
import { descendantsOf, rssBytesOf } from '../src/drivers/process-tree.js';
import { type Progress, createProgress } from '../src/internal/progress.js';

/** Shared by the benchmarks: the median of interleaved rounds, and output that `--json` silences. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A `log(line)` that prints unless the run asked for JSON. */
export function textLog(asJson: boolean): (line?: string) => void {
  return (line = '') => {
    if (!asJson) console.log(line);
  };
}

/** Sign in to the reference site over HTTP (a user without a second factor); returns the `sid` cookie's value. */
export async function signInOverHttp(origin: string, username: string, password: string): Promise<string> {
  const form = await fetch(`${origin}/sign-in`, { signal: AbortSignal.timeout(10_000) });
  const flow = /signin_flow=([^;]+)/.exec(form.headers.getSetCookie().join(';'))?.[1] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const post = await fetch(`${origin}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `signin_flow=${flow}` },
    body: new URLSearchParams({ csrf, username, password }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const sid = /sid=([^;]+)/.exec(post.headers.getSetCookie().join(';'))?.[1];
  if (!sid) throw new Error(`bench sign-in as ${username} failed (status ${post.status})`);
  return sid;
}

/** The value of `--name=value` in `args`, or `undefined` when it is not given. */
export function stringFlag(args: readonly string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** `--name=N` from `args` as an integer ≥ `min`, else `fallback`; anything else throws, naming the flag. */
export function intFlag(args: readonly string[], name: string, fallback: number, min: number): number {
  const raw = stringFlag(args, name);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
}

/**
 * `--name=1,2,4` from `args` as integers from 1 to 16 (the numbers of browsers, workers, lanes or
 * pages in flight a benchmark runs), in the order given, each once, else `fallback`; anything
 * else throws, naming the flag.
 */
export function integersFlag(args: readonly string[], name: string, fallback: readonly number[]): number[] {
  const raw = stringFlag(args, name);
  if (raw === undefined) return [...fallback];
  const list = raw
    .split(',')
    .filter(Boolean)
    .map((c) => {
      const n = Number(c);
      if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`--${name} takes integers from 1 to 16, got ${c}`);
      return n;
    });
  return [...new Set(list)];
}

/**
 * Resident memory of every process this one started (workers, browsers and their children),
 * summed: memory shared between processes counts once per process.
 */
/** The RSS of every process this one started (browsers, workers), and with `self` of this one too. */
export function descendantsRss(self = false): number {
  return descendantsOf(process.pid).reduce((total, p) => total + rssBytesOf(p.pid), self ? process.memoryUsage.rss() : 0);
}

/** Sample {@link descendantsRss} every `intervalMs` until `stop()` (idempotent), which returns the highest sample (one more taken at the first stop). */
export function samplePeakRss(intervalMs = 250, options: { readonly self?: boolean } = {}): { stop(): number } {
  const sampleNow = (): number => descendantsRss(options.self);
  let peak = sampleNow();
  const sampler = setInterval(() => {
    peak = Math.max(peak, sampleNow());
  }, intervalMs);
  let stopped = false;
  return {
    stop: () => {
      if (!stopped) {
        stopped = true;
        clearInterval(sampler);
        peak = Math.max(peak, sampleNow());
      }
      return peak;
    },
  };
}

/** Where and how a figure was measured: recorded with every benchmark's results. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly chromium: string;
  readonly command: string;
}

/**
 * The Chromium every contender of a benchmark runs: the one our Playwright driver starts by
 * default headless (the headless shell when installed, else the system Chromium), so that a
 * comparison measures the frameworks, not two builds of the browser. `npm run bench:cpu` also
 * runs plain Playwright on the system Chromium, to show what the executable alone changes.
 */
export function benchChromium(): string {
  return findChromium(undefined, process.env, { headlessShell: true });
}

export function machineInfo(): MachineInfo {
  let chromium = 'unknown';
  try {
    const executable = benchChromium();
    chromium = `${execFileSync(executable, ['--version'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()} (${executable})`;
  } catch {
    // no browser found or it did not answer: the figures still stand, the version is unknown
  }
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    chromium,
    command: ['node', ...process.argv.slice(1).map((a, i) => (i === 0 ? a.replace(/^.*\/build\//, 'build/') : a))].join(' '),
  };
}

/** One line for a text report: the machine and the command. */
export function machineLine(m: MachineInfo): string {
  return `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}; ${m.chromium}. Command: ${m.command}`;
}

/** What the reference site counted, by route (`site.counts()`), summed the way the benchmarks report it. */
export function siteCounts(counts: Readonly<Record<string, number>>): {
  apiCalls: number;
  authChecks: number;
  pageLoads: number;
  signIns: number;
  ladderFetches: number;
} {
  const sum = (pred: (route: string) => boolean): number => Object.entries(counts).reduce((n, [route, v]) => (pred(route) ? n + v : n), 0);
  return {
    apiCalls: sum((route) => route.includes(' /api/')),
    authChecks: counts['GET /api/me'] ?? 0,
    pageLoads: sum((route) => route.startsWith('GET /') && !route.includes(' /api/') && !route.includes('favicon')),
    signIns: counts['POST /sign-in'] ?? 0,
    ladderFetches: counts['GET /api/persons/:id/ladder'] ?? 0,
  };
}

/**
 * The progress of a benchmark on stderr: a bar with the time left on a terminal, a line every
 * 10 s otherwise (also while one long step runs); `--quiet` turns it off (`npm run bench` passes
 * it to each benchmark it runs).
 */
export function benchProgress(args: readonly string[], total: number, unit: string): Progress {
  return createProgress({ unit, total, quiet: args.includes('--quiet'), heartbeat: true });
}
