/**
 * Structured logs (pino): JSON lines by default, one readable line per record on a terminal.
 * Every record is redacted before it is written: secret-looking keys by name and secrets by
 * shape in every string, the message included (see `redactDeep`). `logEvents` turns the
 * runtime's typed events (actor, supervisor with its lanes, dispatcher and its workers) into
 * records with their ids, task type, priority, duration and outcome code.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ConfigError } from '../errors.js';
import type { Log } from '../internal/log.js';
import { redactDeep, redactText } from '../internal/redact.js';
import type { BrowserActor } from '../runtime/actor/browser-actor.js';
import type { ExecutorEvent, TaskExecutor, Where } from '../runtime/executor.js';
import type { SessionSupervisor } from '../runtime/supervisor/session-supervisor.js';

/** The log levels, from none to the most. */
export const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_LEVEL` (or a `--log-level` value), checked; `fallback` when unset. */
export function parseLogLevel(raw: string | undefined, fallback: LogLevel = 'warn', name = 'LOG_LEVEL'): LogLevel {
  const value = raw?.trim().toLowerCase();
  if (!value) return fallback;
  if (!(LOG_LEVELS as readonly string[]).includes(value))
    throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw?.slice(0, 20))}`, {
      details: { variable: name },
    });
  return value as LogLevel;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Where lines go. Default: stderr. */
  readonly destination?: NodeJS.WritableStream;
  /** One readable line per record instead of JSON. Default: when the destination is a terminal. */
  readonly pretty?: boolean;
}

/** A structured logger (pino underneath) with its level. */
export type Logger = Log & { readonly level: string };

/** A logger that writes JSON lines (or, on a terminal, readable lines) with secrets redacted. */
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
          const { level, time, msg, ...fields } = JSON.parse(line) as { level: number; time: number; msg?: string } & Record<
            string,
            unknown
          >;
          const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
          out.write(
            `${new Date(time).toISOString().slice(11, 23)} ${(names[level] ?? String(level)).padEnd(5)} ${msg ?? ''} ${rest.join(' ')}\n`,
          );
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
  /** Supervisors, dispatchers and Redis dispatchers alike, through their one event vocabulary. */
  readonly executors?: readonly TaskExecutor[];
}

/** Where an event happened, as log fields. */
function whereFields(where: Where | null): object {
  return where === null
    ? {}
    : {
        ...(where.lane === undefined ? {} : { lane: where.lane }),
        ...(where.worker === undefined ? {} : { worker: where.worker }),
        ...(where.host === undefined ? {} : { host: where.host }),
      };
}

/** One executor event as a log line: task starts and ends at debug (failed ends at warn), faults, restarts and lost workers at warn, readiness and recycles at info, giving up at error. */
function logExecutorEvent(log: Log, kind: string, e: ExecutorEvent): void {
  const owner = { [kind]: e.executor };
  switch (e.type) {
    case 'task:start':
      log.debug({ ...owner, task: e.taskId, type: e.taskType, ...whereFields(e.where), attempt: e.attempt }, 'task started');
      return;
    case 'task:end':
      atLevel(
        log,
        e.ok,
        {
          ...owner,
          task: e.taskId,
          type: e.taskType,
          ...whereFields(e.where),
          ok: e.ok,
          attempts: e.attempts,
          durationMs: Math.round(e.durationMs),
          errorCode: e.errorCode,
        },
        'task ended',
      );
      return;
    case 'fault':
      log.warn({ ...owner, kind: e.kind, reason: e.reason, ...whereFields(e.where) }, 'browser fault');
      return;
    case 'restart':
      log.warn(
        { ...owner, ...whereFields(e.where), attempt: e.attempt, delayMs: e.delayMs, reason: e.reason },
        e.where.worker === undefined ? 'restarting the browser' : 'restarting a worker',
      );
      return;
    case 'recycle':
      log.info({ ...owner, ...whereFields(e.where), reason: e.reason }, 'recycling the browser');
      return;
    case 'ready':
      log.info(
        { ...owner, ...whereFields(e.where), pid: e.pid, downtimeMs: e.downtimeMs === undefined ? undefined : Math.round(e.downtimeMs) },
        e.where.worker === undefined ? 'browser ready' : 'worker ready',
      );
      return;
    case 'failed':
      log.error(
        { ...owner, ...whereFields(e.where), errorCode: e.errorCode, error: e.reason },
        e.where.worker === undefined ? `${kind} gave up` : 'worker gave up',
      );
      return;
    case 'worker:exit':
      // A worker that left cleanly (stop) with nothing lost is news, not a warning.
      atLevel(
        log,
        e.clean,
        { ...owner, worker: e.worker, pid: e.pid, reason: e.reason, requeued: e.requeued, failed: e.failed },
        'worker exited',
      );
      return;
    case 'host:moved':
      log.warn({ ...owner, from: e.from, to: e.to, tasks: e.tasks }, 'session moved to another host');
      return;
    case 'redis':
      logRedisLink(log, e, owner);
      return;
  }
}

