/**
 * `npm run bench:cpu` — where a page's time goes: CPU milliseconds per page, by process kind, for
 * our supervisor (lanes of one browser) and for plain Playwright (pages of one browser) doing the
 * same reference-site person pages (navigate, then read the name and lifespan), measured from
 * `/proc` in the same run.
 *
 * Each side runs in a child process of its own, so that its Node CPU is its own (the site runs in
 * this process, apart from both). In the child, after the browser started and every lane loaded
 * one page (not counted), the benchmark samples the CPU time (user + system) of the child itself
 * and of every process under it every 100 ms until the last page is answered; a process that
 * ended in between counts with its last sample. Process kinds come from Chromium's command line:
 * the browser process (no `--type`), renderers, the GPU process, utility processes (the network
 * service among them) and anything else (zygotes, crash handler).
 *
 * Plain Playwright runs the system Chromium (/usr/bin/chromium or `CHROMIUM_PATH`): what a user
 * of Playwright alone gives it on a machine without Playwright's own downloads. When our driver's
 * default is another executable (Chromium's headless shell, when it is installed), a third side,
 * `playwright-shell`, runs plain Playwright on that same executable, so the report also shows how
 * much of the difference is the executable and how much is ours.
 *
 * Rounds rotate which side goes first; figures are medians over the rounds, with ours as a
 * ratio to each plain Playwright side in the same round. Flags: `--json`, `--pages=N` (default 200),
 * `--rounds=N` (default 3), `--lanes=1,4` (pages in flight), `--latency=MS` (default 20).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findChromium } from '../src/drivers/find-chromium.js';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { descendantsOf, listProcesses } from '../src/drivers/process-tree.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { ImportCookies } from '../src/runtime/tasks/constructors.js';
import { type PersonPage, laneVisitor, openPlainPlaywright, personPages, startPageSite, visitPages } from './person-pages.js';
import { benchChromium, intFlag, median, signInOverHttp, textLog } from './report.js';

/** The process kinds a page's CPU is split into. */
export const KINDS = ['node', 'browser', 'renderer', 'gpu', 'utility', 'other'] as const;
/** One of {@link KINDS}. */
export type Kind = (typeof KINDS)[number];
/** CPU milliseconds by process kind. */
export type CpuByKind = Record<Kind, number>;

/** What one side reported for one run. */
export interface SideRun {
  readonly side: 'ours' | 'playwright' | 'playwright-shell';
  readonly lanes: number;
  readonly pages: number;
  readonly wallMs: number;
  readonly errors: number;
  readonly wrong: number;
  /** CPU ms over the whole measured run, by kind. */
  readonly cpuMs: CpuByKind;
  /** Chromium processes seen during the run. */
  readonly processes: number;
}

/** A side's median over the rounds at one setting. */
export interface SideSummary {
  readonly cpuMsPerPage: CpuByKind & { readonly total: number };
  readonly pagesPerSecond: number;
  readonly errors: number;
  readonly wrong: number;
}

/** One setting (pages in flight) of the report. */
export interface CpuRow {
  readonly lanes: number;
  readonly ours: SideSummary;
  readonly playwright: SideSummary;
  /** Median over the rounds of ours ÷ plain Playwright's total CPU per page (goal ≤ 0.9). */
  readonly totalRatio: number;
  readonly ratios: readonly number[];
  /** Plain Playwright on our executable, when that is not the system Chromium. */
  readonly playwrightShell?: SideSummary;
  /** Median over the rounds of ours ÷ plain Playwright's on our executable. */
  readonly shellRatio?: number;
  readonly shellRatios?: readonly number[];
}

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || '100');

/** User + system CPU of one process in ms, or undefined when it is gone. */
function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

function kindOf(cmdline: string): Exclude<Kind, 'node'> {
  const type = /--type=([a-z-]+)/.exec(cmdline)?.[1];
  if (type === undefined) return /chrom/i.test(cmdline) ? 'browser' : 'other';
  if (type === 'renderer') return 'renderer';
  if (type === 'gpu-process') return 'gpu';
  if (type === 'utility') return 'utility';
  return 'other';
}

