/**
 * Structured logs (pino): JSON lines by default, one readable line per record on a terminal.
 * Every record is redacted before it is written: secret-looking keys by name and secrets by
 * shape in every string, the message included (see `redactDeep`). `logEvents` turns the
 * runtime's typed events (actor, supervisor with its lanes, dispatcher and its workers) into
 * records with their ids, task type, priority, duration and outcome code.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ConfigError } from './errors.js';
import type { Log } from './internal/log.js';
import { redactDeep, redactText } from './internal/redact.js';
import type { BrowserActor } from './runtime/actor/browser-actor.js';
import type { RedisWorkDispatcher } from './runtime/dispatch/redis-dispatcher.js';
import type { WorkDispatcher } from './runtime/dispatch/work-dispatcher.js';
import type { SessionSupervisor } from './runtime/supervisor/session-supervisor.js';

export const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_LEVEL` (or a `--log-level` value), checked; `fallback` when unset. */
export function parseLogLevel(raw: string | undefined, fallback: LogLevel = 'warn', name = 'LOG_LEVEL'): LogLevel {
  const value = raw?.trim().toLowerCase();
  if (!value) return fallback;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw?.slice(0, 20))}`, { details: { variable: name } });
  return value as LogLevel;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Where lines go. Default: stderr. */
  readonly destination?: NodeJS.WritableStream;
  /** One readable line per record instead of JSON. Default: when the destination is a terminal. */
  readonly pretty?: boolean;
}

export type Logger = Log & { readonly level: string };

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const pretty = options.pretty ?? (destination as { isTTY?: boolean }).isTTY === true;
  const logger = pino(
    {
      level: options.level ?? 'warn',
      base: undefined,
      formatters: { log: (fields) => redactDeep(fields) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          // The message (a string argument) is redacted by shape too.
          const safe = args.map((a: unknown) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>;
          method.apply(this, safe);
        },
      },
    },
    pretty ? readable(destination) : destination,
  );
  return logger;
}

/** A stream that rewrites pino's JSON lines as `HH:MM:SS.mmm LEVEL message key=value …`. */
function readable(out: NodeJS.WritableStream): Writable {
  const names: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        try {
          const { level, time, msg, ...fields } = JSON.parse(line) as { level: number; time: number; msg?: string } & Record<string, unknown>;
          const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
          out.write(`${new Date(time).toISOString().slice(11, 23)} ${(names[level] ?? String(level)).padEnd(5)} ${msg ?? ''} ${rest.join(' ')}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

/** A task's end: debug when it succeeded, warn when it did not. */
function atLevel(log: Log, ok: boolean, fields: object, message: string): void {
  if (ok) log.debug(fields, message);
  else log.warn(fields, message);
}

/** What `logEvents` can listen to. */
export interface LoggedSources {
  readonly actor?: BrowserActor;
  readonly supervisor?: SessionSupervisor;
  readonly dispatcher?: WorkDispatcher;
  /** The submitting side of a BullMQ dispatcher: task ends (with the host that answered) and sessions moved off a lost host. */
  readonly redis?: RedisWorkDispatcher;
}

/**
 * Log the runtime's events: task starts and ends (debug; failed ones at warn), faults and
 * restarts (warn), state changes and readiness (info), a supervisor or worker that gave up
 * (error). Returns a function that stops logging them.
 */
