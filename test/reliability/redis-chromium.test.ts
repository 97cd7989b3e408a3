import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../../src/drivers/process-tree.js';
import { ActorCrashedError, QueueUnavailableError } from '../../src/errors.js';
import { type RedisWorkDispatcher, createRedisDispatcher } from '../../src/runtime/dispatch/redis-dispatcher.js';
import { jobIdForKey } from '../../src/runtime/dispatch/redis-shared.js';
import { ExecuteJS, GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import { useChromiumFile } from '../support/chromium-root.js';
import { type RedisServer, dumpRedis, secretsFoundIn, startRedisServer } from '../support/redis-server.js';
import { type HostProcess, spawnWorkerHost } from '../support/worker-hosts.js';

/**
 * BullMQ on a real redis-server, worker hosts as separate processes driving real Chromium, and
 * every side effect counted where it happens (at the test server): 60 tasks over two hosts
 * answered exactly once; a session stays on its host; Redis connections dropped mid-run lose
 * nothing. (A SIGKILLed host is the executor contract's: test/contract/redis.executor.test.ts.)
 */

const file = useChromiumFile('redis-');
let redis: RedisServer;
let hosts: HostProcess[] = [];
const dispatchers: RedisWorkDispatcher[] = [];

function dispatcher(queue = 'browser-actor'): RedisWorkDispatcher {
  const d = createRedisDispatcher({ redis: redis.url, queue, pollMs: 250, defaultTimeoutMs: 60_000 });
  dispatchers.push(d);
  return d;
}

beforeAll(async () => {
  redis = await startRedisServer();
  hosts = await Promise.all(['host-a', 'host-b'].map((id) => spawnWorkerHost(redis.url, id, { tmpRoot: file.root })));
});

afterAll(async () => {
  await Promise.all(dispatchers.map((d) => d.kill()));
  await Promise.all(hosts.map((h) => h.stop()));
  for (const h of hosts) expect(await waitFor(() => !isAlive(h.pid) && h.workerPids.every((p) => !isAlive(p)), 10_000, 50)).toBe(true);
  await redis?.stop();
});

describe('Redis dispatcher with worker hosts on real Chromium', () => {
  it('two worker hosts answer each of 60 tasks exactly once (side effects counted at the server)', async () => {
    const origin = file.server.origin;
    const d = dispatcher();
    const servedBy = new Map<string, number>();
    d.on('task:end', (e) => e.host && servedBy.set(e.host, (servedBy.get(e.host) ?? 0) + 1));
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 2 === 0
          ? d.submit(Navigate(`${origin}/person?id=${i}`)).then((r) => r.url)
          : d.submit(ExecuteJS(`await fetch(arguments[0] + '/exec?task=r' + arguments[1]); return arguments[1];`, [origin, i])),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? `${origin}/person?id=${i}` : i)));
    for (let i = 1; i < 60; i += 2) expect(file.server.count(`/exec?task=r${i}`)).toBe(1);
    expect([...servedBy.keys()].sort()).toEqual(['host-a', 'host-b']);
    expect([...servedBy.values()].reduce((a, b) => a + b, 0)).toBe(60);
  }, 120_000);

  it('the same idempotency key, from two dispatchers, runs once', async () => {
    const origin = file.server.origin;
    const task = ExecuteJS(`await fetch(arguments[0] + '/exec?task=keyed'); return 'ran';`, [origin]);
    const [a, b] = await Promise.all([
      dispatcher().submit(task, { idempotencyKey: 'pay-42' }),
      dispatcher().submit(task, { idempotencyKey: 'pay-42' }),
    ]);
    expect([a, b]).toEqual(['ran', 'ran']);
    expect(await dispatcher().submit(task, { idempotencyKey: 'pay-42' })).toBe('ran'); // later too: the finished job answers
    expect(file.server.count('/exec?task=keyed')).toBe(1);
  });

  it('session affinity: a signed-in session’s tasks all run on the host that holds its cookies', async () => {
    const origin = file.server.origin;
    const d = dispatcher();
    // Two sessions, two hosts of one browser each: each session gets a host (and so a browser) of its own.
    const sessions = ['s1', 's2'];
    const hostsOf = new Map<string, Set<string>>();
    const sessionOfTask = new Map<string, string>();
    d.on('task:end', (e) => {
      const s = sessionOfTask.get(e.taskId);
      if (s !== undefined && e.host !== null) hostsOf.set(s, (hostsOf.get(s) ?? new Set()).add(e.host));
    });
    // Each session "signs in": a cookie of its own, set by a page script in its browser.
    for (const s of sessions) {
      await d.submit(Navigate(`${origin}/landed`), { sessionKey: s });
      await d.submit(ExecuteJS(`document.cookie = 'who=' + arguments[0] + '; path=/'; return true;`, [s]), { sessionKey: s });
    }
    const reads = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const s = sessions[i % sessions.length] as string;
        const key = `read-${s}-${i}`;
        sessionOfTask.set(jobIdForKey(key), s);
        return d.submit(GetCookies(['who']), { sessionKey: s, idempotencyKey: key }).then((c) => [s, c[0]?.value]);
      }),
    );
    for (const [s, value] of reads) expect(value).toBe(s); // every read reached the browser that holds its session
    for (const s of sessions) expect(hostsOf.get(s)?.size).toBe(1);
    // A new session goes to the host with the fewest sessions: one each.
    expect(new Set(sessions.map((s) => [...(hostsOf.get(s) ?? [])][0])).size).toBe(2);
  });

  it('nothing secret is at rest in Redis: a password argument, a cookie read back and a session key appear nowhere in its keys, values or streams; delivered answers are removed', async () => {
    const origin = file.server.origin;
    const d = dispatcher('secrets');
    const password = `pw-${randomUUID()}`;
    const sessionKey = `owner-${randomUUID()}@example.test`;
    const host = await spawnWorkerHost(redis.url, 'host-secrets', { tmpRoot: file.root, queue: 'secrets' });
    hosts.push(host);
    await d.submit(Navigate(`${origin}/set-cookies`), { sessionKey });
    // The way a sign-in hands a password to a page script.
    expect(await d.submit(ExecuteJS('return arguments[0].length', [password]), { sessionKey })).toBe(password.length);
    const cookies = await d.submit(GetCookies(['secret']), { sessionKey });
    expect(cookies[0]?.value).toBe('s3cr3t-value');
    // A keyed job stays (it answers later submits of its key), sealed.
    expect(await d.submit(ExecuteJS('return arguments[0].length', [password]), { sessionKey, idempotencyKey: 'keyed-secret' })).toBe(
      password.length,
    );
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      // Answers delivered without a key leave the queue (give the removals a moment: they are not awaited by submit).
      const finished = async (): Promise<number> =>
        (await Promise.all((await admin.keys('bull:secrets*:completed')).map((k) => admin.zcard(k)))).reduce((a, b) => a + b, 0);
      for (let i = 0; i < 200 && (await finished()) !== 1; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await finished()).toBe(1); // only the keyed job
      const dump = await dumpRedis(admin);
      expect(dump.length).toBeGreaterThan(1000); // the scan read the queue's keys, streams and the keyed job
      expect(secretsFoundIn(dump, [password, 's3cr3t-value', sessionKey]), 'a secret in Redis').toEqual([]);
    } finally {
      admin.disconnect();
    }
  });

  it('a session survives its host: after the host that holds it is SIGKILLed, another resumes it with its cookies (HttpOnly too) and local storage, sealed in Redis meanwhile; endSession removes them', async () => {
    const origin = file.server.origin;
    const d = dispatcher('survive');
    const hostOf = new Map<string, string>();
    d.on('task:end', (e) => e.host && hostOf.set(e.taskId, e.host));
    const pair = await Promise.all(
      ['host-c', 'host-d'].map((id) => spawnWorkerHost(redis.url, id, { tmpRoot: file.root, queue: 'survive' })),
    );
    hosts.push(...pair);
    const sessionKey = 'survivor';
    const value = `v${randomUUID().replace(/-/g, '')}`;
    await d.submit(Navigate(`${origin}/landed`), { sessionKey });
    // The way a site signs a session in: an HttpOnly cookie from an API answer, fetched by the page.
    await d.submit(ExecuteJS(`await fetch('/api/set-cookie?v=' + arguments[0]); return true;`, [value]), { sessionKey });
    // And the way a single-page app keeps its token: local storage.
    const token = `t${randomUUID().replace(/-/g, '')}`;
    await d.submit(ExecuteJS(`localStorage.setItem('token', arguments[0]); return true;`, [token]), { sessionKey });
    const [first] = [...hostOf.values()];
    expect(new Set(hostOf.values()).size).toBe(1);
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await admin.keys('*:survive:ba:snap:*')).toHaveLength(1);
      const dump = await dumpRedis(admin);
      expect(secretsFoundIn(dump, [value, token]), 'the cookie or the stored token in Redis').toEqual([]);
      await pair.find((h) => h.id === first)?.kill();
      hostOf.clear();
      const cookies = await d.submit(GetCookies(['api']), { sessionKey, timeoutMs: 30_000 });
      expect(cookies[0]?.value).toBe(value);
      expect(await d.submit(ExecuteJS(`return localStorage.getItem('token');`), { sessionKey, timeoutMs: 30_000 })).toBe(token);
      expect(new Set(hostOf.values())).toEqual(new Set([pair.find((h) => h.id !== first)?.id]));
      await d.endSession(sessionKey);
      expect(await admin.keys('*:survive:ba:snap:*')).toEqual([]);
      expect(await admin.keys('*:survive:ba:aff:*')).toEqual([]);
    } finally {
      admin.disconnect();
    }
  }, 60_000);

  it('Redis connections dropped mid-run: every accepted task is answered, each side effect exactly once', async () => {
    const origin = file.server.origin;
    const d = dispatcher();
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const answers = Array.from({ length: 60 }, (_, i) =>
        d.submit(
          ExecuteJS(
            `await fetch(arguments[0] + '/exec?task=c' + arguments[1]); await new Promise((r) => setTimeout(r, 30)); return arguments[1];`,
            [origin, i],
          ),
        ),
      );
      await file.server.waitForRequest((p) => p === '/exec?task=c10' || p === '/exec?task=c11');
      const killed = Number(await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
      expect(killed).toBeGreaterThan(3); // the hosts' workers, the dispatcher's queue and events
      expect(await Promise.all(answers)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      for (let i = 0; i < 60; i++) expect(file.server.count(`/exec?task=c${i}`)).toBe(1);
    } finally {
      admin.disconnect();
    }
  });

  it("a job's lock that lapses while its host is alive (stalled, not lost): the job comes back, is not run again, and answers with the first run's result", async () => {
    const origin = file.server.origin;
    // A 1 s lock and a 6 s registry key: a host that stops answering Redis for 2.5 s loses its
    // job's lock but stays alive in the registry, as a host whose connection was dropped does.
    const pair = await Promise.all(
      ['host-e', 'host-f'].map((id) =>
        spawnWorkerHost(redis.url, id, { tmpRoot: file.root, queue: 'lapse', lockMs: 1000, liveTtlMs: 6000 }),
      ),
    );
    hosts.push(...pair);
    const d = dispatcher('lapse');
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const answer = d.submit(
        ExecuteJS(`await fetch(arguments[0] + '/exec?task=lapse'); await new Promise((r) => setTimeout(r, 3000)); return 'first run';`, [
          origin,
        ]),
        { timeoutMs: 60_000 },
      );
      await file.server.waitForRequest((p) => p === '/exec?task=lapse');
      const jobs = async (): Promise<{ key: string; by: string | null; stalled: number }[]> =>
        Promise.all(
          (await admin.keys('bull:lapse:*'))
            .filter((k) => /^bull:lapse:[^:]+$/.test(k))
            .map(async (key) => ({
              key,
              ...((await admin.type(key)) === 'hash'
                ? { by: await admin.hget(key, 'pb'), stalled: Number((await admin.hget(key, 'stc')) ?? 0) }
                : { by: null, stalled: 0 }),
            })),
        );
      const running = (await jobs()).find((j) => j.by !== null);
      const holder = pair.find((h) => h.id === running?.by) as (typeof pair)[number];
      expect(holder, `the job's host (${JSON.stringify(await jobs())})`).toBeDefined();
      process.kill(holder.pid, 'SIGSTOP');
      try {
        // The other host takes the job for stalled and picks it up again.
        let cameBack = false;
        for (const end = Date.now() + 10_000; !cameBack && Date.now() < end; await new Promise((r) => setTimeout(r, 50)))
          cameBack = (await jobs()).some((j) => j.stalled > 0);
        expect(cameBack).toBe(true);
      } finally {
        process.kill(holder.pid, 'SIGCONT');
      }
      expect(await answer).toBe('first run');
      expect(file.server.count('/exec?task=lapse')).toBe(1);
    } finally {
      admin.disconnect();
    }
  }, 60_000);

  it('chaos: two worker hosts, one SIGKILLed every few seconds and started again, and Redis SIGKILLed once and restarted on its append-only file, while 200 tasks run: every task answered once, each side effect at most once (exactly once when it succeeded), idempotent ones all succeed, 0 lost', async () => {
    const origin = file.server.origin;
    const dir = mkdtempSync(join(tmpdir(), 'redis-chaos-'));
    let server = await startRedisServer({ aof: { dir } });
    const spawn = (id: string): Promise<HostProcess> => spawnWorkerHost(server.url, id, { tmpRoot: file.root, queue: 'chaos' });
    const live = new Map<string, HostProcess>((await Promise.all(['chaos-x', 'chaos-y'].map(spawn))).map((h) => [h.id, h]));
    const d = createRedisDispatcher({ redis: server.url, queue: 'chaos', pollMs: 250, defaultTimeoutMs: 120_000 });
    dispatchers.push(d);
    let settled = 0;
    const tasks = Array.from({ length: 200 }, (_, i) => {
      const idempotent = i % 2 === 0;
      return d
        .submit(
          ExecuteJS(
            `await fetch(arguments[0] + '/exec?task=chaos' + arguments[1]); await new Promise((r) => setTimeout(r, 150)); return arguments[1];`,
            [origin, i],
            { idempotent },
          ),
        )
        .then(
          (value) => ({ i, idempotent, ok: true as const, value, error: undefined }),
          (error: unknown) => ({ i, idempotent, ok: false as const, value: undefined, error }),
        )
        .finally(() => settled++);
    });
    const allDone = Promise.all(tasks);
    let kills = 0;
    let redisRestarted = false;
    const chaos = (async () => {
      for (let round = 0; settled < tasks.length; round++) {
        const victim = round % 2 === 0 ? 'chaos-x' : 'chaos-y';
        await Promise.race([file.server.waitForRequest((p) => p.startsWith('/exec?task=chaos')), allDone]); // only while work reaches the site
        if (settled >= tasks.length) break;
        await (live.get(victim) as HostProcess).kill();
        kills++;
        if (round === 1 && !redisRestarted) {
          process.kill(server.pid, 'SIGKILL');
          server = await startRedisServer({ port: server.port, aof: { dir } });
          redisRestarted = true;
        }
        const again = await spawn(victim);
        hosts.push(again);
        live.set(victim, again);
        // The next kill once some more tasks were answered: a kill every few seconds, paced by the work
        // (every 10 answers: under a busy suite a replacement host takes long to start while the other serves).
        const mark = settled;
        await waitFor(() => settled >= Math.min(tasks.length, mark + 10), 60_000, 50);
      }
    })();
    try {
      const outcomes = await allDone;
      await chaos;
      expect(kills).toBeGreaterThanOrEqual(3);
      expect(redisRestarted).toBe(true);
      for (const o of outcomes) {
        const runs = file.server.count(`/exec?task=chaos${o.i}`);
        if (o.ok) {
          expect(o.value).toBe(o.i);
          if (!o.idempotent) expect(runs).toBe(1);
          else expect(runs).toBeGreaterThanOrEqual(1);
        } else {
          // Only a non-idempotent task that a killed host had started may fail, as maybe executed; it ran at most once.
          expect(o.idempotent, `idempotent task ${o.i} failed: ${String(o.error)}`).toBe(false);
          expect(o.error).toBeInstanceOf(ActorCrashedError);
          expect((o.error as ActorCrashedError).details['maybeExecuted']).toBe(true);
          expect(runs).toBeLessThanOrEqual(1);
        }
      }
    } finally {
      await d.kill();
      await Promise.all([...live.values()].map((h) => h.stop()));
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('browser-actor worker --redis URL: serves the queue, shows the cluster on its status endpoint, and SIGTERM finishes the task in hand before it exits', async () => {
    const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const child = spawn(
      process.execPath,
      [main, 'worker', '--redis', redis.url, '--queue', 'cli', '--workers', '1', '--metrics-port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BROWSER_ACTOR_TMPDIR: file.root } },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      expect(await waitFor(() => /serving queue cli/.test(out), 30_000, 20)).toBe(true);
      expect(out).toMatch(
        /worker host \S+: 1 worker process\(es\) \(pids \d+\), 1 lane\(s\) each, serving queue cli on redis:\/\/127\.0\.0\.1:\d+/,
      );
      // Its status endpoint also serves the cluster's view, read from Redis: this host is in it.
      const [, id, metricsUrl] = /worker host (\S+): metrics at (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(out) ?? [];
      const cluster = (await (await fetch(`${metricsUrl}/cluster.json`, { signal: AbortSignal.timeout(10_000) })).json()) as {
        queue: string;
        hosts: { id: string; workers: number }[];
      };
      expect(cluster.queue).toBe('cli');
      expect(cluster.hosts.map((h) => [h.id, h.workers])).toEqual([[id, 1]]);
      const d = dispatcher('cli');
      const answer = d.submit(Navigate(`${file.server.origin}/slow?ms=800`));
      await file.server.waitForRequest((p) => p === '/slow?ms=800');
      child.kill('SIGTERM');
      expect((await answer).status).toBe(200);
      expect(await exited).toBe(0);
      expect(out).toMatch(/SIGTERM: finishing the tasks in hand/);
      expect(out).toMatch(/stopped after 1 task\(s\)/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    }
  }, 60_000);

  it('a session bound to no live host is refused with a typed error that says what to start', async () => {
    const d = dispatcher('nobody-home');
    const error = await d.submit(GetCookies(), { sessionKey: 'lonely' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueUnavailableError);
    expect((error as Error).message).toMatch(/No worker host is alive on queue nobody-home.*browser-actor worker --redis URL/);
  });
});
