/**
 * `npm run bench:lanes` — the note's Gate 2 ("can we gain throughput with I/O concurrency inside
 * one browser?") answered by measurement. One run, interleaved:
 *  - Pages: N reference-site person pages (navigate, then read the name and lifespan) at 1, 2
 *    and 4 lanes of one supervised browser, against plain Playwright with the same number of
 *    pages in one browser (a hand-written pool: the no-framework limit), with the site's latency
 *    at 20 ms and at 300 ms.
 *  - Research: the research batch at concurrency 1 and 4 against the site with 40 ms latency,
 *    through one ApiClient and its one rate limiter.
 * Reported: pages/s, our/Playwright ratios, error counts of both sides, and a one-line verdict.
 * Flags: `--json`, `--pages=N` (default 200), `--rounds=N` (pairs of runs per setting, default
 * 3), `--queries=N` (research, default 30), `--latency=20,300` (the latencies to run),
 * `--no-research`.
 *
 * Each setting runs `rounds` pairs (ours and Playwright's, alternating which goes first). A pair
 * runs back to back, so a slow spell of this shared machine hits both sides of it; the ratio
 * reported is the median of the pairs' ratios, and pages/s the median of each side's runs.
 */
import { randomBytes } from 'node:crypto';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { generateTree } from '../src/genealogy/synthetic.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { ImportCookies } from '../src/runtime/tasks/constructors.js';
import { type TreeSite, startTreeSite } from '../src/site/server.js';
import { intFlag, median, signInOverHttp, textLog } from './report.js';
import { type PersonPage, laneVisitor, openPlainPlaywright, personPages, visitPages } from './person-pages.js';
import { runResearchBatch } from './research-batch.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const flag = (name: string, fallback: number): number => intFlag(args, name, fallback, 1);
const pagesPerRun = flag('pages', 200);
const rounds = flag('rounds', 3);
const queries = flag('queries', 30);
const latencies = (args.find((a) => a.startsWith('--latency='))?.slice(10) ?? '20,300').split(',').map(Number);
if (latencies.some((ms) => !Number.isInteger(ms) || ms < 0 || ms > 10_000))
  throw new Error('--latency must be a comma-separated list of milliseconds, e.g. 20,300');
const withResearch = !args.includes('--no-research');
const log = textLog(asJson);

interface PageRun {
  readonly side: 'lanes' | 'playwright';
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly pages: number;
  readonly wallMs: number;
  readonly pagesPerSecond: number;
  readonly errors: number;
  readonly wrong: number;
  readonly round: number;
}

async function runLanes(
  site: TreeSite,
  sid: string,
  pages: readonly PersonPage[],
  lanes: number,
): Promise<Omit<PageRun, 'latencyMs' | 'round'>> {
  const supervisor = new SessionSupervisor({ driver: () => new PlaywrightDriver(), lanes });
  try {
    await supervisor.startActor();
    await supervisor.submit(ImportCookies([{ name: 'sid', value: sid, url: site.origin, httpOnly: true, sameSite: 'Lax' }]));
    const { errors, wrong, wallMs } = await visitPages(
      pages,
      lanes,
      laneVisitor((fn) => supervisor.withLane(fn), site.origin),
    );
    return {
      side: 'lanes',
      concurrency: lanes,
      pages: pages.length,
      wallMs,
      pagesPerSecond: (pages.length * 1000) / wallMs,
      errors,
      wrong,
    };
  } finally {
    await supervisor.stop();
  }
}

async function runPlaywright(
  site: TreeSite,
  sid: string,
  pages: readonly PersonPage[],
  concurrency: number,
): Promise<Omit<PageRun, 'latencyMs' | 'round'>> {
  const plain = await openPlainPlaywright(site.origin, sid, concurrency);
  try {
    const { errors, wrong, wallMs } = await visitPages(pages, concurrency, plain.visit);
    return { side: 'playwright', concurrency, pages: pages.length, wallMs, pagesPerSecond: (pages.length * 1000) / wallMs, errors, wrong };
  } finally {
    await plain.close();
  }
}

