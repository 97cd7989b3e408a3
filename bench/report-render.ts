/**
 * The report `npm run bench` writes: each benchmark's result as verdicts, tables and charts, then
 * rendered as Markdown and as one self-contained HTML page (inline SVG charts, inline styles, no
 * scripts, nothing fetched).
 */
import type { BenchEntry, BenchReport } from './run-child.js';

export interface Table {
  readonly caption: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

/** Bars in groups (one group per setting, one bar per contender), on one value axis. */
export interface Chart {
  readonly title: string;
  readonly unit: string;
  readonly groups: readonly { readonly label: string; readonly bars: readonly { readonly label: string; readonly value: number }[] }[];
}

export interface Section {
  readonly name: string;
  readonly title: string;
  readonly command: string;
  readonly seconds: number;
  readonly rounds?: number;
  readonly error?: string;
  readonly verdicts: readonly string[];
  readonly tables: readonly Table[];
  readonly charts: readonly Chart[];
}

/** A benchmark's JSON, or a record in it (the fields the report reads are named; any other is allowed). */
export type Json = { readonly [key: string]: unknown } & {
  readonly A?: unknown;
  readonly B?: unknown;
  readonly C?: unknown;
  readonly apiCalls?: unknown;
  readonly authCheckShare?: unknown;
  readonly authChecks?: unknown;
  readonly batchSeconds?: unknown;
  readonly callers?: unknown;
  readonly calls?: unknown;
  readonly completed?: unknown;
  readonly concurrency?: unknown;
  readonly duplicated?: unknown;
  readonly endToEndSeconds?: unknown;
  readonly errors?: unknown;
  readonly extraLoads?: unknown;
  readonly failedRuns?: unknown;
  readonly figures?: unknown;
  readonly gate?: unknown;
  readonly gates?: unknown;
  readonly goal?: unknown;
  readonly goalMet?: unknown;
  readonly json?: unknown;
  readonly killEverySeconds?: unknown;
  readonly kills?: unknown;
  readonly label?: unknown;
  readonly lanes?: unknown;
  readonly latencyMs?: unknown;
  readonly leftoverProcesses?: unknown;
  readonly leftoverTempEntries?: unknown;
  readonly lost?: unknown;
  readonly max?: unknown;
  readonly maxWallSeconds?: unknown;
  readonly min?: unknown;
  readonly minWallSeconds?: unknown;
  readonly pageLoads?: unknown;
  readonly pagesPerSecond?: unknown;
  readonly peakRssMb?: unknown;
  readonly playwright?: unknown;
  readonly queries?: unknown;
  readonly question?: unknown;
  readonly ratio?: unknown;
  readonly rounds?: unknown;
  readonly signIns?: unknown;
  readonly startSeconds?: unknown;
  readonly targetSeconds?: unknown;
  readonly tasks?: unknown;
  readonly verdict?: unknown;
  readonly vsPlaywright?: unknown;
  readonly wallRatio?: unknown;
  readonly wallSeconds?: unknown;
  readonly wrong?: unknown;
  readonly rows?: unknown;
  readonly wallMs?: unknown;
};
/** A record (not null, not a list). */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** `v` if it is a finite number, else NaN. */
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);
/** `v` with `digits` decimals, or '–' when it is no finite number. */
export const fixed = (v: unknown, digits = 2): string => (Number.isFinite(num(v)) ? num(v).toFixed(digits) : '–');

/** Turn one benchmark's JSON into what the report shows. */
export function sectionOf(entry: BenchEntry): Section {
  const base = { name: entry.name, title: entry.title, command: entry.command, seconds: Math.round(entry.seconds) };
  if (entry.error !== undefined || !isObject(entry.json))
    return { ...base, error: entry.error ?? 'no result', verdicts: [], tables: [], charts: [] };
  const json = entry.json;
  const rounds = typeof json.rounds === 'number' ? json.rounds : undefined;
  const shaper = SHAPERS[entry.name] ?? generic;
  const shaped = shaper(json);
  return { ...base, ...(rounds === undefined ? {} : { rounds }), ...shaped };
}

type Shaped = Pick<Section, 'verdicts' | 'tables' | 'charts'>;

/** Benchmarks whose JSON gets tables of its own; any other gets the generic ones. */
const SHAPERS: Readonly<Record<string, (json: Json) => Shaped>> = {
  peers: (json) => peers(json),
  'peers-300': (json) => peers(json),
  gates: (json) => gates(json),
  session: (json) => session(json),
  recovery: (json) => recovery(json),
  cpu: (json) => cpu(json),
  chaos: (json) => chaos(json),
};

