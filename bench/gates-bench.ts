/**
 * `npm run bench:gates` — the note's three decision gates, each answered by a measurement made
 * in this run, with its verdict and the figures behind it:
 *  - Gate 1, "is end-to-end throughput currently insufficient for target SLAs?": the research
 *    batch through one supervised browser and one SessionManager, one query at a time, timed
 *    end to end (browser start, sign-in, batch) against `--target` seconds (default 38.2, the
 *    note's hotspot for its research module). Insufficient (YES) when it takes longer.
 *  - Gate 2, "can we gain throughput with I/O concurrency inside one browser without increasing
 *    failure modes?": from `bench:lanes` (pages at 1, 2 and 4 lanes against plain Playwright,
 *    and the research batch at concurrency 1 and 4), run here with smaller sizes.
 *  - Gate 3, "can we isolate several browsers by process boundaries?": from `bench:dispatch`
 *    (worker processes against plain Playwright with as many browsers, and one browser killed),
 *    run here with smaller sizes.
 * Flags: `--json`, `--target=SECONDS` (default 38.2), `--queries=N` (Gate 1 and the research
 * part of Gate 2, default 30), `--latency=MS` (Gate 1's site latency on every route, default 40),
 * `--pages=N` (Gates 2 and 3, default 60), `--rounds=N` (default 1), `--lane-latency=20,300` (the
 * page latencies Gate 2 runs), `--widths=1,2,4` (the numbers of browsers Gate 3 runs), `--only=1,2,3`.
 */
import { runResearchBatch } from './research-batch.js';
import { benchProgress, intFlag, integersFlag, machineInfo, machineLine, stringFlag, textLog } from './report.js';
import { type ChildResult, runChildBench } from './run-child.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const log = textLog(asJson);
const targetRaw = stringFlag(args, 'target');
const targetSeconds = targetRaw === undefined ? 38.2 : Number(targetRaw);
if (!(targetSeconds > 0)) throw new Error(`--target must be a number of seconds above 0, got ${targetRaw}`);
const queries = intFlag(args, 'queries', 30, 1);
const latencyMs = intFlag(args, 'latency', 40, 0);
const pages = intFlag(args, 'pages', 60, 1);
const rounds = intFlag(args, 'rounds', 1, 1);
const laneLatency = stringFlag(args, 'lane-latency') ?? '20,300';
if (!/^\d+(,\d+)*$/.test(laneLatency))
  throw new Error(`--lane-latency takes milliseconds separated by commas, e.g. 20,300; got ${laneLatency}`);
const widths = integersFlag(args, 'widths', [1, 2, 4]);
const only = (stringFlag(args, 'only') ?? '1,2,3').split(',');
if (only.some((g) => !['1', '2', '3'].includes(g))) throw new Error(`--only takes gate numbers 1, 2 and 3, got ${only.join(',')}`);

export interface GateVerdict {
  readonly gate: 1 | 2 | 3;
  readonly question: string;
  /** The gate's answer: `yes`, `no`, or `unknown` when its measurement failed. */
  readonly answer: 'yes' | 'no' | 'unknown';
  readonly verdict: string;
  readonly figures: Readonly<Record<string, unknown>>;
  readonly command?: string;
}

async function gate1(): Promise<GateVerdict> {
  log(`  Gate 1: the research batch, one query at a time, end to end …`);
  const run = await runResearchBatch({ concurrency: 1, queries, latencyMs });
  const seconds = (run.startMs + run.wallMs) / 1000;
  const insufficient = seconds > targetSeconds;
  return {
    gate: 1,
    question: 'Is end-to-end throughput currently insufficient for target SLAs?',
    answer: insufficient ? 'yes' : 'no',
    verdict:
      `${insufficient ? 'YES' : 'NO'} — one actor did the ${run.queries}-query research batch end to end in ${seconds.toFixed(1)} s ` +
      `(browser start and sign-in ${(run.startMs / 1000).toFixed(1)} s, batch ${(run.wallMs / 1000).toFixed(1)} s, ${((run.queries * 1000) / run.wallMs).toFixed(2)} queries/s) against a target of ${targetSeconds} s` +
      (insufficient ? ': go on to Gate 2.' : ': by the note, single-threaded is enough for this target.'),
    figures: {
      targetSeconds,
      endToEndSeconds: Number(seconds.toFixed(2)),
      startSeconds: Number((run.startMs / 1000).toFixed(2)),
      batchSeconds: Number((run.wallMs / 1000).toFixed(2)),
      queries: run.queries,
      apiCalls: run.apiCalls,
      ladderFetches: run.ladderFetches,
      distinctLadders: run.distinctLadders,
      latencyMs,
    },
  };
}

function failed(gate: 2 | 3, question: string, result: ChildResult): GateVerdict {
  return {
    gate,
    question,
    answer: 'unknown',
    verdict: `UNKNOWN — the measurement failed: ${result.error ?? 'no answer'}`,
    figures: {},
    command: result.command,
  };
}

