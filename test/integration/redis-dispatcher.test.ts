import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../../src/drivers/process-tree.js';
import {
  ActorCrashedError,
  ActorStoppedError,
  InvalidOptionError,
  InvalidTaskError,
  MailboxFullError,
  QueueUnavailableError,
  ScriptError,
  TaskTimeoutError,
} from '../../src/errors.js';
import {
  type RedisWorkDispatcher,
  type RedisWorkDispatcherOptions,
  createRedisDispatcher,
} from '../../src/runtime/dispatch/redis-dispatcher.js';
import { type WorkerHost, startWorkerHost } from '../../src/runtime/dispatch/redis-host.js';
import { jobIdForKey, registryKeys } from '../../src/runtime/dispatch/redis-shared.js';
import { Redis } from 'ioredis';
import { ExecuteJS, GetCookies, Navigate, Screenshot } from '../../src/runtime/tasks/constructors.js';
import { type RedisServer, freePort, startRedisServer } from '../support/redis-server.js';
import { type HostProcess, spawnWorkerHost } from '../support/worker-hosts.js';
import { textSink } from '../support/text-sink.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startMetricsServer } from '../../src/observability/metrics-server.js';
import { readClusterStatus } from '../../src/runtime/dispatch/redis-cluster.js';
import { launchViewer } from '../support/viewer.js';
import { createLogger, logEvents } from '../../src/observability/logging.js';

/**
 * The Redis dispatcher's own logic on a real redis-server, with worker hosts whose workers drive
 * the Fake browser (quick): options, typed errors and bytes coming back, priorities, a bounded
 * number of pending tasks, deadlines, a session whose host dies while its tasks wait, stop and
 * kill. The same on real Chromium with side effects counted at a server:
 * test/reliability/redis-chromium.test.ts.
 */

const driverModule = fileURLToPath(new URL('../support/fake-worker-driver.mjs', import.meta.url));
const ORIGIN = 'http://127.0.0.1:18090';
let redis: RedisServer;
const dispatchers: RedisWorkDispatcher[] = [];
const hosts: WorkerHost[] = [];

function dispatcher(options: Partial<RedisWorkDispatcherOptions> = {}): RedisWorkDispatcher {
  const d = createRedisDispatcher({ redis: redis.url, pollMs: 200, ...options });
  dispatchers.push(d);
  return d;
}

async function host(queue: string, workers = 1, liveTtlMs = 3000): Promise<WorkerHost> {
  const h = await startWorkerHost({ redis: redis.url, queue, workers, driverModule, lockMs: 2000, liveTtlMs, backoff: { baseMs: 20 } });
  hosts.push(h);
  return h;
}

/** Poll an asynchronous condition (Redis state) until it holds; false after `ms`. */
async function until(condition: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return condition();
}

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await Promise.all(dispatchers.map((d) => d.kill()));
  const pids = hosts.flatMap((h) => h.dispatcher.stats().workers.map((w) => w.pid)).filter((p): p is number => p !== null);
  await Promise.all(hosts.map((h) => h.stop({ timeoutMs: 5000 })));
  expect(await waitFor(() => pids.every((p) => !isAlive(p)), 5000, 50)).toBe(true);
  await redis?.stop();
});