function recovery(json: Json): Shaped {
  const ratio = num(json['ratio']);
  return {
    verdicts: [`Goal: ${String(json.goal)}: ${ratio <= 1.2 ? 'met' : 'NOT met'} (${fixed(ratio)}×).`],
    tables: [
      {
        caption: `Cold start and recovery after a SIGKILL with the session restored, medians of ${String(json.rounds)} alternating rounds`,
        headers: ['case', 'ms', 'ratio to a cold start'],
        rows: [
          ['bare cold start (launch → first task answered)', num(json['coldStartMs']), '1.00×'],
          ['recovery (SIGKILL → first task answered, session restored)', num(json['recoveryMs']), `${fixed(ratio)}×`],
          ['of which the backoff delay (full jitter)', num(json['recoveryBackoffMs']), ''],
          ['recovery with `standby: true`', num(json['standbyRecoveryMs']), `${fixed(json['standbyRatio'])}×`],
        ],
      },
    ],
    charts: [],
  };
}

const CPU_KINDS = ['node', 'browser', 'renderer', 'gpu', 'utility', 'other'] as const;

function cpu(json: Json): Shaped {
  const rows = (json.rows as Json[] | undefined) ?? [];
  const side = (r: Json, k: string): Json => (isObject(r[k]) ? r[k] : {});
  const perPage = (s: Json): Json => (isObject(s['cpuMsPerPage']) ? s['cpuMsPerPage'] : {});
  const line = (lanes: unknown, label: string, s: Json, ratio: string): (string | number)[] => [
    num(lanes),
    label,
    ...CPU_KINDS.map((k) => fixed(perPage(s)[k], 1)),
    fixed(perPage(s)['total'], 1),
    fixed(s.pagesPerSecond, 1),
    ratio,
  ];
  const table: (string | number)[][] = [];
  for (const r of rows) {
    table.push(line(r.lanes, 'ours', side(r, 'ours'), ''));
    table.push(line(r.lanes, 'plain Playwright (system Chromium)', side(r, 'playwright'), `${fixed(r['totalRatio'])}×`));
    if (isObject(r['playwrightShell']))
      table.push(line(r.lanes, 'plain Playwright (our executable)', side(r, 'playwrightShell'), `${fixed(r['shellRatio'])}×`));
  }
  return {
    verdicts: rows.map(
      (r) =>
        `${String(r.lanes)} page(s) in flight: our CPU per page ${fixed(r['totalRatio'])}× plain Playwright's on the system Chromium${isObject(r['playwrightShell']) ? `, ${fixed(r['shellRatio'])}× on our executable` : ''} (goal ≤ 0.9×).`,
    ),
    tables: [
      {
        caption: `CPU milliseconds per page by process kind, ${String(json['pages'])} person pages per run at ${String(json.latencyMs)} ms latency, medians of ${String(json.rounds)} alternating rounds (ratio: ours to that side, total CPU)`,
        headers: ['in flight', 'side', ...CPU_KINDS, 'total', 'pages/s', 'ours ÷ side'],
        rows: table,
      },
    ],
    charts: [],
  };
}

function chaos(json: Json): Shaped {
  const runs = (json['runs'] as Json[] | undefined) ?? [];
  const failed = (r: Json): string => {
    const f = isObject(r['failed']) ? Object.entries(r['failed']) : [];
    return f.length === 0 ? '0' : f.map(([code, n]) => `${String(n)} ${code}`).join(', ');
  };
  return {
    verdicts: [],
    tables: [
      {
        caption:
          'Chaos: person pages, each a lane handle’s Navigate then read, 2 lanes or 2 workers, the serving Chromium SIGKILLed every K ms',
        headers: ['side', 'kill every', 'right', 'failed', 'wrong reads', 'unanswered', 'kills', 'wall s', 'extra loads', 'left behind'],
        rows: runs.map((r) => [
          String(r['side']),
          `${String(r['killEveryMs'])} ms`,
          `${String(r['right'])}/${String(r['pages'])}`,
          failed(r),
          num(r['wrongReads']),
          num(r['unanswered']),
          num(r.kills),
          fixed(num(r.wallMs) / 1000, 1),
          num(r.extraLoads),
          num(r['processesLeft']) + num(r['entriesLeft']),
        ]),
      },
    ],
    charts: [],
  };
}

