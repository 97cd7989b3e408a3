/**
 * `npm run bench:session` — the session layer's own benchmark: the same API workload (by default
 * 200 calls: a person's facts, family and ladder, and a surname search, for 50 people) through
 * one SessionManager in naive mode (the original tool's behaviour: back to the base URL on every
 * ensure, cookies copied and an auth check before every call) and in optimised mode (fast path,
 * adaptive auth checks, coalesced probes, no needless navigation), against the reference site
 * with latency on every route. The workload runs one call at a time, and again from 4 callers at
 * once. Reported per mode: wall time, and the auth checks, page loads and sign-ins counted at the
 * site, with the manager's own counts (navigations, cookie syncs, probes coalesced).
 * Modes alternate over `--rounds` (default 2); wall times are medians.
 * Flags: `--json`, `--calls=N` (default 200), `--rounds=N`, `--latency=MS` (default 30),
 * `--callers=N` (the concurrent run, default 4; 1 skips it).
 */
import { randomBytes } from 'node:crypto';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { generateTree } from '../src/genealogy/synthetic.js';
import { mapConcurrent } from '../src/internal/map-concurrent.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { loadSessionConfig } from '../src/session/session-config.js';
import { SessionManager } from '../src/session/session-manager.js';
import { type TreeSite, startTreeSite } from '../src/site/server.js';
import { intFlag, machineInfo, machineLine, median, siteCounts, textLog } from './report.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const calls = intFlag(args, 'calls', 200, 1);
const rounds = intFlag(args, 'rounds', 2, 1);
const latencyMs = intFlag(args, 'latency', 30, 0);
const callers = intFlag(args, 'callers', 4, 1);
const log = textLog(asJson);

type Mode = 'naive' | 'optimised';

export interface SessionRun {
  readonly mode: Mode;
  readonly callers: number;
  readonly wallMs: number;
  /** Counted at the site. */
  readonly authChecks: number;
  readonly pageLoads: number;
  readonly signIns: number;
  readonly apiCalls: number;
  /** Counted by the SessionManager. */
  readonly navigations: number;
  readonly cookieSyncs: number;
  readonly probesCoalesced: number;
}

/** The workload: `n` API paths over the people nearest the home person (facts, family, ladder, search). */
function workload(site: TreeSite, n: number): string[] {
  const t = site.tree;
  const people = Array.from({ length: Math.max(1, Math.ceil(n / 4)) }, (_, k) => t.person((site.referencePerson + k * 37) % t.size));
  const paths: string[] = [];
  for (let k = 0; paths.length < n; k++) {
    const p = people[k % people.length] as (typeof people)[number];
    const id = encodeURIComponent(p.id);
    const kind = Math.floor(k / people.length) % 4;
    paths.push(
      kind === 0
        ? `/api/persons/${id}`
        : kind === 1
          ? `/api/persons/${id}/family`
          : kind === 2
            ? `/api/persons/${id}/ladder`
            : `/api/persons?surname=${encodeURIComponent(p.surname || 'a')}&page=1&pageSize=20`,
    );
  }
  return paths;
}

async function runMode(site: TreeSite, mode: Mode, concurrency: number, password: string): Promise<SessionRun> {
  const supervisor = new SessionSupervisor({ driver: () => new PlaywrightDriver() });
  // The same politeness for both modes: one rate limiter, well above what the latency allows.
  const config = loadSessionConfig(
    { BASE_URL: site.origin, SITE_USERNAME: 'bench', SITE_PASSWORD: password, SESSION_MODE: mode, RATE_LIMIT: '200/200' },
    false,
  );
  const session = new SessionManager({ config, supervisor });
  const paths = workload(site, calls);
  site.resetCounts();
  const started = performance.now();
  try {
    await mapConcurrent(paths, concurrency, (path) => session.get(path));
    const wallMs = performance.now() - started;
    const counts = siteCounts(site.counts());
    const stats = session.stats();
    return {
      mode,
      callers: concurrency,
      wallMs,
      authChecks: counts.authChecks,
      pageLoads: counts.pageLoads,
      signIns: counts.signIns,
      apiCalls: counts.apiCalls,
      navigations: stats.navigations,
      cookieSyncs: stats.cookieSyncs,
      probesCoalesced: stats.probesCoalesced,
    };
  } finally {
    await supervisor.stop();
  }
}