describe('Redis dispatcher (worker hosts on the Fake browser)', () => {
  it('refuses bad options with typed errors; a Redis URL that refuses connections is ERR_QUEUE_UNAVAILABLE at once, naming the URL without its password', async () => {
    expect(() => createRedisDispatcher({ redis: 'http://127.0.0.1:6379' })).toThrow(InvalidOptionError);
    expect(() => createRedisDispatcher({ redis: 'redis://:hunter2@127.0.0.1:1', queue: 'no spaces' })).toThrow(
      /queue must be 1–64 letters/,
    );
    expect(() => createRedisDispatcher({ redis: 'not a url with password hunter2' })).toThrow(
      /redis must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    // Nothing listens there: the refusal ends the submit, long before the Redis deadline (set
    // beyond the test's own here), with the URL in the message and its password redacted.
    const port = await freePort();
    const nowhere = dispatcher({ redis: `redis://:hunter2@127.0.0.1:${port}`, redisTimeoutMs: 600_000 });
    const error = await nowhere.submit(Navigate(`${ORIGIN}/`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueUnavailableError);
    expect((error as Error).message).toContain(`Redis at redis://:***@127.0.0.1:${port} refused the connection (ECONNREFUSED)`);
    expect((error as Error).message).not.toContain('hunter2');
    await nowhere.kill();
    await expect(dispatcher().submit({ type: 'Navigate', url: 'javascript:alert(1)' } as never)).rejects.toBeInstanceOf(InvalidTaskError);
  });

  it('the CLI: bad usage is refused (exit 2); a Redis URL that refuses connections fails at once with ERR_QUEUE_UNAVAILABLE (exit 3), starting no browser and leaving no process', async () => {
    const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [main, ...args], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, REDIS_URL: '', SITE_USERNAME: 'u', SITE_PASSWORD: 'p' },
      });
    const usage = run('worker');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/give --redis URL \(or set REDIS_URL\)/);
    expect(run('worker', '--redis', 'redis://127.0.0.1:1', '--workers', '0').stderr).toMatch(
      /--workers must be a whole number from 1 to 64/,
    );
    expect(run('research', '--gedcom', 'x.ged', '--surname', 'Lee', '--workers', '2').stderr).toMatch(/--workers and --redis need --site/);
    expect(run('research', '--site', 'http://127.0.0.1:1', '--surname', 'Lee', '--redis', 'http://x').stderr).toMatch(
      /--redis must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    const down = `redis://:hunter2@127.0.0.1:${await freePort()}`;
    const worker = run('worker', '--redis', down);
    expect(worker.status).toBe(3); // Redis we were pointed at: configuration
    expect(worker.stderr).toMatch(
      /ERR_QUEUE_UNAVAILABLE: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/? refused the connection \(ECONNREFUSED\)/,
    );
    expect(worker.stderr + worker.stdout).not.toContain('hunter2');
    const research = run('research', '--site', 'http://127.0.0.1:1', '--surname', 'Lee', '--redis', down);
    expect(research.status).toBe(3);
    expect(research.stderr).toMatch(/ERR_QUEUE_UNAVAILABLE/);
  }, 90_000);

  it('answers come back as they left the host: bytes, undefined, typed errors; each end is logged with the host that answered', async () => {
    const h = await host('values');
    const d = dispatcher({ queue: 'values' });
    const sink = textSink();
    const off = logEvents(createLogger({ level: 'debug', destination: sink.stream, pretty: false }), { executors: [d] });
    // The submitting side has the same metrics and status as the other executors.
    const metrics = createMetrics();
    metrics.watch({ executors: [d] });
    const png = await d.submit(Screenshot());
    expect(png).toBeInstanceOf(Uint8Array);
    expect([...png.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(await d.submit(ExecuteJS('return undefined'))).toBeUndefined();
    const error = await d.submit(ExecuteJS('throw new Error("boom")')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScriptError);
    expect((error as ScriptError).message).toMatch(/boom/);
    off();
    const text = await metrics.text();
    expect(text).toContain(`browser_actor_tasks_total{executor="${d.id}",type="ExecuteJS",outcome="ERR_SCRIPT"} 1`);
    expect(text).toContain(`browser_actor_tasks_total{executor="${d.id}",type="Screenshot",outcome="ok"} 1`);
    expect(text).toContain(`browser_actor_dispatcher_tasks_total{executor="${d.id}",worker="${h.id}",outcome="ok"} 2`);
    const queue = metrics.status().queues[0];
    expect(queue).toMatchObject({
      id: d.id,
      kind: 'redis',
      state: 'healthy',
      inFlight: 0,
      throughput: { lastMinute: 3, failedLastMinute: 1 },
    });
    metrics.close();
    const records = sink
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r['msg'], r['ok'], r['host'], r['errorCode']])).toEqual([
      ['task ended', true, h.id, undefined],
      ['task ended', true, h.id, undefined],
      ['task ended', false, h.id, 'ERR_SCRIPT'],
    ]);
  });

  it('a non-idempotent task is run by at most one attempt: one whose start is already recorded fails as maybe executed, without running', async () => {
    const h = await host('claims');
    const d = dispatcher({ queue: 'claims' });
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      // An earlier attempt of this job (the same idempotency key, so the same job id) recorded its start on a host that was lost.
      await admin.set(registryKeys('bull', 'claims').started(jobIdForKey('order-7')), 'lost-host:token', 'PX', 60_000);
      const servedBefore = h.served();
      const error = await d.submit(ExecuteJS('return 7'), { idempotencyKey: 'order-7' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ActorCrashedError);
      expect((error as ActorCrashedError).details).toMatchObject({ maybeExecuted: true });
      expect(h.served()).toBe(servedBefore); // not handed to a browser
      // Without an earlier start, the same task runs, and its start is recorded.
      expect(await d.submit(ExecuteJS('return 8'), { idempotencyKey: 'order-8' })).toBe(8);
      expect(await admin.get(registryKeys('bull', 'claims').started(jobIdForKey('order-8')))).toMatch(new RegExp(`^${h.id}:`));
    } finally {
      admin.disconnect();
    }
  });

  it('higher priority first on a busy host; a bounded number of pending tasks; deadlines remove unstarted jobs', async () => {
    await host('prio');
    const d = dispatcher({ queue: 'prio', maxPending: 6 });
    const order: string[] = [];
    // Busy long enough that the three tasks below are all queued before it ends, even on a loaded machine.
    const busy = d.submit(Navigate(`${ORIGIN}/slow?ms=2000`));
    expect(await until(async () => (await d.stats()).active === 1)).toBe(true); // the host has taken the slow task
    // Each takes 300 ms at the host, so the answers arrive in the order the host ran them (the
    // submitter reads each answer on its own, and two that finish together may come back swapped).
    const tasks = [1, 9, 5].map((p) => d.submit(Navigate(`${ORIGIN}/slow?ms=300&p=${p}`), { priority: p }).then(() => order.push(`p${p}`)));
    const more = [d.submit(Navigate(`${ORIGIN}/person?id=2`)), d.submit(Navigate(`${ORIGIN}/person?id=3`))];
    const refused = await d.submit(Navigate(`${ORIGIN}/person?id=4`)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MailboxFullError);
    await Promise.all([busy, ...tasks, ...more]);
    expect(order).toEqual(['p9', 'p5', 'p1']);
    // Nobody serves this queue: the deadline answers, and the job leaves the queue.
    const idle = dispatcher({ queue: 'idle' });
    const late = await idle.submit(Navigate(`${ORIGIN}/`), { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(TaskTimeoutError);
    expect(await until(async () => (await idle.stats()).queued === 0)).toBe(true);
  });

  it('a session whose host dies: its waiting and running idempotent tasks move to another host and are answered there', async () => {
    const queue = 'moving';
    let doomed: HostProcess | undefined;
    try {
      doomed = await spawnWorkerHost(redis.url, 'doomed', { queue, driverModule, lockMs: 1000 });
      const d = dispatcher({ queue });
      const moves: string[] = [];
      d.on('session:moved', (e) => moves.push(`${e.from}->${e.to}`));
      const endedOn: (string | null)[] = [];
      d.on('task:end', (e) => endedOn.push(e.host));
      await d.submit(Navigate(`${ORIGIN}/sign-in?user=ann`), { sessionKey: 'ann' }); // bound to the only host
      expect(endedOn).toEqual(['doomed']);
      await host(queue); // a second host; the session stays where it is
      const running = d.submit(Navigate(`${ORIGIN}/slow?ms=4000`), { sessionKey: 'ann', timeoutMs: 30_000 });
      const waiting = [1, 2, 3].map((i) => d.submit(Navigate(`${ORIGIN}/person?id=${i}`), { sessionKey: 'ann', timeoutMs: 30_000 }));
      // The slow task runs on the doomed host; the other three wait in its queue. Then it dies.
      expect(
        await until(async () => {
          const doomedHost = (await d.stats()).hosts.find((h) => h.id === 'doomed');
          return doomedHost?.queued === 3 && doomedHost.active === 1;
        }),
      ).toBe(true);
      await doomed.kill();
      const answers = await Promise.all([running, ...waiting]);
      expect(answers.map((a) => a.url)).toEqual([`${ORIGIN}/slow?ms=4000`, ...[1, 2, 3].map((i) => `${ORIGIN}/person?id=${i}`)]);
      expect(moves.length).toBe(4);
      expect(new Set(endedOn.slice(1))).toEqual(new Set([hosts.at(-1)?.id]));
      // The session now lives on the new host: its next task goes there directly.
      await d.submit(GetCookies(), { sessionKey: 'ann' });
      expect(endedOn.at(-1)).toBe(hosts.at(-1)?.id);
    } finally {
      await doomed?.kill();
    }
  }, 60_000);

  it("a host lost mid-task, at the hosts' default timings (a 30 s lock): its running idempotent tasks, with a session key and without, are answered by a host started after the loss, within a 25 s deadline (shorter than the lock)", async () => {
    const queue = 'failover';
    let doomed: HostProcess | undefined;
    let survivor: HostProcess | undefined;
    try {
      doomed = await spawnWorkerHost(redis.url, 'lost', { queue, driverModule, workers: 2, hostDefaults: true });
      const d = dispatcher({ queue, pollMs: 1000 });
      const endedOn: (string | null)[] = [];
      d.on('task:end', (e) => endedOn.push(e.host));
      const bound = d.submit(Navigate(`${ORIGIN}/slow?ms=4000&n=bound`), { sessionKey: 'ann', timeoutMs: 25_000 });
      const shared = d.submit(Navigate(`${ORIGIN}/slow?ms=4000&n=shared`), { timeoutMs: 25_000 });
      expect(
        await until(async () => (await d.stats()).hosts.find((h) => h.id === 'lost')?.active === 1 && (await d.stats()).active === 1),
      ).toBe(true);
      await doomed.kill();
      // As a user would: the replacement is started after the loss.
      survivor = await spawnWorkerHost(redis.url, 'survivor', { queue, driverModule, hostDefaults: true });
      const answers = await Promise.all([bound, shared]);
      expect(answers.map((a) => new URL(a.url).searchParams.get('n'))).toEqual(['bound', 'shared']);
      expect(endedOn).toEqual(['survivor', 'survivor']);
    } finally {
      await doomed?.kill();
      await survivor?.stop();
    }
  }, 60_000);

  it('stop() waits for the answers; kill() fails what is pending with ERR_ACTOR_STOPPED; neither takes new tasks', async () => {
    await host('closing');
    const a = dispatcher({ queue: 'closing' });
    const answered = a.submit(Navigate(`${ORIGIN}/slow?ms=300`));
    await a.stop();
    expect((await answered).status).toBe(200);
    await expect(a.submit(Navigate(`${ORIGIN}/`))).rejects.toBeInstanceOf(ActorStoppedError);
    const b = dispatcher({ queue: 'nobody' });
    const pending = b.submit(Navigate(`${ORIGIN}/`)).catch((e: unknown) => e);
    expect(await until(async () => (await b.stats()).queued === 1)).toBe(true);
    await b.kill();
    expect(await pending).toBeInstanceOf(ActorStoppedError);
  });

  it('Redis SIGKILLed mid-run and restarted with its append-only file: the host and the submitter each report it (event, status) and reconnect by themselves; every task accepted before, during and after is answered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-aof-'));
    let server = await startRedisServer({ aof: { dir } });
    const h = await startWorkerHost({
      redis: server.url,
      queue: 'aof',
      workers: 1,
      driverModule,
      lockMs: 2000,
      liveTtlMs: 1500,
      backoff: { baseMs: 20 },
    });
    hosts.push(h);
    const d = createRedisDispatcher({ redis: server.url, queue: 'aof', pollMs: 200 });
    dispatchers.push(d);
    const metrics = createMetrics();
    metrics.watch({ executors: [d], redis: () => d.redis() });
    const seen = (who: 'host' | 'submitter', state: 'connected' | 'unreachable'): Promise<void> =>
      new Promise((resolve) => {
        const off = (who === 'host' ? h.onRedis.bind(h) : d.on.bind(d, 'redis'))((c: { state: string }) => {
          if (c.state !== state) return;
          off();
          resolve();
        });
      });
    try {
      await d.start();
      expect(metrics.status().redis?.state).toBe('connected');
      // One slow task holds the host's one slot; ten more wait in Redis behind it.
      const slow = d.submit(Navigate(`${ORIGIN}/slow?ms=1500`), { timeoutMs: 60_000 });
      const waiting = Array.from({ length: 10 }, (_, i) => d.submit(Navigate(`${ORIGIN}/person?id=${i}`), { timeoutMs: 60_000 }));
      expect(await until(async () => (await d.stats()).queued === 10)).toBe(true);
      const lost = Promise.all([seen('host', 'unreachable'), seen('submitter', 'unreachable')]);
      process.kill(server.pid, 'SIGKILL');
      await lost;
      const status = metrics.status();
      expect(status.redis?.state).toBe('unreachable');
      expect(status.queues[0]?.state).toBe('degraded');
      expect(status.queues[0]?.lastFault?.reason).toMatch(/^redis: unreachable since \d{4}-/);
      expect(h.redis().state).toBe('unreachable');
      // Submitted while Redis is away: it waits (within its deadline) instead of failing.
      const during = d.submit(Navigate(`${ORIGIN}/person?id=during`), { timeoutMs: 60_000 });
      const back = Promise.all([seen('host', 'connected'), seen('submitter', 'connected')]);
      server = await startRedisServer({ port: server.port, aof: { dir } });
      await back;
      const after = d.submit(Navigate(`${ORIGIN}/person?id=after`), { timeoutMs: 60_000 });
      expect((await slow).url).toBe(`${ORIGIN}/slow?ms=1500`);
      expect((await Promise.all(waiting)).map((r) => r.url)).toEqual(Array.from({ length: 10 }, (_, i) => `${ORIGIN}/person?id=${i}`));
      expect((await during).url).toBe(`${ORIGIN}/person?id=during`);
      expect((await after).url).toBe(`${ORIGIN}/person?id=after`);
      expect(metrics.status().redis?.state).toBe('connected');
    } finally {
      metrics.close();
      await d.kill();
      await h.stop({ timeoutMs: 5000 });
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('Redis restarted without persistence: each task it lost (waiting or running) fails with ERR_QUEUE_UNAVAILABLE that names Redis and the cause, as maybe executed, instead of waiting out its deadline', async () => {
    let server = await startRedisServer();
    const h = await startWorkerHost({
      redis: server.url,
      queue: 'amnesia',
      workers: 1,
      driverModule,
      lockMs: 2000,
      liveTtlMs: 1500,
      backoff: { baseMs: 20 },
    });
    hosts.push(h);
    const d = createRedisDispatcher({ redis: server.url, queue: 'amnesia', pollMs: 200 });
    dispatchers.push(d);
    try {
      await d.start();
      const running = d.submit(Navigate(`${ORIGIN}/slow?ms=3000`), { timeoutMs: 120_000 }).catch((e: unknown) => e);
      const waiting = Array.from({ length: 3 }, (_, i) =>
        d.submit(Navigate(`${ORIGIN}/person?id=${i}`), { timeoutMs: 120_000 }).catch((e: unknown) => e),
      );
      expect(await until(async () => (await d.stats()).queued === 3)).toBe(true);
      const gone = new Promise<void>((resolve) => {
        const off = d.on('redis', (c) => c.state === 'unreachable' && (off(), resolve()));
      });
      process.kill(server.pid, 'SIGKILL');
      await gone;
      server = await startRedisServer({ port: server.port });
      for (const error of [...(await Promise.all(waiting)), await running]) {
        expect(error).toBeInstanceOf(QueueUnavailableError);
        expect((error as QueueUnavailableError).message).toMatch(
          /^Redis no longer holds task \S+ \(Navigate\), accepted \d+ s ago: Redis lost it, most likely in a restart without persistence \(turn on appendonly\)\. It may have run/,
        );
        expect((error as QueueUnavailableError).details).toMatchObject({ lost: true, maybeExecuted: true });
      }
    } finally {
      await d.kill();
      await h.stop({ timeoutMs: 5000 });
      await server.stop();
    }
  }, 60_000);

  it('browser-actor status --redis URL: one view of the cluster, from Redis alone: each live host (version, workers × lanes, in flight, answered, last heartbeat) and the queue by priority; the same as a page on the status endpoint (/cluster.json, read once per period)', async () => {
    // A registry entry that outlives a loaded machine's late renewal (3 s, the others' figure, lapsed
    // once under a busy suite and the view rightly showed no live host).
    const pair = [await host('cluster', 1, 15_000), await host('cluster', 1, 15_000)];
    const d = dispatcher({ queue: 'cluster' });
    expect((await Promise.all(Array.from({ length: 6 }, (_, i) => d.submit(Navigate(`${ORIGIN}/person?id=${i}`))))).length).toBe(6);
    const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const status = (...args: string[]) => spawnSync(process.execPath, [main, 'status', ...args], { encoding: 'utf8', timeout: 30_000 });
    // A renewal (every 5 s here) carries the counts: read until both hosts announced theirs.
    let cluster:
      | {
          hosts: {
            id: string;
            version: string;
            workers: number;
            lanes: number;
            served: number;
            servedLastMinute: number;
            heartbeatAgoMs: number;
          }[];
          queuedByPriority: number[];
          servedLastMinute: number;
        }
      | undefined;
    expect(
      await until(async () => {
        const r = status('--redis', redis.url, '--queue', 'cluster', '--json');
        cluster = JSON.parse(r.stdout) as typeof cluster;
        return cluster?.servedLastMinute === 6;
      }, 25_000),
    ).toBe(true);
    expect(cluster?.hosts.map((h) => h.id).sort()).toEqual(pair.map((h) => h.id).sort());
    for (const h of cluster?.hosts ?? []) expect(h).toMatchObject({ version, workers: 1, lanes: 1 });
    expect(cluster?.hosts.reduce((sum, h) => sum + h.served, 0)).toBe(6);
    expect(cluster?.queuedByPriority).toEqual(Array.from({ length: 10 }, () => 0));
    const text = status('--redis', redis.url, '--queue', 'cluster');
    expect(text.status).toBe(0);
    for (const h of pair) expect(text.stdout).toMatch(new RegExp(`^${h.id} +${version.replace(/\./g, '\\.')} +1 × 1 +0/1 `, 'm'));
    expect(text.stdout).toMatch(/queue cluster: 0 waiting .* 6 tasks answered in the last minute/);
    expect(status('--queue', 'cluster', '--port', '9').stderr).toMatch(/--queue and --json go with --redis/);

    // The same view as a page: the submitter's (or a host's) status endpoint serves /cluster.json,
    // read from Redis at most once per period however many ask, and its status page shows it.
    let reads = 0;
    const metrics = createMetrics();
    metrics.watch({ executors: [d], redis: () => d.redis() });
    const server = await startMetricsServer(metrics, {
      port: 0,
      cluster: () => {
        reads++;
        return readClusterStatus({ redis: redis.url, queue: 'cluster' });
      },
      clusterCacheMs: 60_000,
    });
    const viewer = await launchViewer();
    try {
      const origin = `http://127.0.0.1:${server.port}`;
      const bodies = await Promise.all(
        Array.from(
          { length: 5 },
          async () => (await fetch(`${origin}/cluster.json`, { signal: AbortSignal.timeout(10_000) })).json() as Promise<typeof cluster>,
        ),
      );
      expect(reads).toBe(1);
      for (const b of bodies) expect(b?.hosts.map((h) => h.id).sort()).toEqual(pair.map((h) => h.id).sort());
      const page = await viewer.browser.newPage();
      await page.goto(`${origin}/status`, { timeout: 30_000 });
      // Checked in the page on every animation frame: a function, not a string, as the page's CSP forbids eval (a string
      // predicate passed only when the rows were already there at the first check).
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll(
            '#cluster tbody tr[data-host]',
          ).length === 2,
        undefined,
        { timeout: 15_000 },
      );
      expect(await page.locator('#cluster-section').isVisible()).toBe(true);
      expect(await page.locator('#cluster-summary').textContent()).toMatch(
        /^Queue cluster: 2 live host\(s\), 0 waiting .* 6 answered in the last minute/,
      );
      for (const h of pair) {
        const cells = await page.locator(`#cluster tr[data-host="${h.id}"] td`).allTextContents();
        expect(cells.slice(0, 2)).toEqual([h.id, version]);
        expect(cells[3]).toBe('1 × 1');
      }
      // A job that uses no Redis has no cluster to show.
      const plain = await startMetricsServer(createMetrics(), { port: 0 });
      try {
        expect((await fetch(`http://127.0.0.1:${plain.port}/cluster.json`, { signal: AbortSignal.timeout(5000) })).status).toBe(404);
      } finally {
        await plain.close();
      }
    } finally {
      await viewer.close();
      await server.close();
      metrics.close();
    }
  }, 90_000);
});