function peers(json: Json): Pick<Section, 'verdicts' | 'tables' | 'charts'> {
  const tables: Table[] = [];
  const charts: Chart[] = [];
  const verdicts: string[] = [];
  const A = json.A as { pages: number; latencyMs: number; summary: Json[] } | undefined;
  if (A) {
    tables.push({
      caption: `Workload A: ${A.pages} person pages (navigate and read), ${A.latencyMs} ms latency, cold start to last answer`,
      headers: ['concurrency', 'contender', 'pages/s', 'min–max', 'peak RSS MB', 'errors', 'wrong', 'left running'],
      rows: A.summary.map((s) => [
        num(s.concurrency),
        String(s.label),
        fixed(s.pagesPerSecond),
        `${fixed(s.min)}–${fixed(s.max)}`,
        num(s.peakRssMb),
        num(s.errors),
        num(s.wrong),
        num(s.leftoverProcesses),
      ]),
    });
    charts.push({
      title: 'Workload A: pages per second (higher is better)',
      unit: 'pages/s',
      groups: groupBy(
        A.summary,
        (s) => `concurrency ${String(s.concurrency)}`,
        (s) => String(s.label),
        (s) => num(s.pagesPerSecond),
      ),
    });
  }
  const B = json.B as { pages: number; concurrency: number; retries: number; summary: Json[] } | undefined;
  if (B) {
    tables.push({
      caption: `Workload B: ${B.pages} tagged pages at concurrency ${B.concurrency}, a browser SIGKILLed every K s, ${B.retries + 1} attempts per page for everyone`,
      headers: [
        'kill every',
        'contender',
        'completed',
        'lost',
        'duplicated',
        'extra loads',
        'kills',
        'wall s',
        'left running',
        'temp entries left',
      ],
      rows: B.summary.map((s) => [
        `${String(s.killEverySeconds)} s`,
        String(s.label),
        `${String(s.completed)}/${String(s.tasks)}`,
        num(s.lost),
        num(s.duplicated),
        num(s.extraLoads),
        num(s.kills),
        fixed(s.wallSeconds, 1),
        num(s.leftoverProcesses),
        num(s.leftoverTempEntries),
      ]),
    });
    charts.push({
      title: 'Workload B: tasks completed under kills (higher is better)',
      unit: 'tasks',
      groups: groupBy(
        B.summary,
        (s) => `a kill every ${String(s.killEverySeconds)} s`,
        (s) => String(s.label),
        (s) => num(s.completed),
      ),
    });
  }
  const C = json.C as { queries: number; concurrency: number; latencyMs: number; answersAgree: boolean; summary: Json[] } | undefined;
  if (C) {
    verdicts.push(`Workload C: the answers of both sides ${C.answersAgree ? 'agree' : 'DIFFER'}.`);
    tables.push({
      caption: `Workload C: the research batch (${C.queries} queries, ${C.concurrency} at a time, ${C.latencyMs} ms latency), cold start to last result`,
      headers: ['contender', 'wall s', 'min–max', 'API calls', 'auth checks', 'sign-ins', 'page loads', 'failed runs'],
      rows: C.summary.map((s) => [
        String(s.label),
        fixed(s.wallSeconds),
        `${fixed(s.minWallSeconds)}–${fixed(s.maxWallSeconds)}`,
        num(s.apiCalls),
        num(s.authChecks),
        num(s.signIns),
        num(s.pageLoads),
        num(s.failedRuns),
      ]),
    });
    charts.push({
      title: 'Workload C: seconds for the research batch (lower is better)',
      unit: 's',
      groups: [{ label: 'research batch', bars: C.summary.map((s) => ({ label: String(s.label), value: num(s.wallSeconds) })) }],
    });
  }
  return { verdicts, tables, charts };
}

