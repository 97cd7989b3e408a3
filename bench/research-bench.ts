/**
 * `npm run bench:research` — the same 30-query research batch in naive mode (the original tool's
 * behaviour: an auth check before every API call, navigation to the base URL on every ensure,
 * cookies copied on every call, no probe coalescing, no per-run cache) and in optimised mode,
 * against the reference site with realistic latency (40 ms on every route) and its rate limit.
 * Reported: wall time of each batch and their ratio, with counts measured at the site (API calls,
 * ladder fetches, auth checks, page loads). The modes alternate over `--rounds` (default 1).
 * Flags: `--json`, `--rounds=N`, `--queries=N` (default 30).
 */
import { randomBytes } from 'node:crypto';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { generateTree } from '../src/genealogy/synthetic.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { RunCache, SiteSource, research } from '../src/research/research.js';
import { loadSessionConfig } from '../src/session/session-config.js';
import { SessionManager } from '../src/session/session-manager.js';
import { type TreeSite, startTreeSite } from '../src/site/server.js';
import { researchBatchFor } from './research-batch.js';
import { intFlag, siteCounts } from './report.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const rounds = intFlag(args, 'rounds', 1, 1);
const queryCount = intFlag(args, 'queries', 30, 2);

interface ModeRun {
  readonly mode: 'naive' | 'optimised';
  readonly wallMs: number;
  readonly apiCalls: number;
  readonly ladderFetches: number;
  readonly authChecks: number;
  readonly pageLoads: number;
  readonly distinctDetailed: number;
}

async function runMode(site: TreeSite, mode: 'naive' | 'optimised', password: string): Promise<ModeRun> {
  const supervisor = new SessionSupervisor({ driver: () => new PlaywrightDriver() });
  const config = loadSessionConfig(
    { BASE_URL: site.origin, SITE_USERNAME: 'bench', SITE_PASSWORD: password, SESSION_MODE: mode, RATE_LIMIT: '10/10' },
    false,
  );
  const session = new SessionManager({ config, supervisor });
  const queries = researchBatchFor(site, queryCount);
  site.resetCounts();
  const started = performance.now();
  try {
    await session.ensureSessionReady();
    const source = new SiteSource((path) => session.get(path), site.origin);
    const shared = new RunCache();
    const detailed = new Set<string>();
    for (const c of queries) {
      // Naive: the original fetched family and ladder again for every search.
      const r = await research(c, source, {
        ladderFor: 1,
        top: 3,
        cache: mode === 'optimised' ? shared : new RunCache(),
        maxPages: config.maxPages,
        pageSize: config.pageSize,
      });
      for (const d of r.details) detailed.add(d.person.id);
    }
    const wallMs = performance.now() - started;
    const counts = siteCounts(site.counts());
    return {
      mode,
      wallMs,
      apiCalls: counts.apiCalls,
      ladderFetches: counts.ladderFetches,
      authChecks: counts.authChecks,
      pageLoads: counts.pageLoads,
      distinctDetailed: detailed.size,
    };
  } finally {
    await supervisor.stop();
  }
}

async function main(): Promise<void> {
  const password = randomBytes(12).toString('base64url');
  const { tree, referencePerson } = generateTree({ people: 10_000, seed: 1 });
  const site = await startTreeSite({
    tree,
    referencePerson,
    users: [{ username: 'bench', password }],
    rateLimit: { capacity: 20, refillPerSecond: 10 },
    knobs: { latencyMs: { '*': 40 } },
  });
  const runs: ModeRun[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? (['naive', 'optimised'] as const) : (['optimised', 'naive'] as const))
        runs.push(await runMode(site, mode, password));
    }
  } finally {
    await site.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const of = (mode: string) => runs.filter((r) => r.mode === mode);
  const naive = median(of('naive').map((r) => r.wallMs));
  const opt = median(of('optimised').map((r) => r.wallMs));
  const last = (mode: string) => of(mode).at(-1) as ModeRun;
  const result = {
    queries: queryCount,
    rounds,
    latencyMs: 40,
    naiveWallMs: Math.round(naive),
    optimisedWallMs: Math.round(opt),
    ratio: Number((opt / naive).toFixed(3)),
    naive: last('naive'),
    optimised: last('optimised'),
    runs,
  };
  if (asJson) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(
    `Research batch: ${queryCount} queries (${Math.ceil(queryCount / 2)} people, each twice), family and ladder for the best 2, reference site with 40 ms latency per route, ${rounds} rounds per mode (medians)`,
  );
  console.log(
    `  ${'mode'.padEnd(10)} ${'wall s'.padStart(7)} ${'API calls'.padStart(10)} ${'ladders'.padStart(8)} ${'auth checks'.padStart(12)} ${'page loads'.padStart(11)} ${'distinct people detailed'.padStart(25)}`,
  );
  for (const m of ['naive', 'optimised'] as const) {
    const r = last(m);
    const wall = m === 'naive' ? naive : opt;
    console.log(
      `  ${m.padEnd(10)} ${(wall / 1000).toFixed(2).padStart(7)} ${String(r.apiCalls).padStart(10)} ${String(r.ladderFetches).padStart(8)} ${String(r.authChecks).padStart(12)} ${String(r.pageLoads).padStart(11)} ${String(r.distinctDetailed).padStart(25)}`,
    );
  }
  console.log(
    `  optimised / naive wall time: ${result.ratio}×  (goal ≤ 0.3×: ${result.ratio <= 0.3 ? 'met' : 'NOT met'}); ladder fetches ${last('optimised').ladderFetches} for ${last('optimised').distinctDetailed} distinct people`,
  );
}

await main();