/** Samples the CPU of every process under this one until stopped; a process that ended keeps its last sample. */
function cpuWatcher(): { stop(): { cpuMs: CpuByKind; processes: number } } {
  const first = new Map<number, number>();
  const last = new Map<number, { kind: Exclude<Kind, 'node'>; ms: number }>();
  const sample = (initial: boolean): void => {
    for (const p of descendantsOf(process.pid, listProcesses())) {
      const ms = cpuMsOf(p.pid);
      if (ms === undefined) continue;
      if (initial) first.set(p.pid, ms);
      last.set(p.pid, { kind: kindOf(p.cmdline), ms });
    }
  };
  sample(true);
  const node0 = process.cpuUsage();
  const timer = setInterval(() => sample(false), 100);
  return {
    stop() {
      clearInterval(timer);
      sample(false);
      const node = process.cpuUsage(node0);
      const cpuMs: CpuByKind = { node: (node.user + node.system) / 1000, browser: 0, renderer: 0, gpu: 0, utility: 0, other: 0 };
      for (const [pid, { kind, ms }] of last) cpuMs[kind] += ms - (first.get(pid) ?? 0);
      return { cpuMs, processes: last.size };
    },
  };
}

interface ChildOrder {
  readonly side: SideRun['side'];
  readonly lanes: number;
  readonly origin: string;
  readonly sid: string;
  readonly pages: readonly PersonPage[];
  /** The executable of the `playwright-shell` side. */
  readonly shell: string;
}

/** The child's side: start it, warm every lane up (not counted), then measure the pages. */
async function runSide(o: ChildOrder): Promise<SideRun> {
  const warm = o.pages.slice(0, o.lanes);
  const measured = o.pages.slice(o.lanes);
  const cookie = { name: 'sid', value: o.sid, url: o.origin, httpOnly: true, sameSite: 'Lax' as const };
  let visit: (page: PersonPage, lane: number) => Promise<{ name: unknown }>;
  let close: () => Promise<void>;
  if (o.side === 'ours') {
    const supervisor = new SessionSupervisor({ driver: () => new PlaywrightDriver(), lanes: o.lanes });
    await supervisor.startActor();
    await supervisor.submit(ImportCookies([cookie]));
    visit = laneVisitor((fn) => supervisor.withLane(fn), o.origin);
    close = () => supervisor.stop();
  } else {
    ({ visit, close } = await openPlainPlaywright(o.origin, o.sid, o.lanes, o.side === 'playwright' ? findChromium() : o.shell));
  }
  try {
    await visitPages(warm, o.lanes, visit);
    const watch = cpuWatcher();
    const { errors, wrong, wallMs } = await visitPages(measured, o.lanes, visit);
    const { cpuMs, processes } = watch.stop();
    return { side: o.side, lanes: o.lanes, pages: measured.length, wallMs, errors, wrong, cpuMs, processes };
  } finally {
    await close();
  }
}

function runChild(order: ChildOrder): Promise<SideRun> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.once('message', (m: { run?: SideRun; error?: string }) => (m.run ? resolve(m.run) : reject(new Error(m.error ?? 'no answer'))));
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`the ${order.side} child exited (code ${String(code)}) without an answer`));
    });
    child.send(order);
  });
}