function gates(json: Json): Pick<Section, 'verdicts' | 'tables' | 'charts'> {
  const list = (json.gates as Json[] | undefined) ?? [];
  const verdicts = list.map((g) => `Gate ${String(g.gate)} (${String(g.question)}): ${String(g.verdict)}`);
  const tables: Table[] = [];
  const charts: Chart[] = [];
  const g1 = list.find((g) => g.gate === 1);
  if (g1 && isObject(g1.figures)) {
    const f = g1.figures;
    tables.push({
      caption: 'Gate 1: the research batch, one actor, end to end',
      headers: ['queries', 'end to end s', 'start and sign-in s', 'batch s', 'target s', 'API calls'],
      rows: [
        [num(f.queries), fixed(f.endToEndSeconds), fixed(f.startSeconds), fixed(f.batchSeconds), num(f.targetSeconds), num(f.apiCalls)],
      ],
    });
  }
  const g2 = list.find((g) => g.gate === 2);
  const rows2 = g2 && isObject(g2.figures) ? ((g2.figures.rows as Json[] | undefined) ?? []) : [];
  if (rows2.length > 0) {
    const lanes = (r: Json): Json => (isObject(r.lanes) ? r.lanes : {});
    const pw = (r: Json): Json => (isObject(r.playwright) ? r.playwright : {});
    tables.push({
      caption: 'Gate 2: lanes of one browser against plain Playwright with as many tabs',
      headers: ['latency ms', 'lanes', 'lanes pages/s', 'Playwright pages/s', 'ratio'],
      rows: rows2.map((r) => [
        num(r.latencyMs),
        num(r.concurrency),
        fixed(lanes(r).pagesPerSecond),
        fixed(pw(r).pagesPerSecond),
        `${fixed(r.ratio)}×`,
      ]),
    });
    charts.push({
      title: 'Gate 2: pages per second by number of lanes (higher is better)',
      unit: 'pages/s',
      groups: groupBy(
        rows2,
        (r) => `${String(r.latencyMs)} ms latency`,
        (r) => `${String(r.concurrency)} lane(s)`,
        (r) => num(lanes(r).pagesPerSecond),
      ),
    });
  }
  const g3 = list.find((g) => g.gate === 3);
  const rows3 = g3 && isObject(g3.figures) ? ((g3.figures.rows as Json[] | undefined) ?? []) : [];
  if (rows3.length > 0) {
    const side = (r: Json, k: string): Json => (isObject(r[k]) ? r[k] : {});
    tables.push({
      caption: 'Gate 3: worker processes against plain Playwright with as many browsers, and lanes',
      headers: ['N', 'dispatcher pages/s', 'Playwright pages/s', 'lanes pages/s', 'dispatcher / Playwright'],
      rows: rows3.map((r) => [
        num(r.concurrency),
        fixed(side(r, 'dispatcher').pagesPerSecond),
        fixed(side(r, 'playwright').pagesPerSecond),
        fixed(side(r, 'lanes').pagesPerSecond),
        `${fixed(r.vsPlaywright)}×`,
      ]),
    });
    charts.push({
      title: 'Gate 3: pages per second with N browsers (higher is better)',
      unit: 'pages/s',
      groups: rows3.map((r) => ({
        label: `N = ${String(r.concurrency)}`,
        bars: [
          { label: 'dispatcher (N processes)', value: num(side(r, 'dispatcher').pagesPerSecond) },
          { label: 'plain Playwright (N browsers)', value: num(side(r, 'playwright').pagesPerSecond) },
          { label: 'lanes (1 browser, N tabs)', value: num(side(r, 'lanes').pagesPerSecond) },
        ],
      })),
    });
  }
  return { verdicts, tables, charts };
}

function session(json: Json): Pick<Section, 'verdicts' | 'tables' | 'charts'> {
  const rows = (json.rows as Json[] | undefined) ?? [];
  const side = (r: Json, k: string): Json => (isObject(r[k]) ? r[k] : {});
  return {
    verdicts: [`Goal: ${String(json.goal)}: ${json.goalMet === true ? 'met' : 'NOT met'}.`],
    tables: [
      {
        caption: `The same ${String(json.calls)} API calls, ${String(json.latencyMs)} ms latency`,
        headers: ['callers', 'naive ms', 'optimised ms', 'wall ratio', 'naive auth checks', 'optimised auth checks', 'auth check share'],
        rows: rows.map((r) => [
          num(r.callers),
          num(side(r, 'naive').wallMs),
          num(side(r, 'optimised').wallMs),
          `${fixed(r.wallRatio, 3)}×`,
          num(side(r, 'naive').authChecks),
          num(side(r, 'optimised').authChecks),
          fixed(r.authCheckShare, 3),
        ]),
      },
    ],
    charts: [
      {
        title: 'Seconds for the same API calls (lower is better)',
        unit: 's',
        groups: rows.map((r) => ({
          label: `${String(r.callers)} caller(s)`,
          bars: [
            { label: 'naive', value: num(side(r, 'naive').wallMs) / 1000 },
            { label: 'optimised', value: num(side(r, 'optimised').wallMs) / 1000 },
          ],
        })),
      },
    ],
  };
}