async function main(): Promise<void> {
  const password = randomBytes(12).toString('base64url');
  const { tree, referencePerson } = generateTree({ people: 10_000, seed: 1 });
  // The site's own limit is generous: this measures the session layer, not the site's throttling.
  const site = await startTreeSite({
    tree,
    referencePerson,
    users: [{ username: 'bench', password }],
    rateLimit: { capacity: 400, refillPerSecond: 400 },
    knobs: { latencyMs: { '*': latencyMs } },
  });
  const runs: SessionRun[] = [];
  const settings = callers > 1 ? [1, callers] : [1];
  try {
    for (const concurrency of settings) {
      for (let r = 0; r < rounds; r++) {
        log(`  ${concurrency} caller(s), round ${r + 1} of ${rounds} …`);
        const order: Mode[] = r % 2 === 0 ? ['naive', 'optimised'] : ['optimised', 'naive'];
        for (const mode of order) runs.push(await runMode(site, mode, concurrency, password));
      }
    }
  } finally {
    await site.close();
  }
  const of = (mode: Mode, concurrency: number): SessionRun[] => runs.filter((r) => r.mode === mode && r.callers === concurrency);
  const rows = settings.map((concurrency) => {
    const naive = of('naive', concurrency);
    const opt = of('optimised', concurrency);
    const naiveMs = median(naive.map((r) => r.wallMs));
    const optMs = median(opt.map((r) => r.wallMs));
    const naiveChecks = median(naive.map((r) => r.authChecks));
    const optChecks = median(opt.map((r) => r.authChecks));
    return {
      callers: concurrency,
      naive: { ...(naive.at(-1) as SessionRun), wallMs: Math.round(naiveMs) },
      optimised: { ...(opt.at(-1) as SessionRun), wallMs: Math.round(optMs) },
      wallRatio: Number((optMs / naiveMs).toFixed(3)),
      authCheckShare: Number((optChecks / Math.max(1, naiveChecks)).toFixed(3)),
    };
  });
  const goalMet = rows.every((r) => r.wallRatio <= 0.4 && r.authCheckShare <= 0.1);
  const machine = machineInfo();
  const result = {
    machine,
    calls,
    rounds,
    latencyMs,
    rows,
    goal: 'optimised ≤ 0.4× naive wall time and ≤ 10 % of its auth checks',
    goalMet,
    runs,
  };
  if (asJson) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  log();
  log(machineLine(machine));
  log(
    `Session layer: ${calls} API calls (facts, family, ladder, search), reference site with ${latencyMs} ms latency per route, ${rounds} rounds per mode (wall: medians; counts: last round)`,
  );
  log(
    `  ${'callers'.padEnd(8)} ${'mode'.padEnd(10)} ${'wall s'.padStart(7)} ${'auth checks'.padStart(12)} ${'page loads'.padStart(11)} ${'sign-ins'.padStart(9)} ${'navigations'.padStart(12)} ${'cookie syncs'.padStart(13)} ${'coalesced'.padStart(10)}`,
  );
  for (const row of rows) {
    for (const mode of ['naive', 'optimised'] as const) {
      const r = row[mode];
      log(
        `  ${String(row.callers).padEnd(8)} ${mode.padEnd(10)} ${(r.wallMs / 1000).toFixed(2).padStart(7)} ${String(r.authChecks).padStart(12)} ${String(r.pageLoads).padStart(11)} ${String(r.signIns).padStart(9)} ${String(r.navigations).padStart(12)} ${String(r.cookieSyncs).padStart(13)} ${String(r.probesCoalesced).padStart(10)}`,
      );
    }
    log(
      `  ${row.callers} caller(s): optimised / naive wall time ${row.wallRatio}×, auth checks ${(row.authCheckShare * 100).toFixed(1)} % of naive's`,
    );
  }
  log(`Goal (${result.goal}): ${goalMet ? 'met' : 'NOT met'}`);
}

await main();