async function main(): Promise<void> {
  const password = randomBytes(12).toString('base64url');
  const { tree, referencePerson } = generateTree({ people: 10_000, seed: 1 });
  const site = await startTreeSite({ tree, referencePerson, users: [{ username: 'bench', password }], rateLimit: false });
  const runs: PageRun[] = [];
  let research: Awaited<ReturnType<typeof runResearchBatch>>[] = [];
  try {
    const sid = await signInOverHttp(site.origin, 'bench', password);
    const pages = personPages(tree, pagesPerRun);
    // The site's own rendering of the name is the reference: read it once over HTTP.
    const first = await fetch(site.origin + (pages[0] as PersonPage).path, {
      headers: { cookie: `sid=${sid}` },
      signal: AbortSignal.timeout(10_000),
    });
    const shown = /<h1 id="person-name"[^>]*>([^<]*)<\/h1>/.exec(await first.text())?.[1];
    if (shown !== (pages[0] as PersonPage).name)
      throw new Error(`bench: the site shows "${shown}" for ${(pages[0] as PersonPage).path}, expected "${(pages[0] as PersonPage).name}"`);
    let flip = false;
    for (const latencyMs of latencies) {
      site.setKnobs({ latencyMs: { 'GET /person/:id': latencyMs } });
      for (const concurrency of [1, 2, 4]) {
        for (let round = 1; round <= rounds; round++) {
          log(`  latency ${latencyMs} ms, ${concurrency} page(s) per browser, round ${round} of ${rounds} …`);
          const order = flip ? (['playwright', 'lanes'] as const) : (['lanes', 'playwright'] as const);
          flip = !flip;
          for (const side of order) {
            const run =
              side === 'lanes' ? await runLanes(site, sid, pages, concurrency) : await runPlaywright(site, sid, pages, concurrency);
            runs.push({ ...run, latencyMs, round });
          }
        }
      }
    }
  } finally {
    await site.close();
  }
  if (withResearch) {
    log('  research batch at concurrency 1 and 4 …');
    research = [
      await runResearchBatch({ concurrency: 1, queries, latencyMs: 40 }),
      await runResearchBatch({ concurrency: 4, queries, latencyMs: 40 }),
    ];
  }

  const rows = latencies.flatMap((latencyMs) =>
    [1, 2, 4].map((concurrency) => {
      const of = (side: PageRun['side']) =>
        runs.filter((r) => r.side === side && r.latencyMs === latencyMs && r.concurrency === concurrency).sort((a, b) => a.round - b.round);
      const ours = of('lanes');
      const theirs = of('playwright');
      const summary = (side: PageRun[]) => ({
        pagesPerSecond: median(side.map((r) => r.pagesPerSecond)),
        errors: side.reduce((n, r) => n + r.errors, 0),
        wrong: side.reduce((n, r) => n + r.wrong, 0),
        runs: side.map((r) => Number(r.pagesPerSecond.toFixed(2))),
      });
      const ratios = ours.map((r, i) => r.pagesPerSecond / (theirs[i] as PageRun).pagesPerSecond);
      return {
        latencyMs,
        concurrency,
        lanes: summary(ours),
        playwright: summary(theirs),
        ratio: median(ratios),
        ratios: ratios.map((x) => Number(x.toFixed(3))),
      };
    }),
  );
  const multi = rows.filter((r) => r.concurrency > 1);
  const lanesGoal = multi.every((r) => r.ratio >= 0.9);
  const slowest = Math.max(...latencies);
  const atSlowest = rows.filter((r) => r.latencyMs === slowest);
  const best = atSlowest.reduce((a, b) => (b.lanes.pagesPerSecond > a.lanes.pagesPerSecond ? b : a));
  const one = atSlowest.find((r) => r.concurrency === 1) as (typeof rows)[number];
  const gain = best.lanes.pagesPerSecond / one.lanes.pagesPerSecond;
  const [seq, conc] = research;
  const researchRatio = seq && conc ? conc.wallMs / seq.wallMs : undefined;
  const sameResults = seq && conc ? conc.digest === seq.digest : undefined;
  const verdict =
    `Gate 2: ${gain >= 1.5 ? 'YES' : 'NO'} — I/O concurrency inside one browser gains ${gain.toFixed(2)}× at ${slowest} ms latency (${best.concurrency} lanes, ${best.lanes.pagesPerSecond.toFixed(2)} vs ${one.lanes.pagesPerSecond.toFixed(2)} pages/s), ` +
    `lanes at ${Math.min(...multi.map((r) => r.ratio)).toFixed(2)}–${Math.max(...multi.map((r) => r.ratio)).toFixed(2)}× plain Playwright at 2–4 pages` +
    (researchRatio === undefined
      ? ''
      : `, research batch at concurrency 4 in ${researchRatio.toFixed(2)}× the sequential time${sameResults ? ' with identical results' : ' (RESULTS DIFFER)'}`);
  if (asJson) {
    const researchJson = seq && conc ? { sequential: seq, concurrent: conc, ratio: researchRatio, sameResults } : null;
    console.log(
      JSON.stringify(
        {
          pages: pagesPerRun,
          rounds,
          rows,
          research: researchJson,
          goals: { lanesAtLeast0_9: lanesGoal, researchAtMost0_5: researchRatio === undefined ? null : researchRatio <= 0.5 },
          verdict,
        },
        null,
        2,
      ),
    );
    return;
  }
  log();
  log(
    `Pages: ${pagesPerRun} reference-site person pages (navigate + read name and lifespan), one browser per run, ${rounds} interleaved pair(s) per setting (medians)`,
  );
  log(
    `  ${'latency'.padEnd(8)} ${'pages'.padStart(5)} ${'lanes p/s'.padStart(10)} ${'errors'.padStart(7)} ${'Playwright p/s'.padStart(15)} ${'errors'.padStart(7)} ${'ratio'.padStart(6)}`,
  );
  for (const r of rows) {
    log(
      `  ${`${r.latencyMs} ms`.padEnd(8)} ${String(r.concurrency).padStart(5)} ${r.lanes.pagesPerSecond.toFixed(2).padStart(10)} ${String(r.lanes.errors + r.lanes.wrong).padStart(7)} ${r.playwright.pagesPerSecond.toFixed(2).padStart(15)} ${String(r.playwright.errors + r.playwright.wrong).padStart(7)} ${`${r.ratio.toFixed(2)}×`.padStart(6)}  (pairs ${r.ratios.map((x) => x.toFixed(2)).join(' ')})`,
    );
  }
  log(`  goal: lanes ≥ 0.9× plain Playwright at 2 and 4 pages, every latency: ${lanesGoal ? 'met' : 'NOT met'}`);
  if (seq && conc && researchRatio !== undefined) {
    log();
    log(`Research: ${queries} queries, site latency 40 ms, one ApiClient and one rate limiter`);
    log(
      `  concurrency 1: ${(seq.wallMs / 1000).toFixed(2)} s, concurrency 4: ${(conc.wallMs / 1000).toFixed(2)} s → ${researchRatio.toFixed(2)}× (goal ≤ 0.5×: ${researchRatio <= 0.5 ? 'met' : 'NOT met'}); results ${sameResults ? 'identical' : 'DIFFER'}; ladder fetches ${conc.ladderFetches} for ${conc.distinctLadders} distinct people`,
    );
  }
  log();
  log(verdict);
}

await main();