/** Any other benchmark: its verdict lines, and each list of records in its JSON as a table. */
function generic(json: Json): Pick<Section, 'verdicts' | 'tables' | 'charts'> {
  const verdicts: string[] = [];
  const tables: Table[] = [];
  // The top level's own figures, as one table of names and values.
  const figures = Object.entries(json).filter(([k, v]) => typeof v === 'number' && k !== 'rounds');
  if (figures.length > 0)
    tables.push({
      caption: 'figures',
      headers: ['figure', 'value'],
      rows: figures.map(([k, v]) => [k, Number.isInteger(v) ? (v as number) : Number((v as number).toFixed(3))]),
    });
  const visit = (value: unknown, path: string, depth: number): void => {
    if (typeof value === 'string' && /verdict|goal/i.test(path)) verdicts.push(`${path}: ${value}`);
    else if (
      isObject(value) &&
      Object.keys(value).length > 0 &&
      Object.values(value).every(isObject) &&
      Object.values(value).every((v) => isObject(v) && Object.values(v).every((x) => !isObject(x) && !Array.isArray(x)))
    ) {
      // Records by name (a case → its figures): one row per case.
      const rows = Object.entries(value)
        .slice(0, 40)
        .map(([k, v]) => ({ case: k, ...flatten(v as Json) }));
      const headers = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 12);
      tables.push({ caption: path, headers, rows: rows.map((r) => headers.map((h) => (r as Record<string, string | number>)[h] ?? '')) });
    } else if (typeof value === 'boolean' && /goal/i.test(path)) verdicts.push(`${path}: ${value ? 'met' : 'NOT met'}`);
    else if (Array.isArray(value) && value.length > 0 && value.every(isObject)) {
      const rows = value.slice(0, 40).map((v) => flatten(v));
      const headers = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 12);
      tables.push({ caption: path, headers, rows: rows.map((r) => headers.map((h) => r[h] ?? '')) });
    } else if (isObject(value) && depth < 3) {
      for (const [k, v] of Object.entries(value)) if (k !== 'machine' && k !== 'runs') visit(v, path ? `${path}.${k}` : k, depth + 1);
    }
  };
  visit(json, '', 0);
  return { verdicts, tables, charts: [] };
}

/** One record's primitive fields, with those of its nested records one level down as `a.b`. */
function flatten(record: Json): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const put = (k: string, v: unknown): void => {
    if (typeof v === 'number') out[k] = Number.isInteger(v) ? v : Number(v.toFixed(3));
    else if (typeof v === 'string') out[k] = v.length > 60 ? `${v.slice(0, 60)}…` : v;
    else if (typeof v === 'boolean') out[k] = v ? 'yes' : 'no';
  };
  for (const [k, v] of Object.entries(record)) {
    if (isObject(v)) for (const [k2, v2] of Object.entries(v)) put(`${k}.${k2}`, v2);
    else put(k, v);
  }
  return out;
}

function groupBy(
  items: readonly Json[],
  group: (j: Json) => string,
  bar: (j: Json) => string,
  value: (j: Json) => number,
): Chart['groups'] {
  const groups = new Map<string, { label: string; value: number }[]>();
  for (const item of items) {
    const key = group(item);
    groups.set(key, [...(groups.get(key) ?? []), { label: bar(item), value: value(item) }]);
  }
  return [...groups].map(([label, bars]) => ({ label, bars }));
}

export function machineText(report: BenchReport): string {
  const m = report.machine;
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB memory; Node ${m.node}; ${m.chromium}`;
}

// ── Markdown ──────────────────────────────────────────────────────────────────────────────

/** A value as a Markdown table cell (its pipes escaped). */
export const mdCell = (v: string | number): string => String(v).replace(/\|/g, '\\|');

export function renderMarkdown(report: BenchReport, options: { readonly level?: number } = {}): string {
  const level = options.level ?? 1;
  const lines = [
    `${'#'.repeat(level)} browser-actor benchmark report${report.profile === 'smoke' ? ' (smoke run: tiny sizes, the figures mean nothing)' : ''}`,
    '',
    `Generated ${report.generatedAt} by \`npm run bench\` in ${report.totalSeconds} s.`,
    '',
    `Machine: ${machineText(report)}.`,
    '',
  ];
  for (const s of report.benches.map(sectionOf)) {
    lines.push(
      `${'#'.repeat(level + 1)} ${s.title}`,
      '',
      `Command: \`${s.command}\` (${s.seconds} s${s.rounds === undefined ? '' : `, ${s.rounds} round(s)`}).`,
      '',
    );
    if (s.error !== undefined) lines.push(`**Failed:** ${s.error}`, '');
    for (const v of s.verdicts) lines.push(`- ${v}`);
    if (s.verdicts.length > 0) lines.push('');
    for (const t of s.tables) {
      lines.push(`${t.caption}:`, '', `| ${t.headers.map(mdCell).join(' | ')} |`, `|${t.headers.map(() => '---').join('|')}|`);
      for (const row of t.rows) lines.push(`| ${row.map(mdCell).join(' | ')} |`);
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}

// ── HTML ──────────────────────────────────────────────────────────────────────────────────

const esc = (v: string | number): string =>
  String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLOURS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];

