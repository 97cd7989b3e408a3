import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, isBrowserActorError } from '../errors.js';
import type { Criteria } from '../genealogy/scoring.js';
import { chooseHomePerson } from '../genealogy/synthetic.js';
import { printable } from '../internal/printable.js';
import { InOrder, mapConcurrent } from '../internal/map-concurrent.js';
import { createProgress } from '../internal/progress.js';
import { type LogLevel, parseLogLevel } from '../observability/logging.js';
import { metricsPortFrom } from '../observability/metrics.js';
import { formatResult, formatTimings } from '../research/format.js';
import { csvHeader, csvRow, splitCsvLine } from '../research/output.js';
import { ResultFile, outFormatOf } from '../research/result-file.js';
import type { SiteResearch } from '../research/job.js';
import {
  GedcomSource,
  type PersonSource,
  RunCache,
  Timings,
  foundIds,
  research,
  validateCriteria,
  type ResearchResult,
} from '../research/research.js';
import { writeGedcom7File } from '../genealogy/gedcom-export.js';
import { checkQueueName, checkRedisUrl } from '../runtime/dispatch/redis-shared.js';
import { withDotEnv } from '../session/session-config.js';
import type { SessionManager, SessionStats } from '../session/session-manager.js';
import { DRIVER_FLAGS, DRIVER_HELP, driverEnv } from './driver-flags.js';
import { checkNewFile, readCredentialsFile, readGedcomFile, requireGedcomFile, requireRegularFile, summarizeDiagnostics } from './files.js';
import type { GedcomDiagnostic } from '../genealogy/gedcom.js';

export const RESEARCH_HELP = `Usage:
  browser-actor research [criteria] (--site URL | --credentials FILE | --gedcom FILE) [options]
  browser-actor research --batch FILE (--site URL | --credentials FILE | --gedcom FILE) [options]

Search a family tree, score every candidate, and show the best matches with their family and the
relationship path to the tree's home person.

Criteria (one of --given and --surname is required):
  --given <text>  --surname <text>  --sex <M|F>  --birth-year <year>  --birth-place <text>
  --death-year <year>  --death-place <text>

Where:
  --site <url>         A site with the reference site's API. Credentials: --credentials FILE, else
                       SITE_USERNAME, SITE_PASSWORD and TOTP_SECRET from the environment or .env
                       (never on the command line).
  --credentials <file> The account from the file \`browser-actor serve --credentials FILE\` wrote (and
                       the site's address, so that --site may be left out).
  --gedcom <file>      A GEDCOM file, searched locally (no browser). --home <id> sets the home person.

Options:
  --batch <file>       Many searches in one session: CSV with a header (given,surname,sex,birth_year,
                       birth_place,death_year,death_place) or JSON lines with the same names as keys
                       ({"surname":"Fisher","birth_year":1902}; birthYear is read too). Bad rows are
                       reported with their line number and skipped.
  --top <n>            Ranked people shown per search (1–100). Default 3.
  --ladder-for <k>     Family and relationship path for the best match and k more. Default 0.
  --concurrency <n>    Searches of a batch run at once (1–16), all through one API client and its one
                       rate limiter; output order is unchanged. Default: RESEARCH_CONCURRENCY, else 4.
  --workers <n>        With --site: sign in n sessions, each in its own browser in its own worker
                       process (1–16), and spread the searches over them. All sessions share one rate
                       limiter and one per-run cache, so the output and the load on the site are those
                       of one process; a crashed browser or worker costs one session, not the run.
  --redis <url>        With --site: the sessions' browsers run on worker hosts that consume this Redis
                       (browser-actor worker --redis URL, on any machine); --workers sets how many
                       sessions (default 1). Default: REDIS_URL is not used unless given here.
  --queue <name>       The worker hosts' queue, with --redis. Default browser-actor.
${DRIVER_HELP}
  --metrics-port <n>   With --site: while the run lasts, Prometheus metrics at
                       http://127.0.0.1:<n>/metrics (tasks, latency, queues, restarts, auth checks,
                       429s, cache) and a live status page at /status (also: browser-actor status
                       --port <n>); 0 picks a port.
  --log-level <level>  Logs on stderr (JSON; readable lines on a terminal), secrets redacted: silent,
                       error, warn (default), info, debug or trace. Default: LOG_LEVEL.
  --quiet              No progress and no summary for a batch, and no progress while loading a
                       GEDCOM file of 16 MB or more (by default: a bar with rate and time left on a
                       terminal, a line every 10 s otherwise, on stderr). Errors, skipped rows and
                       an interruption are still reported.
  --json               Results as JSON (one object) on stdout.
  --out <file>         Save each search's result as it finishes: CSV (.csv), JSON lines (.jsonl) or
                       an HTML report (.html: ranked matches, family, the relationship drawn as a
                       chart; one file that opens from disk), by the file's extension. An existing
                       file is refused unless --resume is given. When the run ends the file is put
                       in input order. Ctrl-C stops the run with what was done saved, a summary on
                       stderr and exit status 130.
  --resume             Continue the --out file: the searches it already answers are not run again.
  --export <file.ged>  When the run ends (or is interrupted), write everyone it found as a GEDCOM 7.0
                       file: the ranked people of each search, everyone on each relationship path
                       shown and the home person, with their families (parents, spouses, children,
                       siblings), names, dates, places and links. An existing file is refused.
  --csv                One CSV line per search: the criteria, how many were scored, the tie (if
                       any), the best match and the runner-up with lifespans, places, scores and
                       the relationship path's name.
  --benchmark          Where the run's time went, by component (also in --json output).`;

