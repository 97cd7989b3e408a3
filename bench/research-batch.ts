import { randomBytes } from 'node:crypto';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import type { Criteria } from '../src/genealogy/scoring.js';
import { generateTree } from '../src/genealogy/synthetic.js';
import { mapConcurrent } from '../src/internal/map-concurrent.js';
import { type ResearchResult, RunCache, SiteSource, research } from '../src/research/research.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { loadSessionConfig } from '../src/session/session-config.js';
import { SessionManager } from '../src/session/session-manager.js';
import { type TreeSite, startTreeSite } from '../src/site/server.js';

/** A research batch drawn from the tree: `queries / 2` people near the home person, each searched twice (as a real batch revisits people). */
export function researchBatchFor(site: TreeSite, queries = 30): Criteria[] {
  const t = site.tree;
  const wanted = Math.ceil(queries / 2);
  const people: number[] = [];
  let frontier = [site.referencePerson];
  while (people.length < wanted && frontier.length > 0) {
    const next: number[] = [];
    for (const p of frontier)
      for (const q of [...t.parents(p), ...t.children(p), ...t.spouses(p)])
        if (!people.includes(q) && !next.includes(q) && q !== site.referencePerson) next.push(q);
    for (const q of next) if (!people.includes(q)) people.push(q);
    frontier = next;
  }
  const criteria = people.slice(0, wanted).map((i) => {
    const p = t.person(i);
    return {
      given: p.given,
      surname: p.surname,
      ...(p.birth?.date ? { birthYear: p.birth.date.year } : {}),
      ...(p.death?.date ? { deathYear: p.death.date.year } : {}),
    };
  });
  return [...criteria, ...criteria].slice(0, queries);
}

export interface ResearchBatchRun {
  readonly concurrency: number;
  readonly queries: number;
  readonly wallMs: number;
  /** Before the batch: the browser's start and the sign-in (the batch's end-to-end time is both added). */
  readonly startMs: number;
  /** The results without their timings, as one JSON text: equal digests mean equal answers. */
  readonly digest: string;
  readonly ladderFetches: number;
  readonly distinctLadders: number;
  readonly apiCalls: number;
}

/** A fresh reference site on the benchmarks' 10 000-person tree, with one user `bench`, `latencyMs` on every route and `rateLimit` per session. */
export function startBatchSite(
  password: string,
  latencyMs: number,
  rateLimit: { capacity: number; refillPerSecond: number },
): Promise<TreeSite> {
  const { tree, referencePerson } = generateTree({ people: 10_000, seed: 1 });
  return startTreeSite({
    tree,
    referencePerson,
    users: [{ username: 'bench', password }],
    rateLimit,
    knobs: { latencyMs: { '*': latencyMs } },
  });
}

/**
 * Research every query through `get`, `concurrency` at a time, with one run cache (family and
 * ladder for the best match). Returns the results without their timings, so that two runs that
 * found the same can be compared; the first failure throws.
 */
export async function researchAll(
  queries: readonly Criteria[],
  get: <T>(path: string) => Promise<T>,
  origin: string,
  concurrency: number,
  caps: { maxPages?: number; pageSize?: number } = {},
): Promise<Omit<ResearchResult, 'ms'>[]> {
  const source = new SiteSource(get, origin);
  const cache = new RunCache();
  const settled = await mapConcurrent(queries, concurrency, (c) => research(c, source, { ladderFor: 1, top: 3, cache, ...caps }));
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    const { ms: _ms, ...rest } = s.value;
    return rest;
  });
}

/**
 * The research batch in optimised mode against a fresh reference site with `latencyMs` on every
 * route, `concurrency` searches at a time through one SessionManager (one ApiClient, one rate
 * limiter). The site allows 100 requests/s per session and our limiter 50/s, so the limiter
 * keeps the pace polite without being what the run waits on.
 */
export async function runResearchBatch(options: { concurrency: number; queries: number; latencyMs: number }): Promise<ResearchBatchRun> {
  const password = randomBytes(12).toString('base64url');
  const site = await startBatchSite(password, options.latencyMs, { capacity: 100, refillPerSecond: 100 });
  const supervisor = new SessionSupervisor({ driver: () => new PlaywrightDriver() });
  try {
    const config = loadSessionConfig(
      { BASE_URL: site.origin, SITE_USERNAME: 'bench', SITE_PASSWORD: password, RATE_LIMIT: '50/50' },
      false,
    );
    const session = new SessionManager({ config, supervisor });
    const queries = researchBatchFor(site, options.queries);
    const cold = performance.now();
    await session.ensureSessionReady();
    const startMs = performance.now() - cold;
    site.resetCounts();
    const started = performance.now();
    const results = await researchAll(queries, (path) => session.get(path), config.baseUrl, options.concurrency, {
      maxPages: config.maxPages,
      pageSize: config.pageSize,
    });
    const wallMs = performance.now() - started;
    const counts = site.counts();
    return {
      concurrency: options.concurrency,
      queries: queries.length,
      wallMs,
      startMs,
      // Each run has a site of its own: its address in the people's page URLs is not part of the answer.
      digest: JSON.stringify(results).replaceAll(site.origin, '<site>'),
      ladderFetches: counts['GET /api/persons/:id/ladder'] ?? 0,
      distinctLadders: new Set(results.flatMap((r) => r.details.map((d) => d.person.id))).size,
      apiCalls: Object.entries(counts).reduce((n, [k, v]) => (k.includes(' /api/') ? n + v : n), 0),
    };
  } finally {
    await supervisor.stop();
    await site.close();
  }
}