/** A horizontal grouped bar chart as inline SVG; bars of the same label share a colour across groups. */
export function barChartSvg(chart: Chart): string {
  const labels = [...new Set(chart.groups.flatMap((g) => g.bars.map((b) => b.label)))];
  const max = Math.max(1e-9, ...chart.groups.flatMap((g) => g.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0))));
  const barH = 16;
  const labelW = 400;
  const plotW = 360;
  const width = labelW + plotW + 90;
  let y = 28;
  const parts: string[] = [`<text x="0" y="16" font-size="14" font-weight="bold">${esc(chart.title)}</text>`];
  for (const group of chart.groups) {
    parts.push(`<text x="0" y="${y + 12}" font-size="12" font-weight="bold">${esc(group.label)}</text>`);
    y += 18;
    for (const bar of group.bars) {
      const value = Number.isFinite(bar.value) ? bar.value : 0;
      const w = Math.max(1, Math.round((value / max) * plotW));
      const colour = COLOURS[labels.indexOf(bar.label) % COLOURS.length] as string;
      parts.push(
        `<text x="${labelW - 6}" y="${y + 12}" font-size="11" text-anchor="end">${esc(bar.label)}</text>`,
        `<rect class="bar" x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="${colour}"><title>${esc(`${bar.label}: ${Number.isFinite(bar.value) ? bar.value : 'no value'} ${chart.unit}`)}</title></rect>`,
        `<text x="${labelW + w + 4}" y="${y + 12}" font-size="11">${esc(Number.isFinite(bar.value) ? `${Number(bar.value.toFixed(2))} ${chart.unit}` : '–')}</text>`,
      );
      y += barH + 4;
    }
    y += 8;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="${esc(chart.title)}" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">${parts.join('')}</svg>`;
}

export function renderHtml(report: BenchReport): string {
  const body: string[] = [
    `<h1>browser-actor benchmark report${report.profile === 'smoke' ? ' <small>(smoke run: tiny sizes, the figures mean nothing)</small>' : ''}</h1>`,
    `<p>Generated ${esc(report.generatedAt)} by <code>npm run bench</code> in ${report.totalSeconds} s.</p>`,
    `<p class="machine">Machine: ${esc(machineText(report))}.</p>`,
  ];
  for (const s of report.benches.map(sectionOf)) {
    body.push(
      `<section id="${esc(s.name)}"><h2>${esc(s.title)}</h2>`,
      `<p>Command: <code>${esc(s.command)}</code> (${s.seconds} s${s.rounds === undefined ? '' : `, ${s.rounds} round(s)`}).</p>`,
    );
    if (s.error !== undefined) body.push(`<p class="failed"><strong>Failed:</strong> ${esc(s.error)}</p>`);
    if (s.verdicts.length > 0) body.push(`<ul>${s.verdicts.map((v) => `<li>${esc(v)}</li>`).join('')}</ul>`);
    for (const c of s.charts) body.push(barChartSvg(c));
    for (const t of s.tables) {
      body.push(
        `<table><caption>${esc(t.caption)}</caption><thead><tr>${t.headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>`,
        ...t.rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`),
        '</tbody></table>',
      );
    }
    body.push('</section>');
  }
  const style =
    'body{font-family:sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#111}table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}' +
    'caption{text-align:left;font-weight:bold;padding:.3rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}th{background:#f3f4f6}' +
    'svg.chart{display:block;margin:1rem 0}.failed{color:#b91c1c}.machine{color:#374151}';
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>browser-actor benchmark report</title><style>${style}</style></head><body>${body.join('\n')}</body></html>\n`;
}