/**
 * Log the runtime's events: task starts and ends (debug; failed ones at warn), faults and
 * restarts (warn), state changes and readiness (info), a supervisor or worker that gave up
 * (error). Returns a function that stops logging them.
 */
export function logEvents(log: Log, sources: LoggedSources): () => void {
  const offs: (() => void)[] = [];
  const { actor } = sources;
  if (actor) {
    offs.push(
      actor.on('state', (e) => log.info({ actor: e.actorId, from: e.from, to: e.to, reason: e.reason }, 'actor state')),
      actor.on('task:start', (e) =>
        log.debug(
          { actor: e.actorId, task: e.taskId, type: e.type, priority: e.priority, queuedMs: Math.round(e.queuedMs) },
          'task started',
        ),
      ),
      actor.on('task:end', (e) =>
        atLevel(
          log,
          e.outcome === 'ok',
          {
            actor: e.actorId,
            task: e.taskId,
            type: e.type,
            outcome: e.outcome,
            durationMs: Math.round(e.durationMs),
            errorCode: e.errorCode,
          },
          'task ended',
        ),
      ),
      actor.on('fault', (e) =>
        log.warn({ actor: e.actorId, kind: e.kind, reason: e.reason, task: e.taskId, lane: e.lane }, 'browser fault'),
      ),
    );
  }
  for (const executor of sources.executors ?? []) {
    const kind = executor.kind === 'redis' ? 'queue' : executor.kind;
    offs.push(executor.onEvent((e) => logExecutorEvent(log, kind, e)));
    // What only a supervisor reports: its state changes and session snapshots.
    if (executor.kind === 'supervisor') {
      const supervisor = executor as SessionSupervisor;
      offs.push(
        supervisor.on('state', (e) => log.info({ supervisor: executor.id, from: e.from, to: e.to, reason: e.reason }, 'supervisor state')),
        supervisor.on('snapshot', (e) =>
          log.trace({ supervisor: executor.id, cookies: e.cookies, origins: e.origins }, 'session snapshot'),
        ),
      );
    }
  }
  return () => {
    for (const off of offs) off();
  };
}

/** A change of Redis's reachability, as the submitter or a worker host saw it: a warning when it is lost, info when it is back. */
export function logRedisLink(
  log: Log,
  e: { readonly state: 'connected' | 'unreachable'; readonly since: number; readonly reason?: string; readonly downMs?: number },
  fields: Record<string, unknown> = {},
): void {
  if (e.state === 'unreachable')
    log.warn(
      { ...fields, since: new Date(e.since).toISOString(), reason: e.reason },
      'redis unreachable: tasks wait (and keep their deadlines) until it answers again',
    );
  else log.info({ ...fields, downMs: e.downMs }, 'redis reachable again');
}