export interface ResearchCliOptions {
  readonly criteria: Record<string, unknown> | undefined;
  readonly batch: string | undefined;
  readonly site: string | undefined;
  readonly gedcom: string | undefined;
  readonly home: string | undefined;
  readonly top: number;
  readonly ladderFor: number;
  readonly json: boolean;
  readonly csv: boolean;
  readonly benchmark: boolean;
  /** Searches of a batch in flight at once; `undefined`: `RESEARCH_CONCURRENCY`, else 4. */
  readonly concurrency?: number | undefined;
  /** Sessions on dispatcher workers (each its own browser process); `undefined`: one supervisor in this process. */
  readonly workers?: number | undefined;
  /** Run the sessions' browsers on worker hosts of this Redis. */
  readonly redis?: string | undefined;
  readonly queue?: string | undefined;
  /** `DRIVER` and `WEBDRIVER_URL` as `--driver` and `--webdriver` set them. */
  readonly driverEnv?: Record<string, string> | undefined;
  /** `--log-level`; default `LOG_LEVEL`, else `warn`. */
  readonly logLevel?: LogLevel | undefined;
  /** `--metrics-port`: serve Prometheus metrics on 127.0.0.1 at this port (0: a free one) while the run lasts. */
  readonly metricsPort?: number | undefined;
  /** A batch's progress on stderr (a bar on a terminal, periodic lines otherwise); the CLI sets it unless `--quiet`. Default off. */
  readonly progress?: boolean | undefined;
  /** `--out`: save each search's result to this file (`.csv` or `.jsonl`) as it finishes. */
  readonly outFile?: string | undefined;
  /** `--resume`: continue `outFile`, skipping the searches it already answers. */
  readonly resume?: boolean | undefined;
  /** `--quiet`: no progress and no batch summary on stderr (errors, skipped rows and an interruption are still reported). */
  readonly quiet?: boolean | undefined;
  /** `--credentials`: the account (and the site's address) from the file `serve --credentials` wrote. */
  readonly credentials?: string | undefined;
  /** `--export`: write everyone the run found, with their families, to this GEDCOM 7.0 file when it ends. */
  readonly exportFile?: string | undefined;
}

/** A research run with nothing chosen yet: no criteria, source or batch file; defaults for the rest. */
export const RESEARCH_DEFAULTS: ResearchCliOptions = {
  criteria: undefined,
  batch: undefined,
  site: undefined,
  gedcom: undefined,
  home: undefined,
  top: 3,
  ladderFor: 0,
  json: false,
  csv: false,
  benchmark: false,
};

