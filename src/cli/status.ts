import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { readBoundedText } from '../internal/bounded-body.js';
import { printable } from '../internal/printable.js';
import type { FaultStatus, QueueStatus, RunningTask, StatusSnapshot } from '../observability/status.js';
import { type ClusterStatus, readClusterStatus } from '../runtime/dispatch/redis-cluster.js';
import { DEFAULT_QUEUE, checkQueueName, checkRedisUrl } from '../runtime/dispatch/redis-shared.js';
import { redactUrl } from '../internal/redact.js';

export const STATUS_HELP = `Usage:
  browser-actor status --port <n> [--watch] [--interval <s>]
  browser-actor status --url http://127.0.0.1:<n> [--watch]
  browser-actor status --redis <url> [--queue <name>] [--json] [--watch]

Show the live status of a running job (\`research --site … --metrics-port <n>\` or
\`worker --metrics-port <n>\`): each actor and worker with its state, uptime, restarts, recycles, lanes,
queue depth, the task in flight, the last fault and the tasks of the last minute. The same is
on the job's status page, http://127.0.0.1:<n>/status, in a browser.

With --redis, the whole cluster of worker hosts on that Redis instead, read from Redis alone:
each live host (version, worker processes and lanes, tasks in flight, tasks answered in all and in
the last minute, restarts, last heartbeat, machine and pid) and the queue's depth by priority.

Options:
  --port <n>           The job's --metrics-port (on 127.0.0.1).
  --url <url>          Or the endpoint's address (http://host:port).
  --redis <url>        Or a Redis with worker hosts (browser-actor worker --redis URL). Default: none.
  --queue <name>       The hosts' queue, with --redis. Default browser-actor.
  --json               With --redis: the cluster's status as JSON.
  --watch              Redraw every --interval seconds until Ctrl-C (or until the job ends).
  --interval <s>       Seconds between redraws with --watch, 1–3600. Default 2.`;

export interface StatusCliOptions {
  /** The endpoint's origin, e.g. http://127.0.0.1:9464 (absent with `cluster`). */
  readonly base: string;
  /** `--redis`: the cluster of worker hosts on this Redis and queue instead of one job. */
  readonly cluster?: { readonly redis: string; readonly queue: string; readonly json: boolean };
  readonly watch: boolean;
  readonly intervalS: number;
}