function summarise(runs: readonly SideRun[]): SideSummary {
  const perPage = (run: SideRun, kind: Kind): number => run.cpuMs[kind] / run.pages;
  const byKind = Object.fromEntries(KINDS.map((k) => [k, median(runs.map((r) => perPage(r, k)))])) as CpuByKind;
  return {
    cpuMsPerPage: { ...byKind, total: median(runs.map((r) => KINDS.reduce((n, k) => n + perPage(r, k), 0))) },
    pagesPerSecond: median(runs.map((r) => (r.pages * 1000) / r.wallMs)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    wrong: runs.reduce((n, r) => n + r.wrong, 0),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const asJson = args.includes('--json');
  const log = textLog(asJson);
  const pagesPerRun = intFlag(args, 'pages', 200, 4);
  const rounds = intFlag(args, 'rounds', 3, 1);
  const latencyMs = intFlag(args, 'latency', 20, 0);
  const laneSettings = (args.find((a) => a.startsWith('--lanes='))?.slice(8) ?? '1,4').split(',').map(Number);
  if (laneSettings.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) throw new Error('--lanes must be a comma-separated list of 1 … 8');
  const shell = benchChromium();
  const sides: readonly SideRun['side'][] = shell === findChromium() ? ['ours', 'playwright'] : ['ours', 'playwright', 'playwright-shell'];
  log(`ours: ${shell}; plain Playwright: ${findChromium()}${sides.length > 2 ? `, and ${shell} (playwright-shell)` : ''}`);
  const { site, tree, password } = await startPageSite({ people: 10_000, latencyMs });
  const runs: SideRun[] = [];
  try {
    const sid = await signInOverHttp(site.origin, 'bench', password);
    let turn = 0;
    for (const lanes of laneSettings) {
      const pages = personPages(tree, pagesPerRun + lanes);
      for (let round = 1; round <= rounds; round++) {
        log(`  ${lanes} page(s) in flight, round ${round} of ${rounds} …`);
        const order = [...sides.slice(turn % sides.length), ...sides.slice(0, turn % sides.length)];
        turn++;
        for (const side of order) runs.push(await runChild({ side, lanes, origin: site.origin, sid, pages, shell }));
      }
    }
  } finally {
    await site.close();
  }
  const rows: CpuRow[] = laneSettings.map((lanes) => {
    const of = (side: SideRun['side']): SideRun[] => runs.filter((r) => r.side === side && r.lanes === lanes);
    const total = (r: SideRun): number => KINDS.reduce((n, k) => n + r.cpuMs[k], 0) / r.pages;
    const ratiosTo = (side: SideRun['side']): number[] => {
      const theirs = of(side);
      return of('ours').map((r, i) => total(r) / total(theirs[i] as SideRun));
    };
    const ratios = ratiosTo('playwright');
    const shellRatios = sides.includes('playwright-shell') ? ratiosTo('playwright-shell') : undefined;
    return {
      lanes,
      ours: summarise(of('ours')),
      playwright: summarise(of('playwright')),
      totalRatio: median(ratios),
      ratios: ratios.map((x) => Number(x.toFixed(3))),
      ...(shellRatios
        ? {
            playwrightShell: summarise(of('playwright-shell')),
            shellRatio: median(shellRatios),
            shellRatios: shellRatios.map((x) => Number(x.toFixed(3))),
          }
        : {}),
    };
  });
  if (asJson) {
    console.log(JSON.stringify({ pages: pagesPerRun, rounds, latencyMs, rows, runs }, null, 2));
    return;
  }
  log(`CPU ms per page by process kind (${pagesPerRun} person pages per run at ${latencyMs} ms, ${rounds} alternating rounds, medians):`);
  log(
    `  ${'in flight'.padEnd(10)} ${'side'.padEnd(11)} ${KINDS.map((k) => k.padStart(9)).join('')} ${'total'.padStart(9)} ${'pages/s'.padStart(8)}`,
  );
  for (const row of rows) {
    const shown: [string, SideSummary][] = [
      ['ours', row.ours],
      ['playwright', row.playwright],
    ];
    if (row.playwrightShell) shown.push(['pw-shell', row.playwrightShell]);
    for (const [name, s] of shown) {
      log(
        `  ${String(row.lanes).padEnd(10)} ${name.padEnd(11)} ${KINDS.map((k) => s.cpuMsPerPage[k].toFixed(2).padStart(9)).join('')} ${s.cpuMsPerPage.total.toFixed(2).padStart(9)} ${s.pagesPerSecond.toFixed(2).padStart(8)}`,
      );
    }
    log(
      `  ${''.padEnd(10)} ours ÷ Playwright, total CPU per page: ${row.totalRatio.toFixed(2)}× (rounds ${row.ratios.join(', ')}; goal ≤ 0.9×)`,
    );
    if (row.shellRatio !== undefined) {
      log(
        `  ${''.padEnd(10)} ours ÷ Playwright on the same executable: ${row.shellRatio.toFixed(2)}× (rounds ${(row.shellRatios ?? []).join(', ')})`,
      );
    }
  }
}

if (process.argv.includes('--child')) {
  process.once('message', (order: ChildOrder) => {
    runSide(order).then(
      (run) => process.send?.({ run }, () => process.exit(0)),
      (error: unknown) => process.send?.({ error: String(error) }, () => process.exit(1)),
    );
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