/** The command-line flag of each criterion (`birthYear` is `--birth-year`), for messages. */
function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A batch column's name for a criterion (`birthYear` is `birth_year`), for messages. */
function columnOf(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Refuse a --site value that is not an http(s) address, naming the flag. */
function checkSiteArg(raw: string): void {
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    u = undefined;
  }
  // The value is not echoed: a mistyped address may still carry a password (http//ann:pw@…).
  if (!u) throw new ConfigError('--site is not a URL; it must be an http:// or https:// address such as http://127.0.0.1:8377');
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ConfigError(
      `--site must be an http:// or https:// address such as http://127.0.0.1:8377, got the ${JSON.stringify(u.protocol.slice(0, 20))} scheme`,
    );
  if (u.username || u.password)
    throw new ConfigError(
      '--site must not carry a user name or password; give the account with --credentials FILE or SITE_USERNAME and SITE_PASSWORD',
    );
}

/** Most searches of a batch in flight at once. */
export const MAX_RESEARCH_CONCURRENCY = 16;

export function parseResearchArgs(argv: string[]): ResearchCliOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      given: { type: 'string' },
      surname: { type: 'string' },
      sex: { type: 'string' },
      'birth-year': { type: 'string' },
      'birth-place': { type: 'string' },
      'death-year': { type: 'string' },
      'death-place': { type: 'string' },
      site: { type: 'string' },
      gedcom: { type: 'string' },
      home: { type: 'string' },
      batch: { type: 'string' },
      top: { type: 'string' },
      'ladder-for': { type: 'string' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      benchmark: { type: 'boolean' },
      concurrency: { type: 'string' },
      workers: { type: 'string' },
      redis: { type: 'string' },
      queue: { type: 'string' },
      'log-level': { type: 'string' },
      'metrics-port': { type: 'string' },
      quiet: { type: 'boolean' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      credentials: { type: 'string' },
      export: { type: 'string' },
      ...DRIVER_FLAGS,
    },
  });
  if (positionals.length > 0) throw new ConfigError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.credentials !== undefined && values.gedcom !== undefined)
    throw new ConfigError(
      '--credentials signs in to a site: give it with --site URL (or alone, with the address in the file), not with --gedcom',
    );
  if (values.site === undefined && values.gedcom === undefined && values.credentials === undefined)
    throw new ConfigError(
      'say where to search: --site URL (a site; with --credentials FILE, the address may come from the file) or --gedcom FILE (a family tree file)',
    );
  if (values.site !== undefined && values.gedcom !== undefined) throw new ConfigError('give one of --site URL and --gedcom FILE, not both');
  if (values.site !== undefined) checkSiteArg(values.site);
  if (values.json && values.csv) throw new ConfigError('give at most one of --json and --csv');
  if (values.resume && values.out === undefined) throw new ConfigError('--resume continues an output file: give it with --out FILE');
  if (values.out !== undefined) outFormatOf(values.out); // a clear error before anything starts
  if (values.export !== undefined && !/\.ged$/i.test(values.export))
    throw new ConfigError(
      `--export writes a GEDCOM file: give a name ending in .ged, got ${JSON.stringify(basename(values.export).slice(0, 60))}`,
    );
  const num = (flag: string, v: string | undefined, fallback: number, min: number, max: number): number => {
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
      throw new ConfigError(`--${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return Number(v);
  };
  const fields: Record<string, unknown> = {};
  const map: [string, string][] = [
    ['given', 'given'],
    ['surname', 'surname'],
    ['sex', 'sex'],
    ['birth-year', 'birthYear'],
    ['birth-place', 'birthPlace'],
    ['death-year', 'deathYear'],
    ['death-place', 'deathPlace'],
  ];
  for (const [flag, key] of map) if (values[flag as keyof typeof values] !== undefined) fields[key] = values[flag as keyof typeof values];
  const hasCriteria = Object.keys(fields).length > 0;
  if (values.batch !== undefined && hasCriteria) throw new ConfigError('give criteria or --batch, not both');
  if (values.batch === undefined) validateCriteria(fields, flagOf); // a clear error before anything starts
  return {
    criteria: hasCriteria ? fields : undefined,
    batch: values.batch,
    site: values.site,
    gedcom: values.gedcom,
    home: values.home,
    top: num('top', values.top, 3, 1, 100),
    ladderFor: num('ladder-for', values['ladder-for'], 0, 0, 20),
    json: values.json ?? false,
    csv: values.csv ?? false,
    benchmark: values.benchmark ?? false,
    concurrency: values.concurrency === undefined ? undefined : parseConcurrency('--concurrency', values.concurrency),
    ...parseDispatchArgs({ ...values, site: values.site ?? values.credentials }),
    driverEnv: parseDriverArgs(values),
    logLevel: values['log-level'] === undefined ? undefined : parseLogLevel(values['log-level'], 'warn', '--log-level'),
    metricsPort:
      values['metrics-port'] === undefined ? undefined : metricsPortArg(values['metrics-port'], values.site ?? values.credentials),
    progress: !(values.quiet ?? false),
    quiet: values.quiet ?? false,
    ...(values.out === undefined ? {} : { outFile: values.out, resume: values.resume ?? false }),
    ...(values.credentials === undefined ? {} : { credentials: values.credentials }),
    ...(values.export === undefined ? {} : { exportFile: values.export }),
  };
}

function parseDispatchArgs(values: {
  workers?: string | undefined;
  redis?: string | undefined;
  queue?: string | undefined;
  site?: string | undefined;
}): Pick<ResearchCliOptions, 'workers' | 'redis' | 'queue'> {
  const { workers, redis, queue } = values;
  if ((workers !== undefined || redis !== undefined) && values.site === undefined)
    throw new ConfigError('--workers and --redis need --site (a GEDCOM search runs in this process, with no browser)');
  if (queue !== undefined && redis === undefined) throw new ConfigError('--queue needs --redis URL');
  if (workers !== undefined && (!/^\d+$/.test(workers) || Number(workers) < 1 || Number(workers) > MAX_RESEARCH_CONCURRENCY)) {
    throw new ConfigError(
      `--workers must be a whole number from 1 to ${MAX_RESEARCH_CONCURRENCY} (sessions, each with its own browser process), got ${JSON.stringify(workers.slice(0, 20))}`,
    );
  }
  try {
    return {
      workers: workers === undefined ? undefined : Number(workers),
      redis: redis === undefined ? undefined : checkRedisUrl(redis),
      queue: queue === undefined ? undefined : checkQueueName(queue),
    };
  } catch (error) {
    throw new ConfigError(`--${(error as Error).message}`);
  }
}

function metricsPortArg(raw: string, site: string | undefined): number {
  if (site === undefined) throw new ConfigError('--metrics-port needs --site (a GEDCOM search starts no browser to watch)');
  return metricsPortFrom(raw);
}

function parseDriverArgs(values: {
  driver?: string | undefined;
  webdriver?: string | undefined;
  redis?: string | undefined;
  gedcom?: string | undefined;
}): Record<string, string> | undefined {
  if (values.driver === undefined && values.webdriver === undefined) return undefined;
  if (values.gedcom !== undefined)
    throw new ConfigError('--driver and --webdriver need --site (a GEDCOM search runs in this process, with no browser)');
  if (values.redis !== undefined)
    throw new ConfigError(
      '--driver and --webdriver choose the browsers started here; with --redis, the worker hosts start them: give these to `browser-actor worker`',
    );
  return driverEnv(values, {});
}

function parseConcurrency(name: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > MAX_RESEARCH_CONCURRENCY) {
    throw new ConfigError(
      `${name} must be a whole number from 1 to ${MAX_RESEARCH_CONCURRENCY} (searches at once), got ${JSON.stringify(raw.slice(0, 20))}`,
    );
  }
  return Number(raw);
}

/** One row of a batch file: its line number and its criteria, or why it was refused. */
export type BatchRow = { line: number; criteria: Criteria } | { line: number; error: string };

/** Read a batch file: CSV with a header, or JSON lines (detected from the first non-blank line). */
export function parseBatch(text: string): BatchRow[] {
  const lines = text.split(/\r?\n/);
  const rows: BatchRow[] = [];
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first === -1) return rows;
  const isJson = (lines[first] as string).trim().startsWith('{');
  const keyOf: Record<string, string> = {
    given: 'given',
    surname: 'surname',
    sex: 'sex',
    birth_year: 'birthYear',
    birthyear: 'birthYear',
    birth_place: 'birthPlace',
    birthplace: 'birthPlace',
    death_year: 'deathYear',
    deathyear: 'deathYear',
    death_place: 'deathPlace',
    deathplace: 'deathPlace',
  };
  let header: string[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.trim().startsWith('#')) return;
    try {
      let record: Record<string, unknown>;
      if (isJson) {
        const parsed = JSON.parse(raw) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('a JSON line must be an object of criteria');
        // The same names as the CSV columns (birth_year), or their camelCase (birthYear).
        record = Object.fromEntries(Object.entries(parsed).map(([k, v]): [string, unknown] => [keyOf[k.toLowerCase()] ?? k, v]));
      } else {
        const cells = splitCsvLine(raw);
        if (i === first) {
          header = cells.map((c) => keyOf[c.trim().toLowerCase()] ?? c.trim());
          const unknown = header.filter((h) => !Object.values(keyOf).includes(h));
          if (unknown.length > 0)
            throw new Error(
              `unknown column(s) ${unknown.join(', ')}; columns are given, surname, sex, birth_year, birth_place, death_year, death_place`,
            );
          return;
        }
        if (cells.length !== header.length) throw new Error(`has ${cells.length} cells, the header has ${header.length}`);
        record = Object.fromEntries(header.map((h, k): [string, string] => [h, cells[k]?.trim() ?? '']).filter(([, v]) => v !== ''));
      }
      rows.push({ line, criteria: validateCriteria(record, columnOf) });
    } catch (error) {
      rows.push({ line, error: (error as Error).message });
    }
  });
  return rows;
}

export interface RunResearchOptions extends ResearchCliOptions {
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** Searches given directly (instead of criteria or a batch file). */
  readonly rows?: BatchRow[];
  /** When aborted (the CLI aborts on Ctrl-C), no further search starts; what is done is saved and summed up. */
  readonly signal?: AbortSignal;
}

export interface RunSummary {
  readonly results: { line?: number; result: ResearchResult }[];
  readonly skipped: { line: number; error: string }[];
  readonly failed: { line?: number; error: string; code: string }[];
  /** Searches not run because the `--out` file already had them (`--resume`). */
  readonly alreadySaved: number;
  /** The run was interrupted (its signal aborted) before every search was done. */
  readonly interrupted: boolean;
  readonly wallMs: number;
  readonly timings: Timings;
  /** With --export: the file written, and how many people and families it holds. */
  readonly exported?: { readonly file: string; readonly people: number; readonly families: number } | undefined;
  /** With --export: why the file could not be written (the results are printed and saved all the same). */
  readonly exportError?: { readonly code: string; readonly error: string } | undefined;
  /** With --gedcom: the file, its GEDCOM version and every diagnostic of the reader. */
  readonly gedcom?:
    { readonly file: string; readonly version: string | null; readonly diagnostics: readonly GedcomDiagnostic[] } | undefined;
}

/** Run research from CLI options: one search or a batch, against a site (supervised Chromium) or a GEDCOM file. */
export async function runResearchCli(o: RunResearchOptions): Promise<RunSummary> {
  // Names and cells come from files and sites: printed text never carries their control characters.
  const toOut = o.out ?? ((l: string) => console.log(l));
  const toErr = o.err ?? ((l: string) => console.error(l));
  const out = (l: string): void => toOut(printable(l));
  const err = (l: string): void => toErr(printable(l));
  const started = performance.now();
  const timings = new Timings();
  const cache = new RunCache();
  let rows: BatchRow[];
  if (o.rows) {
    rows = o.rows;
  } else if (o.batch !== undefined) {
    requireRegularFile('--batch', o.batch, 'a CSV or JSON lines file of searches');
    rows = parseBatch(readFileSync(o.batch, 'utf8'));
    // A batch with nothing to search is a mistake to report, not a run that did nothing.
    if (rows.length === 0)
      throw new ConfigError(`--batch ${o.batch}: the file has no searches (it is empty, or only blank and # comment lines)`);
    const valid = rows.filter((row) => !('error' in row)).length;
    if (valid === 0) {
      const first = rows[0] as { line: number; error: string };
      throw new ConfigError(`--batch ${o.batch}: no row can be searched (${rows.length} refused; line ${first.line}: ${first.error})`);
    }
  } else {
    rows = [{ line: 0, criteria: validateCriteria(o.criteria ?? {}, flagOf) }];
  }
  const lineOf = (row: BatchRow): number | undefined => (o.batch !== undefined ? row.line : undefined);
  let source: PersonSource;
  let sources: readonly PersonSource[] = [];
  let session: SessionManager | undefined;
  let sessions: readonly SessionManager[] = [];
  let job: SiteResearch | undefined;
  let gedcomRead: RunSummary['gedcom'];
  // A credentials file (as `serve` writes it) gives the account, and the address when --site does not.
  const creds = o.credentials !== undefined ? readCredentialsFile(o.credentials) : undefined;
  const site = o.site ?? creds?.origin;
  if (o.gedcom === undefined && site === undefined)
    throw new ConfigError(`--credentials ${o.credentials ?? ''}: the file has no "origin"; give the site's address with --site URL`);
  const env: NodeJS.ProcessEnv = {
    ...withDotEnv(o.env ?? process.env),
    ...o.driverEnv,
    ...(creds
      ? { SITE_USERNAME: creds.username, SITE_PASSWORD: creds.password, ...(creds.totpSecret ? { TOTP_SECRET: creds.totpSecret } : {}) }
      : {}),
  };
  const fromEnv = env['RESEARCH_CONCURRENCY'];
  const concurrency = o.concurrency ?? (fromEnv !== undefined && fromEnv !== '' ? parseConcurrency('RESEARCH_CONCURRENCY', fromEnv) : 4);
  // The output file opens (or is refused) before any browser starts; with --resume, the searches
  // it already answers are not run again.
  if (o.exportFile !== undefined) checkNewFile('--export', o.exportFile);
  const file = o.outFile !== undefined ? ResultFile.open(o.outFile, { resume: o.resume === true }) : undefined;
  if (file && file.unreadable > 0)
    err(
      `--out ${file.path}: ${file.unreadable} record(s) cut short (the run that wrote them was killed) were dropped; their searches run again`,
    );
  const savedBefore = new Set(rows.filter((row) => !('error' in row) && file?.has(lineOf(row), row.criteria) === true));
  const saved = (row: BatchRow): boolean => savedBefore.has(row);
  const alreadySaved = savedBefore.size;
  try {
    if (o.gedcom !== undefined) {
      requireGedcomFile(o.gedcom);
      const read = await timings.time('research', 'load GEDCOM', () => readGedcomFile(o.gedcom as string, { quiet: o.progress !== true }));
      // What the reader could not read as written, where users look: a summary on stderr, all of it with --json.
      gedcomRead = { file: o.gedcom, version: read.version ?? null, diagnostics: read.diagnostics };
      for (const l of summarizeDiagnostics(
        o.gedcom,
        read.diagnostics,
        5,
        o.json ? 'all of them in the JSON output' : 'all of them with --json',
      ))
        err(l);
      const home = o.home !== undefined ? read.tree.indexOf(o.home) : chooseHomePerson(read.tree);
      if (home === undefined) throw new ConfigError(`--home ${o.home}: no such person in ${o.gedcom}`);
      source = new GedcomSource(read.tree, home);
    } else {
      // Loaded here: a GEDCOM search, --help and bad usage answer without loading the browser
      // drivers, the supervisor and the queue client (about a second of start-up).
      const { openSiteResearch } = await import('../research/job.js');
      job = await openSiteResearch({
        site: site as string,
        env,
        ...(o.workers === undefined ? {} : { workers: o.workers }),
        ...(o.redis === undefined ? {} : { redis: o.redis }),
        ...(o.queue === undefined ? {} : { queue: o.queue }),
        ...(o.logLevel === undefined ? {} : { logLevel: o.logLevel }),
        ...(o.metricsPort === undefined ? {} : { metricsPort: o.metricsPort }),
        timings,
        cache,
        say: err,
      });
      sessions = job.sessions;
      session = sessions[0];
      sources = job.sources;
      source = sources[0] as PersonSource;
    }
    const results: RunSummary['results'] = [];
    const skipped: RunSummary['skipped'] = [];
    const failed: RunSummary['failed'] = [];
    const toSearch = rows.filter((row) => !('error' in row) && !saved(row)).length;
    if (alreadySaved > 0) err(`--resume: ${alreadySaved} search(es) already in ${file?.path ?? ''} are not run again`);
    if (o.batch !== undefined) job?.watchBatch(() => ({ total: toSearch, done: results.length + failed.length, failed: failed.length }));
    // A batch's progress on stderr: a bar with rate and time left on a terminal, a plain line
    // every 10 s otherwise (through the same stderr writer as the other messages).
    const tty = process.stderr.isTTY === true && !o.json;
    const progress = createProgress({
      unit: 'searches',
      total: toSearch,
      quiet: o.progress !== true || o.batch === undefined,
      tty,
      ...(tty ? {} : { write: (text: string) => err(text.trimEnd()) }),
    });
    // Searches run `concurrency` at a time (one API client, one rate limiter); their output is
    // written in input order, exactly as a sequential run writes it (a CSV row as soon as it is
    // its turn, so that output redirected to a file keeps what was done if the run is cut short).
    if (o.csv) out(csvHeader());
    const inOrder = new InOrder<PromiseSettledResult<ResearchResult | undefined>>((i, outcome) => {
      const row = rows[i] as BatchRow;
      if ('error' in row) {
        skipped.push({ line: row.line, error: row.error });
        err(`${o.batch}:${row.line}: skipped: ${row.error}`);
        return;
      }
      if (saved(row)) return;
      if (outcome.status === 'fulfilled') {
        const result = outcome.value as ResearchResult;
        results.push({ ...(o.batch !== undefined ? { line: row.line } : {}), result });
        if (o.csv) out(csvRow(result, lineOf(row)));
        else if (!o.json) for (const l of formatResult(result)) out(l);
      } else {
        const error = outcome.reason as Error;
        const code = isBrowserActorError(error) ? error.code : 'ERR_UNEXPECTED';
        failed.push({ ...(o.batch !== undefined ? { line: row.line } : {}), error: error.message, code });
        err(`${o.batch !== undefined ? `${o.batch}:${row.line}: ` : ''}${code}: ${error.message}`);
      }
      progress.tick();
    });
    const stopped = new Promise<'interrupted'>((resolve) => {
      if (o.signal?.aborted) resolve('interrupted');
      o.signal?.addEventListener('abort', () => resolve('interrupted'), { once: true });
    });
    const all = mapConcurrent(
      rows,
      concurrency,
      async (row, i) => {
        if ('error' in row || saved(row)) return undefined;
        // A turn of the event loop per search: a local (GEDCOM) search never waits on I/O, and
        // without it a Ctrl-C would only be seen once the whole batch was done.
        await new Promise((resolve) => setImmediate(resolve));
        if (o.signal?.aborted) throw new Error('interrupted');
        return research(row.criteria, sources.length > 1 ? (sources[i % sources.length] as PersonSource) : source, {
          top: o.top,
          ladderFor: o.ladderFor,
          cache,
          timings,
          ...(session ? { maxPages: session.config.maxPages, pageSize: session.config.pageSize } : {}),
        });
      },
      (i, outcome) => {
        if (o.signal?.aborted) return; // cut short: what settles now is neither saved nor printed
        const row = rows[i] as BatchRow;
        // Saved as it finishes, whatever its turn in the printed output.
        if (file && outcome.status === 'fulfilled' && outcome.value && !('error' in row)) file.append(outcome.value, lineOf(row));
        inOrder.push(i, outcome);
      },
      o.signal,
    );
    // On Ctrl-C the searches in flight are left (none of their results is kept); the rest never start.
    const interrupted = (await Promise.race([all.then(() => 'done' as const), stopped])) === 'interrupted';
    progress.end();
    const wallMs = performance.now() - started;
    if (session) {
      const st = sumStats(sessions.map((x) => x.stats()));
      timings.count('session', 'auth checks', st.authChecks);
      timings.count('session', 'auth checks skipped', st.authChecksSkipped);
      timings.add('session', 'sign-ins (form, second factor)', st.signInMs, st.signIns);
      timings.count('api client', 'requests', st.apiRequests);
      timings.add('api client', 'waits for the rate limiter', st.rateLimitWaitMs, st.rateLimitWaits);
      timings.count('api client', 'answers 429 (too many)', st.throttled);
      timings.count('api client', 'retries', st.apiRetries);
    }
    timings.count('research', 'cache hits', cache.hits);
    timings.count('research', 'cache misses', cache.misses);
    // Everyone found, with their families, as GEDCOM 7 (what an interrupted run found too).
    // An export that fails costs the file only: the results are printed and saved all the same.
    let exported: RunSummary['exported'];
    let exportError: RunSummary['exportError'];
    if (o.exportFile !== undefined && results.length > 0) {
      try {
        const { tree, selection } = await timings.time('research', 'export GEDCOM 7', async () =>
          source.exportTree(foundIds(results.map((r) => r.result))),
        );
        await writeGedcom7File(o.exportFile, tree, selection);
        exported = { file: o.exportFile, people: selection.people.length, families: selection.families.length };
        err(`exported ${exported.people} people and ${exported.families} families to ${o.exportFile} (GEDCOM 7.0)`);
      } catch (error) {
        const code = isBrowserActorError(error) ? error.code : 'ERR_UNEXPECTED';
        exportError = { code, error: `--export ${o.exportFile} was not written: ${(error as Error).message}` };
        err(`${code}: --export ${o.exportFile} was not written: ${(error as Error).message}`);
      }
    } else if (o.exportFile !== undefined) err(`--export ${o.exportFile}: nothing was found, so no file was written`);
    const summary: RunSummary = {
      results,
      skipped,
      failed,
      alreadySaved,
      interrupted,
      wallMs,
      timings,
      ...(gedcomRead ? { gedcom: gedcomRead } : {}),
      ...(exported ? { exported } : {}),
      ...(exportError ? { exportError } : {}),
    };
    let summaryLine: string | undefined;
    if (interrupted) {
      const left = toSearch - results.length - failed.length;
      const where = file
        ? `${results.length} saved in ${file.path}; run the same command with --resume to do the other ${left}`
        : `their results are above; with --out FILE a run saves each result as it finishes and --resume continues it`;
      summaryLine = `interrupted: ${results.length + failed.length} of ${toSearch} search(es) done in ${Math.round(wallMs)} ms (${failed.length} failed); ${where}`;
    } else if (o.batch !== undefined || o.rows !== undefined) {
      summaryLine = `batch: ${results.length} searched, ${skipped.length} skipped (bad rows), ${failed.length} failed${alreadySaved > 0 ? `, ${alreadySaved} already saved` : ''}, in ${Math.round(wallMs)} ms; per-run cache ${cache.hits} hits, ${cache.misses} misses${file ? `; saved in ${file.path}` : ''}`;
    }
    file?.describe({
      source: site ?? basename(o.gedcom ?? ''),
      ...(summaryLine ? { summary: summaryLine } : {}),
      timings: [...timings.rows.values()],
      wallMs,
    });
    file?.close();
    if (summaryLine && (interrupted || o.quiet !== true)) err(summaryLine);
    if (o.json) {
      out(
        JSON.stringify(
          {
            results: results.map((r) => ({ ...r, criteria: r.result.criteria })),
            skipped,
            failed,
            ...(interrupted ? { interrupted } : {}),
            ...(gedcomRead ? { gedcom: gedcomRead } : {}),
            ...(exported ? { exported } : {}),
            ...(exportError ? { exportError } : {}),
            wallMs,
            ...(o.benchmark ? { benchmark: [...timings.rows.values()] } : {}),
          },
          null,
          2,
        ),
      );
    } else if (o.benchmark) {
      for (const l of formatTimings(timings, wallMs)) (o.csv ? err : out)(l);
    }
    return summary;
  } finally {
    file?.close();
    await job?.close();
  }
}

/** The counters of several sessions, added up. */
function sumStats(all: SessionStats[]): SessionStats {
  const out: Record<string, number> = {};
  for (const st of all) for (const [k, v] of Object.entries(st)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v;
  return out as unknown as SessionStats;
}
