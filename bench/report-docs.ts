/**
 * The figures in README.md and docs/benchmarks.md come from one `npm run bench` run: each file
 * holds a block between two marker comments that the run rewrites, and the run's raw result is
 * kept beside them (docs/bench-report.json) so that anyone can check where a figure came from and
 * rebuild the blocks (`node build/bench/run-all.js --docs-from=docs/bench-report.json`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Json, fixed, isObject, machineText, mdCell, num, renderMarkdown } from './report-render.js';
import type { BenchEntry, BenchReport } from './run-child.js';

/** Where the raw result of the run the documents quote is kept, relative to the project root. */
export const DOCS_REPORT = 'docs/bench-report.json';

/** The generated blocks: file (relative to the project root) and block name. */
export const DOC_BLOCKS = [
  { file: 'README.md', block: 'performance', render: (r: BenchReport) => readmePerformance(r) },
  { file: 'docs/benchmarks.md', block: 'latest-run', render: (r: BenchReport) => docsLatestRun(r) },
] as const;

const begin = (name: string): string => `<!-- bench-report:begin ${name} (written by npm run bench; edits here are overwritten) -->`;
const end = (name: string): string => `<!-- bench-report:end ${name} -->`;

/** `text` with the body of its block `name` replaced; throws, naming `file`, when the block's markers are missing or out of order. */
export function replaceBlock(text: string, name: string, body: string, file: string): string {
  const open = begin(name);
  const close = end(name);
  const from = text.indexOf(open);
  const to = text.indexOf(close);
  if (from === -1 || to === -1 || to < from || text.indexOf(open, from + 1) !== -1 || text.indexOf(close, to + 1) !== -1) {
    throw new Error(
      `${file} has no single generated block "${name}": it needs the line\n  ${open}\nthen, further down, the line\n  ${close}\n(once each) where the figures belong`,
    );
  }
  return `${text.slice(0, from + open.length)}\n\n${body.trim()}\n\n${text.slice(to)}`;
}

/** The body of block `name` in `text`, or undefined when it has none. */
export function blockBody(text: string, name: string): string | undefined {
  const from = text.indexOf(begin(name));
  const to = text.indexOf(end(name));
  if (from === -1 || to < from) return undefined;
  return text.slice(from + begin(name).length, to).trim();
}

/** Rewrite every generated block under `root` from `report`, and keep the report as {@link DOCS_REPORT}. Returns the files written. */
export function writeDocs(report: BenchReport, root: string): string[] {
  if (report.profile !== 'standard') throw new Error('the documents quote a standard run only, not a smoke run');
  const failed = report.benches.filter((b) => b.error !== undefined).map((b) => b.name);
  if (failed.length > 0) throw new Error(`the documents were left as they were: ${failed.join(', ')} failed in this run`);
  // Check every block before writing any file, so a missing marker leaves all of them untouched.
  const updated = DOC_BLOCKS.map(({ file, block, render }) => {
    const path = join(root, file);
    return { file, path, text: replaceBlock(readFileSync(path, 'utf8'), block, render(report), file) };
  });
  for (const { path, text } of updated) writeFileSync(path, text);
  writeFileSync(join(root, DOCS_REPORT), `${JSON.stringify(report, null, 2)}\n`);
  return [...updated.map((u) => u.file), DOCS_REPORT];
}

const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

function jsonOf(report: BenchReport, name: string): Json | undefined {
  const entry: BenchEntry | undefined = report.benches.find((b) => b.name === name);
  return entry && entry.error === undefined && isObject(entry.json) ? entry.json : undefined;
}

/** A table with one row per `rowKey` value and one column per contender, in first-seen order. */
function pivot(items: readonly Json[], rowKey: (j: Json) => string, rowHeader: string, value: (j: Json) => string): string[] {
  const columns = [...new Set(items.map((i) => String(i['label'])))];
  const rows = [...new Set(items.map(rowKey))];
  const lines = [`| ${rowHeader} | ${columns.map(mdCell).join(' | ')} |`, `|${['', ...columns].map(() => '---').join('|')}|`];
  for (const row of rows) {
    const of = (label: string): string => {
      const item = items.find((i) => rowKey(i) === row && String(i['label']) === label);
      return item ? value(item) : '–';
    };
    lines.push(`| ${row} | ${columns.map((c) => mdCell(of(c))).join(' | ')} |`);
  }
  return lines;
}

const ours = (label: unknown): boolean => String(label).startsWith('browser-actor');