export function logEvents(log: Log, sources: LoggedSources): () => void {
  const offs: (() => void)[] = [];
  const { actor, supervisor, dispatcher, redis } = sources;
  if (actor) {
    offs.push(
      actor.on('state', (e) => log.info({ actor: e.actorId, from: e.from, to: e.to, reason: e.reason }, 'actor state')),
      actor.on('task:start', (e) => log.debug({ actor: e.actorId, task: e.taskId, type: e.type, priority: e.priority, queuedMs: Math.round(e.queuedMs) }, 'task started')),
      actor.on('task:end', (e) => atLevel(log, e.outcome === 'ok', { actor: e.actorId, task: e.taskId, type: e.type, outcome: e.outcome, durationMs: Math.round(e.durationMs), errorCode: e.errorCode }, 'task ended')),
      actor.on('fault', (e) => log.warn({ actor: e.actorId, kind: e.kind, reason: e.reason, task: e.taskId, lane: e.lane }, 'browser fault')),
    );
  }
  if (supervisor) {
    const id = supervisor.id;
    offs.push(
      supervisor.on('state', (e) => log.info({ supervisor: id, from: e.from, to: e.to, reason: e.reason }, 'supervisor state')),
      supervisor.on('ready', (e) => log.info({ supervisor: id, generation: e.generation, launchMs: Math.round(e.launchMs), downtimeMs: Math.round(e.downtimeMs), restoredCookies: e.restoredCookies, restoredOrigins: e.restoredOrigins }, 'browser ready')),
      supervisor.on('fault', (e) => log.warn({ supervisor: id, kind: e.kind, reason: e.reason, lane: e.lane }, 'browser fault')),
      supervisor.on('restarting', (e) => log.warn({ supervisor: id, attempt: e.attempt, delayMs: e.delayMs, planned: e.planned, reason: e.reason }, 'restarting the browser')),
      supervisor.on('failed', (e) => log.error({ supervisor: id, errorCode: e.error.code, error: e.error.message }, 'supervisor gave up')),
      supervisor.on('snapshot', (e) => log.trace({ supervisor: id, cookies: e.cookies, origins: e.origins }, 'session snapshot')),
      supervisor.on('task:start', (e) => log.debug({ supervisor: id, task: e.taskId, type: e.type, lane: e.lane, attempt: e.attempt, queuedMs: Math.round(e.queuedMs) }, 'task started')),
      supervisor.on('task:end', (e) => atLevel(log, e.ok, { supervisor: id, task: e.taskId, type: e.type, ok: e.ok, attempts: e.attempts, durationMs: Math.round(e.durationMs), errorCode: e.errorCode }, 'task ended')),
    );
  }
  if (dispatcher) {
    const id = dispatcher.id;
    offs.push(
      dispatcher.on('worker:ready', (e) => log.info({ dispatcher: id, worker: e.worker, pid: e.pid, browserPid: e.browserPid, incarnation: e.incarnation }, 'worker ready')),
      // A worker that left cleanly (stop) with nothing lost is news, not a warning.
      dispatcher.on('worker:exit', (e) => atLevel(log, e.reason === 'exited (code 0)' && e.requeued === 0 && e.failed === 0, { dispatcher: id, worker: e.worker, pid: e.pid, reason: e.reason, requeued: e.requeued, failed: e.failed }, 'worker exited')),
      dispatcher.on('worker:restarting', (e) => log.warn({ dispatcher: id, worker: e.worker, attempt: e.attempt, delayMs: e.delayMs }, 'restarting a worker')),
      dispatcher.on('worker:failed', (e) => log.error({ dispatcher: id, worker: e.worker, reason: e.reason }, 'worker gave up')),
      dispatcher.on('task:start', (e) => log.debug({ dispatcher: id, task: e.taskId, worker: e.worker, attempt: e.attempt }, 'task started')),
      dispatcher.on('task:end', (e) => atLevel(log, e.ok, { dispatcher: id, task: e.taskId, worker: e.worker, ok: e.ok, attempts: e.attempts, errorCode: e.errorCode }, 'task ended')),
    );
  }
  if (redis) {
    offs.push(
      redis.on('task:end', (e) => atLevel(log, e.ok, { queue: 'redis', task: e.taskId, host: e.host, ok: e.ok, errorCode: e.errorCode }, 'task ended')),
      redis.on('session:moved', (e) => log.warn({ queue: 'redis', from: e.from, to: e.to, tasks: e.tasks }, 'session moved to another host')),
    );
  }
  return () => {
    for (const off of offs) off();
  };
}
