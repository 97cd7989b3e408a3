import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { DRIVER_FLAGS, DRIVER_HELP, driverEnv } from './driver-flags.js';
import { type LogLevel, createLogger, logEvents, logRedisLink, parseLogLevel } from '../observability/logging.js';
import { createMetrics, metricsPortFrom } from '../observability/metrics.js';
import { startMetricsServer } from '../observability/metrics-server.js';
import { redactUrl } from '../internal/redact.js';
import { DEFAULT_QUEUE, checkQueueName, checkRedisUrl } from '../runtime/dispatch/redis-shared.js';

export const WORKER_HELP = `Usage:
  browser-actor worker --redis URL [options]

Start a worker host: worker processes, each with its own supervised headless Chromium, serving
tasks from a BullMQ queue on Redis. Start one on every machine that should run browsers; submit
with createRedisDispatcher({ redis: URL }) or \`browser-actor research --redis URL\`.
SIGTERM or Ctrl-C finishes the tasks in hand and stops; a second one stops at once (tasks in hand
then go back to the queue: idempotent ones run on another host, others fail as maybe executed).

Options:
  --redis <url>        Redis to consume from (redis://host:port[/db]). Default: REDIS_URL.
  --workers <n>        Worker processes (browsers) on this host, 1–64. Default 1.
  --lanes <n>          Tabs per browser, 1–32. Default 1.
  --queue <name>       Queue name. Default ${DEFAULT_QUEUE}.
  --host-id <id>       This host's name in the registry. Default: hostname, pid and a random suffix.
${DRIVER_HELP}
                       With a Selenium Grid URL this host needs no browser of its own.
  --log-level <level>  Logs on stderr (JSON; readable lines on a terminal), secrets redacted: silent,
                       error, warn, info (default), debug or trace. Default: LOG_LEVEL.
  --metrics-port <n>   Prometheus metrics at http://127.0.0.1:<n>/metrics (per worker: tasks,
                       in flight, restarts; queue depth by priority) and a live status page at
                       /status (also: browser-actor status --port <n>); 0 picks a port.`;

export interface WorkerCliOptions {
  readonly redis: string;
  readonly workers: number;
  readonly lanes: number;
  readonly queue: string;
  readonly hostId: string | undefined;
  /** `DRIVER` and `WEBDRIVER_URL` as `--driver` and `--webdriver` set them. */
  readonly driverEnv: Record<string, string>;
  readonly logLevel: LogLevel;
  /** Serve Prometheus metrics on 127.0.0.1 at this port (0: a free one). */
  readonly metricsPort: number | undefined;
}

export function parseWorkerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): WorkerCliOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      redis: { type: 'string' },
      workers: { type: 'string' },
      lanes: { type: 'string' },
      queue: { type: 'string' },
      'host-id': { type: 'string' },
      'log-level': { type: 'string' },
      'metrics-port': { type: 'string' },
      ...DRIVER_FLAGS,
    },
  });
  if (positionals.length > 0) throw new ConfigError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const redis = values.redis ?? env['REDIS_URL'];
  if (redis === undefined || redis === '')
    throw new ConfigError('give --redis URL (or set REDIS_URL), e.g. --redis redis://127.0.0.1:6379');
  const int = (flag: string, value: string | undefined, max: number): number => {
    if (value === undefined) return 1;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
      throw new ConfigError(`--${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(value.slice(0, 20))}`);
    return Number(value);
  };
  try {
    return {
      redis: checkRedisUrl(redis),
      workers: int('workers', values.workers, 64),
      lanes: int('lanes', values.lanes, 32),
      queue: checkQueueName(values.queue ?? DEFAULT_QUEUE),
      hostId: values['host-id'],
      driverEnv: driverEnv(values, env),
      metricsPort: values['metrics-port'] === undefined ? undefined : metricsPortFrom(values['metrics-port']),
      logLevel:
        values['log-level'] === undefined
          ? parseLogLevel(env['LOG_LEVEL'], 'info')
          : parseLogLevel(values['log-level'], 'info', '--log-level'),
    };
  } catch (error) {
    throw new ConfigError((error as Error).message.replace(/^redis /, '--redis ').replace(/^queue /, '--queue '));
  }
}

/** Run a worker host until SIGTERM/SIGINT. */
export async function runWorker(o: WorkerCliOptions): Promise<void> {
  const { startWorkerHost } = await import('../runtime/dispatch/redis-host.js');
  const { readClusterStatus } = await import('../runtime/dispatch/redis-cluster.js');
  // The worker processes read DRIVER and WEBDRIVER_URL from the environment they inherit.
  Object.assign(process.env, o.driverEnv);
  const host = await startWorkerHost({
    redis: o.redis,
    workers: o.workers,
    lanes: o.lanes,
    queue: o.queue,
    ...(o.hostId === undefined ? {} : { hostId: o.hostId }),
  });
  const log = createLogger({ level: o.logLevel });
  logEvents(log, { executors: [host.dispatcher] });
  // A Redis outage is logged within seconds (the registry renewals find it), and its end too.
  host.onRedis((change) => logRedisLink(log, change, { host: host.id, redis: redactUrl(o.redis) }));
  const metrics = o.metricsPort === undefined ? undefined : createMetrics();
  metrics?.watch({ executors: [host.dispatcher], redis: () => host.redis() });
  const metricsServer =
    metrics && o.metricsPort !== undefined
      ? await startMetricsServer(metrics, { port: o.metricsPort, cluster: () => readClusterStatus({ redis: o.redis, queue: o.queue }) })
      : undefined;
  if (metricsServer) console.log(`worker host ${host.id}: metrics at ${metricsServer.url}, status at ${metricsServer.statusUrl}`);
  const pids = host.dispatcher.stats().workers.map((w) => w.pid);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      console.log(`worker host ${host.id}: ${signal}: finishing the tasks in hand, then stopping (send it again to stop now)`);
      void host.stop();
    } else {
      void host.kill();
    }
  };
  // Handlers first, then the line that says the host is serving: a parent that signals as soon as it reads it
  // must reach onSignal, not the default disposition.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  console.log(
    `worker host ${host.id}: ${o.workers} worker process(es) (pids ${pids.join(', ')}), ${o.lanes} lane(s) each, serving queue ${o.queue} on ${redactUrl(o.redis)}`,
  );
  await host.closed;
  metrics?.close();
  await metricsServer?.close();
  console.log(`worker host ${host.id}: stopped after ${host.served()} task(s)`);
}