/** README's Performance figures: the peers' tables and one line per other headline figure. */
export function readmePerformance(report: BenchReport): string {
  const date = report.generatedAt.slice(0, 10);
  const out: string[] = [
    `From one run of \`npm run bench\` on ${date} (${Math.round(report.totalSeconds / 60)} min in all), on ${machineText(report)}. ` +
      `Ratios are taken within that run. The run's raw result is [${DOCS_REPORT}](${DOCS_REPORT}), its tables are in ` +
      `[docs/benchmarks.md](docs/benchmarks.md#the-latest-run), and each run writes a report with charts to \`bench-report/\`.`,
    '',
  ];
  const peers = jsonOf(report, 'peers');
  const A = isObject(peers?.['A']) ? peers['A'] : undefined;
  if (A) {
    const summary = list(A['summary']);
    out.push(
      `Reference-site person pages, navigate and read the name and lifespan, ${String(A['pages'])} pages at ${String(A['latencyMs'])} ms latency, timed from a cold start, in pages/s (medians; ours in bold):`,
      '',
      ...pivot(
        summary,
        (s) => String(s['concurrency']),
        'pages in flight',
        (s) => (ours(s['label']) ? `**${fixed(s['pagesPerSecond'])}**` : fixed(s['pagesPerSecond'])),
      ),
      '',
    );
  }
  const B = isObject(peers?.['B']) ? peers['B'] : undefined;
  if (B) {
    out.push(
      `With one of the contender's browsers SIGKILLed every K seconds during ${String(B['pages'])} pages, ${num(B['retries']) + 1} attempts per page for everyone (completed with the right content; lost; duplicated):`,
      '',
      ...pivot(
        list(B['summary']),
        (s) => `${String(s['killEverySeconds'])} s`,
        'kill every',
        (s) => `${String(s['completed'])} of ${String(s['tasks'])}, ${String(s['lost'])} lost, ${String(s['duplicated'])} duplicated`,
      ),
      '',
    );
  }
  const lines: string[] = [];
  const slow = jsonOf(report, 'peers-300');
  const slowA = isObject(slow?.['A']) ? slow['A'] : undefined;
  if (slowA) {
    const rows = list(slowA['summary']);
    const lanes = rows.find((r) => ours(r['label']));
    if (lanes) {
      const others = rows
        .filter((r) => r !== lanes)
        .map(
          (r) => `${fixed(num(lanes['pagesPerSecond']) / num(r['pagesPerSecond']))}× ${String(r['label'])} (${fixed(r['pagesPerSecond'])})`,
        );
      lines.push(
        `**At ${String(slowA['latencyMs'])} ms latency, ${String(lanes['concurrency'])} pages in flight** (${String(slowA['pages'])} pages): lanes ${fixed(lanes['pagesPerSecond'])} pages/s, ${others.join(', ')}.`,
      );
    }
  }
  const C = isObject(peers?.['C']) ? peers['C'] : undefined;
  if (C) {
    const rows = list(C['summary']);
    const mine = rows.find((r) => ours(r['label']));
    const theirs = rows.find((r) => !ours(r['label']));
    if (mine && theirs)
      lines.push(
        `**Signed-in API work** (the research batch of ${String(C['queries'])} queries after a browser sign-in): ${fixed(mine['wallSeconds'])} s through our SessionManager against ${fixed(theirs['wallSeconds'])} s through Playwright's \`context.request\` (${fixed(num(mine['wallSeconds']) / num(theirs['wallSeconds']))}×); the answers ${C['answersAgree'] === true ? 'agree' : 'DIFFER'}.`,
      );
  }
  const recovery = jsonOf(report, 'recovery');
  if (recovery)
    lines.push(
      `**Recovery** after a SIGKILL, the session restored and verified: ${String(recovery['recoveryMs'])} ms against a cold start's ${String(recovery['coldStartMs'])} ms, **${fixed(recovery['ratio'])}×** (goal ≤ 1.2×; medians of ${String(recovery['rounds'])} alternating rounds); with \`standby: true\`, ${String(recovery['standbyRecoveryMs'])} ms (${fixed(recovery['standbyRatio'])}×).`,
    );
  const cpu = jsonOf(report, 'cpu');
  if (cpu) {
    const parts = list(cpu['rows']).map(
      (r) =>
        `${String(r['lanes'])} in flight **${fixed(r['totalRatio'])}×** plain Playwright's on the system Chromium${isObject(r['playwrightShell']) ? ` and ${fixed(r['shellRatio'])}× plain Playwright's on the same headless shell` : ''}`,
    );
    lines.push(`**CPU per page**, every process counted from \`/proc\` (goal ≤ 0.9×): ${parts.join('; ')}.`);
  }
  const chaos = jsonOf(report, 'chaos');
  if (chaos) {
    const parts = list(chaos['runs']).map((r) => {
      const failed = isObject(r['failed']) ? Object.values(r['failed']).reduce<number>((n, v) => n + num(v), 0) : 0;
      return `${String(r['side'])} at a kill every ${fixed(num(r['killEveryMs']) / 1000, 1)} s: ${String(r['right'])} of ${String(r['pages'])} right (${String(r['kills'])} kills, ${failed} failed, ${String(r['wrongReads'])} wrong reads)`;
    });
    lines.push(`**Chaos**, each page a lane handle's Navigate then read, the serving Chromium SIGKILLed on a timer: ${parts.join('; ')}.`);
  }
  const session = jsonOf(report, 'session');
  if (session) {
    const rows = list(session['rows']);
    const ratios = rows.map((r) => fixed(r['wallRatio']));
    const shares = rows.map((r) => `${fixed(num(r['authCheckShare']) * 100, 1)} %`);
    lines.push(
      `**The session layer**: ${String(session['calls'])} API calls in ${ratios.join(' and ')}× the time of the original tool's way, with ${shares.join(' and ')} of its auth checks (one caller, then several).`,
    );
  }
  const gates = jsonOf(report, 'gates');
  if (gates) {
    const verdicts = list(gates['gates']).map((g) => `  - Gate ${String(g['gate'])}: ${String(g['verdict']).replace(/\.+$/, '')}.`);
    lines.push(`**The note's gates**:\n${verdicts.join('\n')}`);
  }
  const missing = report.benches.filter((b) => b.error !== undefined).map((b) => b.name);
  if (missing.length > 0) lines.push(`Not measured in this run (failed): ${missing.join(', ')}.`);
  out.push(...lines.map((l) => `- ${l}`));
  return out.join('\n');
}

/** docs/benchmarks.md's latest run: the whole report's tables. */
export function docsLatestRun(report: BenchReport): string {
  return renderMarkdown(report, { level: 2 })
    .split('\n')
    .slice(2) // its own title: the section in docs/benchmarks.md has one
    .join('\n');
}