async function gate2(): Promise<GateVerdict> {
  const question = 'Can we gain throughput with I/O concurrency (not parallel browsers) without increasing failure modes?';
  log(`  Gate 2: bench:lanes with ${pages} pages …`);
  const result = await runChildBench({
    script: 'lanes-bench',
    args: [`--pages=${pages}`, `--rounds=${rounds}`, `--queries=${queries}`, `--latency=${laneLatency}`],
    timeoutMs: 20 * 60_000,
  });
  if (result.json === undefined) return failed(2, question, result);
  const lanes = result.json as {
    rows: {
      latencyMs: number;
      concurrency: number;
      ratio: number;
      lanes: { pagesPerSecond: number; errors: number; wrong: number };
      playwright: { errors: number; wrong: number };
    }[];
    research: { ratio: number; sameResults: boolean } | null;
    verdict: string;
  };
  const slowest = Math.max(...lanes.rows.map((r) => r.latencyMs));
  const at = lanes.rows.filter((r) => r.latencyMs === slowest);
  const one = at.find((r) => r.concurrency === 1);
  const best = at.reduce((a, b) => (b.lanes.pagesPerSecond > a.lanes.pagesPerSecond ? b : a));
  const gain = one ? best.lanes.pagesPerSecond / one.lanes.pagesPerSecond : 0;
  const ourFailures = lanes.rows.reduce((n, r) => n + r.lanes.errors + r.lanes.wrong, 0);
  const theirFailures = lanes.rows.reduce((n, r) => n + r.playwright.errors + r.playwright.wrong, 0);
  const yes = gain >= 1.5 && ourFailures <= theirFailures && (lanes.research?.sameResults ?? true);
  return {
    gate: 2,
    question,
    answer: yes ? 'yes' : 'no',
    verdict:
      `${yes ? 'YES' : 'NO'} — ${best.concurrency} lanes of one browser serve ${gain.toFixed(2)}× the pages of one lane at ${slowest} ms latency, with ${ourFailures} failed pages (plain Playwright: ${theirFailures})` +
      (lanes.research
        ? `; the research batch at concurrency 4 took ${lanes.research.ratio.toFixed(2)}× the sequential time${lanes.research.sameResults ? ' with identical results' : ' (RESULTS DIFFER)'}`
        : '') +
      (yes ? ': prefer lanes inside one BrowserActor.' : '.'),
    figures: {
      gain: Number(gain.toFixed(2)),
      latencyMs: slowest,
      ourFailures,
      theirFailures,
      rows: lanes.rows,
      research: lanes.research,
      benchVerdict: lanes.verdict,
    },
    command: result.command,
  };
}

async function gate3(): Promise<GateVerdict> {
  const question = 'If multiple browsers are required, can we isolate them via process boundaries (preferred) over threads?';
  log(`  Gate 3: bench:dispatch with ${pages} pages …`);
  const result = await runChildBench({
    script: 'dispatch-bench',
    args: [`--pages=${pages}`, `--rounds=${rounds}`, `--widths=${widths.join(',')}`],
    timeoutMs: 20 * 60_000,
  });
  if (result.json === undefined) return failed(3, question, result);
  const dispatch = result.json as {
    rows: { concurrency: number; vsPlaywright: number; vsLanes: number; dispatcher: { pagesPerSecond: number; errors: number } }[];
    blast: { dispatcher: { failed: number; reloaded: number }; lanes: { failed: number; reloaded: number } };
    verdict: string;
  };
  const ratios = dispatch.rows.map((r) => r.vsPlaywright);
  const errors = dispatch.rows.reduce((n, r) => n + r.dispatcher.errors, 0);
  const yes = errors === 0 && dispatch.blast.dispatcher.failed === 0;
  return {
    gate: 3,
    question,
    answer: yes ? 'yes' : 'no',
    verdict:
      `${yes ? 'YES' : 'NO'} — worker processes (one browser each) ran at ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}× plain Playwright with as many browsers in one process, with ${errors} failed pages; ` +
      `with one browser SIGKILLed mid-run, ${dispatch.blast.dispatcher.failed} pages failed and ${dispatch.blast.dispatcher.reloaded} were loaded again` +
      (yes ? ': isolation by process costs little and contains a crash to its worker.' : '.'),
    figures: { rows: dispatch.rows, blast: dispatch.blast, benchVerdict: dispatch.verdict },
    command: result.command,
  };
}

async function main(): Promise<void> {
  const gates: GateVerdict[] = [];
  const steps = [
    ['1', gate1],
    ['2', gate2],
    ['3', gate3],
  ] as const;
  const chosen = steps.filter(([n]) => only.includes(n));
  // A line every 10 s (a bar on a terminal) while the gates' benchmarks run; not with --quiet.
  const bar = benchProgress(process.argv.slice(2), chosen.length, 'gates');
  for (const [n, gate] of chosen) {
    bar.label(`Gate ${n}`);
    gates.push(await gate());
    bar.tick();
  }
  bar.end();
  const machine = machineInfo();
  if (asJson) {
    console.log(JSON.stringify({ machine, targetSeconds, queries, pages, rounds, gates }, null, 2));
    return;
  }
  log();
  log(machineLine(machine));
  for (const g of gates) {
    log(`Gate ${g.gate}: ${g.question}`);
    log(`  ${g.verdict}`);
    if (g.command) log(`  (measured by: ${g.command})`);
  }
}

await main();