export function parseStatusArgs(argv: string[]): StatusCliOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      url: { type: 'string' },
      redis: { type: 'string' },
      queue: { type: 'string' },
      json: { type: 'boolean' },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new ConfigError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const given = [values.port, values.url, values.redis].filter((v) => v !== undefined).length;
  if (given !== 1)
    throw new ConfigError(
      "give the job's endpoint: --port <n> (its --metrics-port) or --url http://127.0.0.1:<n>; or --redis <url> for the cluster of worker hosts (one of the three)",
    );
  if (values.redis === undefined && (values.queue !== undefined || values.json))
    throw new ConfigError('--queue and --json go with --redis');
  const interval = values.interval ?? '2';
  if (!/^\d{1,4}$/.test(interval) || Number(interval) < 1 || Number(interval) > 3600)
    throw new ConfigError(`--interval must be a whole number of seconds from 1 to 3600, got ${JSON.stringify(interval.slice(0, 20))}`);
  if (values.interval !== undefined && !values.watch) throw new ConfigError('--interval goes with --watch');
  if (values.redis !== undefined) {
    let redis: string;
    let queue: string;
    try {
      redis = checkRedisUrl(values.redis);
      queue = checkQueueName(values.queue ?? DEFAULT_QUEUE);
    } catch (error) {
      throw new ConfigError((error as Error).message.replace(/^redis /, '--redis ').replace(/^queue /, '--queue '));
    }
    if (values.json && values.watch) throw new ConfigError('--json prints once; leave out --watch');
    return { base: '', cluster: { redis, queue, json: values.json === true }, watch: values.watch === true, intervalS: Number(interval) };
  }
  let base: string;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) < 1 || Number(values.port) > 65_535)
      throw new ConfigError(`--port must be a whole number from 1 to 65535, got ${JSON.stringify(values.port.slice(0, 20))}`);
    base = `http://127.0.0.1:${Number(values.port)}`;
  } else {
    let url: URL;
    try {
      url = new URL(values.url ?? '');
    } catch {
      throw new ConfigError(
        `--url must be an http URL such as http://127.0.0.1:9464, got ${JSON.stringify((values.url ?? '').slice(0, 80))}`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--url must use http or https, got ${url.protocol}`);
    if (url.username || url.password) throw new ConfigError('--url must not carry credentials (the endpoint needs none)');
    base = url.origin;
  }
  return { base, watch: values.watch === true, intervalS: Number(interval) };
}

/** More than any status of ours: a job with hundreds of workers sends well under 1 MiB. */
const MAX_STATUS_BYTES = 8 * 1_048_576;

/** Read `/status.json` with a deadline. A job that does not answer, or answers something else, is a ConfigError that says what to check. */
export async function fetchStatus(base: string, timeoutMs = 5000): Promise<StatusSnapshot> {
  const url = `${base}/status.json`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    const why = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'nothing answers there';
    throw new ConfigError(`${url}: ${why}. Is a job running with --metrics-port on that port?`, { cause: error });
  }
  const text = await readBoundedText(res, MAX_STATUS_BYTES).catch(() => undefined);
  if (text === undefined)
    throw new ConfigError(
      `${url} answered more than ${MAX_STATUS_BYTES / 1_048_576} MiB (or broke off): not a browser-actor status endpoint (give the job's --metrics-port)`,
    );
  if (res.status !== 200)
    throw new ConfigError(`${url} answered HTTP ${res.status}: not a browser-actor status endpoint (give the job's --metrics-port)`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const s = body as Partial<StatusSnapshot> | undefined;
  if (typeof s !== 'object' || s === null || !Array.isArray(s.actors) || !Array.isArray(s.dispatchers) || typeof s.process !== 'object') {
    throw new ConfigError(`${url} did not answer a browser-actor status (give the job's --metrics-port)`);
  }
  return s as StatusSnapshot;
}

function duration(ms: number | null): string {
  if (ms === null) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const fault = (f: FaultStatus | null): string => (f ? `${f.kind}, ${duration(f.agoMs)} ago: ${f.reason}` : 'none');
const running = (list: readonly RunningTask[]): string =>
  list.length === 0
    ? 'idle'
    : list.map((t) => `${t.type}${t.lane === undefined ? '' : ` on lane ${t.lane}`} for ${duration(t.forMs)}`).join('; ');
/** One table cell: printed, never interpreted (no escape sequences from a fault reason), on one line. */
const cell = (text: string): string => printable(text).replace(/[\t\n]+/g, ' ');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * The status as terminal text: one table for the actors, one per dispatcher for its workers. The
 * endpoint is not trusted: every character it sent is printed inert (no escape sequences), and a
 * status whose fields are not what this version reads is a ConfigError that says so.
 */
export function renderStatus(s: StatusSnapshot, base: string): string {
  try {
    return printable(renderStatusText(s, base));
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new ConfigError(
      `${base}/status.json answered a status this version cannot read (${printable(error.message).slice(0, 120)}): is the job a browser-actor of another version?`,
      { cause: error },
    );
  }
}

function renderStatusText(s: StatusSnapshot, base: string): string {
  const out: string[] = [
    `browser-actor status at ${base} — process ${s.process.pid}, up ${duration(s.process.uptimeMs)}, RSS ${Math.round(s.process.rssBytes / 1_048_576)} MB, ${s.at}`,
  ];
  if (s.redis)
    out.push(
      s.redis.state === 'connected'
        ? 'redis: connected'
        : `redis: UNREACHABLE since ${s.redis.since}${s.redis.reason ? ` (${s.redis.reason})` : ''}`,
    );
  if (s.batch) out.push(`batch: ${s.batch.done} of ${s.batch.total} done${s.batch.failed > 0 ? ` (${s.batch.failed} failed)` : ''}`);
  if (s.actors.length > 0) {
    out.push(
      '',
      table(
        ['ACTOR', 'STATE', 'UP', 'RESTARTS', 'RECYCLES', 'LANES BUSY', 'QUEUE', 'TASKS/MIN', 'IN FLIGHT', 'LAST FAULT'],
        s.actors
          .map((a) => [
            a.id,
            a.state + (a.restartInMs === null ? '' : ` (restart in ${duration(a.restartInMs)})`),
            duration(a.uptimeMs),
            String(a.restarts),
            String(a.recycles),
            `${a.lanesBusy}/${a.lanes}`,
            String(a.queueDepth),
            String(a.throughput.lastMinute),
            running(a.running),
            fault(a.lastFault),
          ])
          .map((r) => r.map(cell)),
      ),
    );
  }
  for (const d of s.dispatchers) {
    out.push(
      '',
      `dispatcher ${d.id}: queued ${d.queued} (by priority ${d.queuedByPriority.join(', ')}), deferred ${d.deferred}, in flight ${d.inFlight}, ${d.throughput.lastMinute} tasks in the last minute`,
      table(
        ['WORKER', 'PID', 'STATE', 'UP', 'RESTARTS', 'BROWSER', 'LANES BUSY', 'QUEUE', 'TASKS/MIN', 'IN FLIGHT', 'LAST FAULT'],
        d.workers
          .map((w) => [
            String(w.index),
            w.pid === null ? '' : String(w.pid),
            w.state,
            duration(w.uptimeMs),
            String(w.restarts),
            `${w.browserState ?? 'unknown'}, ${w.browserRestarts} restart(s)${w.browserRecycles > 0 ? `, ${w.browserRecycles} recycled` : ''}`,
            `${w.lanesBusy}/${w.lanes}`,
            String(w.queueDepth),
            String(w.throughput.lastMinute),
            running(w.running),
            fault(w.lastFault),
          ])
          .map((r) => r.map(cell)),
      ),
    );
  }
  const queues: readonly QueueStatus[] = Array.isArray(s.queues) ? s.queues : []; // absent from jobs of an earlier version
  if (queues.length > 0) {
    out.push(
      '',
      table(
        ['QUEUE', 'STATE', 'WAITING FOR ANSWERS', 'TASKS/MIN', 'LAST FAULT'],
        queues
          .map((q) => [
            q.id,
            q.state,
            String(q.inFlight),
            String(q.throughput.lastMinute),
            q.lastFault ? `${q.lastFault.kind}: ${q.lastFault.reason}` : '',
          ])
          .map((r) => r.map(cell)),
      ),
    );
  }
  if (s.actors.length === 0 && s.dispatchers.length === 0 && queues.length === 0)
    out.push('', 'Nothing to show yet: the job has not started a browser or a dispatcher.');
  return `${out.join('\n')}\n`;
}

/** The cluster's status as terminal text: one row per live worker host, then the queue. */
export function renderClusterStatus(c: ClusterStatus, redisUrl: string): string {
  const out: string[] = [
    `browser-actor cluster on ${redactUrl(redisUrl)}, queue ${c.queue} — ${c.hosts.length} live worker host(s), ${c.at}`,
  ];
  if (c.hosts.length > 0) {
    out.push(
      '',
      table(
        ['HOST', 'VERSION', 'WORKERS × LANES', 'IN FLIGHT', 'OWN QUEUE', 'SERVED', 'TASKS/MIN', 'RESTARTS', 'HEARTBEAT', 'MACHINE'],
        c.hosts
          .map((h) => [
            h.id,
            h.version ?? '?',
            h.workers === undefined ? '?' : `${h.workers} × ${h.lanes ?? '?'}`,
            h.inFlight === undefined ? '?' : `${h.inFlight}/${h.capacity ?? '?'}`,
            String(h.queued),
            h.served === undefined ? '?' : String(h.served),
            h.servedLastMinute === undefined ? '?' : String(h.servedLastMinute),
            h.restarts === undefined ? '?' : String(h.restarts),
            h.heartbeatAgoMs === null ? '?' : `${(h.heartbeatAgoMs / 1000).toFixed(1)} s ago`,
            `${h.hostname ?? '?'} pid ${h.pid ?? '?'}`,
          ])
          .map((r) => r.map(cell)),
      ),
    );
  } else {
    out.push('', 'No worker host is alive on this queue: start one with browser-actor worker --redis URL.');
  }
  out.push(
    '',
    `queue ${c.queue}: ${c.queued} waiting (by priority 0…9: ${c.queuedByPriority.join(', ')}), ${c.active} running; ${c.servedLastMinute} tasks answered in the last minute`,
  );
  return `${out.join('\n')}\n`;
}

/** Print the status once, or redraw it every interval with --watch until Ctrl-C or the job ends. */
export async function runStatus(o: StatusCliOptions, write: (text: string) => void = (t) => void process.stdout.write(t)): Promise<void> {
  if (o.cluster) return runClusterStatus(o, o.cluster, write);
  const first = await fetchStatus(o.base);
  if (!o.watch) {
    write(renderStatus(first, o.base));
    return;
  }
  await redraw(o.intervalS, write, renderStatus(first, o.base), async (clear) => {
    const snapshot = await fetchStatus(o.base).catch(() => undefined);
    return snapshot
      ? { text: `${clear}${renderStatus(snapshot, o.base)}` }
      : { text: `\nThe job at ${o.base} no longer answers: it has ended.\n`, last: true };
  });
}

async function runClusterStatus(
  o: StatusCliOptions,
  cluster: NonNullable<StatusCliOptions['cluster']>,
  write: (text: string) => void,
): Promise<void> {
  const read = (): Promise<ClusterStatus> => readClusterStatus({ redis: cluster.redis, queue: cluster.queue });
  const first = await read();
  if (cluster.json) {
    write(`${JSON.stringify(first, null, 2)}\n`);
    return;
  }
  if (!o.watch) {
    write(renderClusterStatus(first, cluster.redis));
    return;
  }
  await redraw(o.intervalS, write, renderClusterStatus(first, cluster.redis), async (clear) => {
    const snapshot = await read().catch(() => undefined);
    return {
      text: snapshot
        ? `${clear}${renderClusterStatus(snapshot, cluster.redis)}`
        : `\nRedis at ${redactUrl(cluster.redis)} does not answer; trying again.\n`,
    };
  });
}

/**
 * Write `first`, then every `intervalS` seconds what `next` gives (`clear` is the prefix that
 * starts a fresh screen), until Ctrl-C or SIGTERM, or a frame that says it is the last.
 */
async function redraw(
  intervalS: number,
  write: (text: string) => void,
  first: string,
  next: (clear: string) => Promise<{ text: string; last?: boolean }>,
): Promise<void> {
  const clear = process.stdout.isTTY === true ? '\u001b[H\u001b[2J' : '\n';
  let stop = false;
  let wake: (() => void) | undefined;
  const onSignal = (): void => {
    stop = true;
    wake?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let frame: { text: string; last?: boolean } = { text: `${clear}${first}` };
    for (;;) {
      write(frame.text);
      if (frame.last) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalS * 1000);
      });
      if (stop) break;
      frame = await next(clear);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
