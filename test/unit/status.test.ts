import { request } from 'node:http';
import { type Socket, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStatusArgs, renderStatus } from '../../src/cli/status.js';
import { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { ConfigError } from '../../src/errors.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { type MetricsServer, startMetricsServer } from '../../src/observability/metrics-server.js';
import { SessionSupervisor } from '../../src/runtime/supervisor/session-supervisor.js';
import { ExecuteJS, Navigate } from '../../src/runtime/tasks/constructors.js';
import type { StatusSnapshot } from '../../src/observability/status.js';
import { sendEndlessBody } from '../support/endless-body.js';
import { fixtureSite } from '../support/fixture-site.js';

/**
 * The status board and its endpoint on the Fake browser: what a snapshot says about a
 * supervisor (state, lanes, the task in flight, the last fault, throughput), how the endpoint
 * guards itself, and the terminal rendering. The page itself, in real Chromium, with a real
 * restart: test/reliability/status-page-chromium.test.ts.
 */

const origin = 'http://127.0.0.1:18080';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function job(recycle?: {
  maxNavigations: number;
}): Promise<{ supervisor: SessionSupervisor; fake: () => FakeDriver; server: MetricsServer }> {
  let fake: FakeDriver | undefined;
  const supervisor = new SessionSupervisor({
    id: 'sup',
    lanes: 2,
    driver: () => (fake = new FakeDriver({ sites: { [origin]: fixtureSite } })),
    backoff: { baseMs: 1, maxMs: 5 },
    ...(recycle ? { recycle } : {}),
  });
  const metrics = createMetrics();
  metrics.watch({ executors: [supervisor] });
  const server = await startMetricsServer(metrics, { port: 0 });
  cleanups.push(async () => {
    metrics.close();
    await server.close();
    await supervisor.kill();
  });
  return { supervisor, fake: () => fake as FakeDriver, server };
}

/** A GET with an explicit Host header (fetch does not let a test set one). */
function get(
  port: number,
  path: string,
  host = `127.0.0.1:${port}`,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('the live status', () => {
  it('shows a supervisor: state, lanes, the task in flight, throughput, and after a crash the restart and its fault', async () => {
    const { supervisor, fake, server } = await job();
    const status = async (): Promise<StatusSnapshot> => JSON.parse((await get(server.port, '/status.json')).body) as StatusSnapshot;

    const before = await status();
    expect(before.process.pid).toBe(process.pid);
    expect(before.actors).toHaveLength(1);
    expect(before.actors[0]).toMatchObject({ id: 'sup', state: 'idle', restarts: 0, lanes: 2, lanesBusy: 0, lastFault: null, running: [] });

    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/`));
    await supervisor.submit(ExecuteJS('return 1'));
    await supervisor.submit(ExecuteJS('throw new Error("boom")')).catch(() => undefined);
    const started = new Promise<void>((resolve) => {
      const off = supervisor.on('task:start', (e) => {
        if (e.type === 'Navigate') {
          off();
          resolve();
        }
      });
    });
    const slow = supervisor.submit(Navigate(`${origin}/slow?ms=400`));
    await started;
    const busy = await status();
    expect(busy.actors[0]).toMatchObject({ state: 'healthy', lanes: 2, lanesBusy: 1, restarts: 0 });
    expect(busy.actors[0]?.running).toEqual([expect.objectContaining({ type: 'Navigate', lane: expect.any(Number) as number })]);
    expect(busy.actors[0]?.throughput).toMatchObject({ lastMinute: 3, failedLastMinute: 1 });
    expect(busy.actors[0]?.uptimeMs).toBeGreaterThanOrEqual(0);
    await slow;

    fake().crashBrowser();
    await supervisor.submit(ExecuteJS('return 2', [], { idempotent: true }));
    const after = await status();
    expect(after.actors[0]).toMatchObject({ state: 'healthy', restarts: 1, running: [], lanesBusy: 0 });
    expect(after.actors[0]?.lastFault).toMatchObject({ kind: 'browser-disconnected' });
    expect(after.actors[0]?.throughput.lastMinute).toBe(5);

    // The terminal rendering of the same snapshot.
    const text = renderStatus(after, 'http://127.0.0.1:1');
    expect(text).toMatch(/^ACTOR +STATE +UP +RESTARTS +RECYCLES +LANES BUSY +QUEUE +TASKS\/MIN +IN FLIGHT +LAST FAULT$/m);
    expect(text).toMatch(/^sup +healthy +\d+ s +1 +0 +0\/2 +0 +5 +idle +browser-disconnected, \d+ s ago: /m);
  });

  it('planned recycles show apart from restarts', async () => {
    const { supervisor, server } = await job({ maxNavigations: 2 });
    await supervisor.startActor();
    for (let i = 0; i < 5; i++) await supervisor.submit(Navigate(`${origin}/?n=${i}`));
    const s = JSON.parse((await get(server.port, '/status.json')).body) as StatusSnapshot;
    expect(s.actors[0]).toMatchObject({ restarts: 0, recycles: supervisor.health().recycles, lastFault: null });
    expect(s.actors[0]?.recycles).toBeGreaterThanOrEqual(2); // a new browser after every 2 navigations
    expect(renderStatus(s, 'http://127.0.0.1:1')).toMatch(new RegExp(`^sup +healthy +\\d+ s +0 +${s.actors[0]?.recycles} +0/2 `, 'm'));
    expect((await get(server.port, '/status.js')).body).toContain("['recycles', a.recycles]");
  });

  it('fault reasons are redacted and printed, never interpreted', async () => {
    const { supervisor, server } = await job();
    await supervisor.startActor();
    await supervisor.restartOnFault(
      'opened http://user:hunter2@127.0.0.1/x?token=abc123 then \u001b]0;owned\u0007 <img src=x onerror=alert(1)>\nline two',
    );
    await supervisor.submit(ExecuteJS('return 1'));
    const body = (await get(server.port, '/status.json')).body;
    expect(body).not.toContain('hunter2');
    expect(body).not.toContain('abc123');
    const snapshot = JSON.parse(body) as StatusSnapshot;
    expect(snapshot.actors[0]?.lastFault?.reason).toContain('<img src=x onerror=alert(1)>'); // JSON is data; the page sets it as text
    const text = renderStatus(snapshot, 'http://127.0.0.1:1');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).toMatch(/manual, \d+ s ago: opened http:\/\/user:\*\*\*@127\.0\.0\.1\/x\?token=\*\*\* then .*line two$/m);
  });

  it('the endpoint serves the page with a strict policy, answers only loopback host names and GET, and nothing else', async () => {
    const { server } = await job();
    expect(server.statusUrl).toBe(`http://127.0.0.1:${server.port}/status`);
    const page = await get(server.port, '/status');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toContain('<script src="/status.js" defer></script>');
    expect((await get(server.port, '/status.js')).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await get(server.port, '/status.js')).body).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write/);
    expect((await get(server.port, '/status.css')).status).toBe(200);
    expect((await get(server.port, '/status.json', `localhost:${server.port}`)).status).toBe(200);
    // A DNS name pointed at 127.0.0.1 (rebinding) is not this endpoint's name.
    expect((await get(server.port, '/status.json', `evil.example:${server.port}`)).status).toBe(421);
    expect((await get(server.port, '/metrics', `127.0.0.1:${server.port + 1}`)).status).toBe(421);
    expect((await get(server.port, '/status.json', `127.0.0.1:${server.port}`, 'POST')).status).toBe(405);
    expect((await get(server.port, '/etc/passwd')).status).toBe(404);
  });

  it('slow connections cannot lock the pollers out: 80 that send nothing, then every poll is answered', async () => {
    const { server } = await job();
    const slow: Socket[] = [];
    try {
      for (let i = 0; i < 80; i++) {
        const socket = connect({ host: '127.0.0.1', port: server.port });
        socket.on('error', () => {});
        await new Promise((resolve) => socket.once('connect', resolve).once('close', resolve));
        slow.push(socket);
      }
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await get(server.port, '/status.json').catch(() => ({ status: 0 }))).status);
      expect(statuses.filter((x) => x !== 200)).toEqual([]);
    } finally {
      for (const socket of slow) socket.destroy();
    }
  });

  it('a batch job shows its progress, and a Redis user whether Redis answers, in the snapshot and in the terminal', () => {
    const metrics = createMetrics();
    let done = 3;
    let link: { state: 'connected' | 'unreachable'; since: number; reason?: string } = {
      state: 'connected',
      since: Date.parse('2026-12-07T10:00:00Z'),
    };
    metrics.watch({ batch: () => ({ total: 8, done, failed: 1 }), redis: () => link });
    try {
      let s = metrics.status();
      expect(s.batch).toEqual({ total: 8, done: 3, failed: 1 });
      expect(s.redis).toEqual({ state: 'connected', since: '2026-12-07T10:00:00.000Z' });
      expect(renderStatus(s, 'http://127.0.0.1:1')).toMatch(/^redis: connected\nbatch: 3 of 8 done \(1 failed\)$/m);
      done = 8;
      link = {
        state: 'unreachable',
        since: Date.parse('2026-12-07T10:05:00Z'),
        reason: 'Redis did not answer within 2000 ms (redis://:hunter2@10.0.0.5:6379)',
      };
      s = metrics.status();
      expect(s.batch?.done).toBe(8);
      const text = renderStatus(s, 'http://127.0.0.1:1');
      expect(text).toContain('redis: UNREACHABLE since 2026-12-07T10:05:00.000Z (Redis did not answer within 2000 ms');
      expect(text).not.toContain('hunter2'); // redacted
    } finally {
      metrics.close();
    }
  });

  it('`status` options: one endpoint, a sane interval, no credentials', () => {
    expect(parseStatusArgs(['--port', '9464'])).toEqual({ base: 'http://127.0.0.1:9464', watch: false, intervalS: 2 });
    expect(parseStatusArgs(['--url', 'http://localhost:9000/status', '--watch', '--interval', '5'])).toEqual({
      base: 'http://localhost:9000',
      watch: true,
      intervalS: 5,
    });
    const refused = (args: string[], message: RegExp): void => {
      expect(() => parseStatusArgs(args)).toThrow(ConfigError);
      expect(() => parseStatusArgs(args)).toThrow(message);
    };
    refused([], /give the job's endpoint: --port <n>/);
    refused(['--port', '1', '--url', 'http://127.0.0.1:1'], /give the job's endpoint/);
    refused(['--port', '70000'], /--port must be a whole number from 1 to 65535, got "70000"/);
    refused(['--url', 'ftp://127.0.0.1:1'], /--url must use http or https/);
    refused(['--url', 'http://a:b@127.0.0.1:1'], /must not carry credentials/);
    refused(['--port', '1', '--interval', '2'], /--interval goes with --watch/);
    refused(['--port', '1', '--watch', '--interval', '0'], /--interval must be a whole number of seconds from 1 to 3600/);
    // The cluster of worker hosts on a Redis instead of one job.
    expect(parseStatusArgs(['--redis', 'redis://127.0.0.1:6379', '--queue', 'q1', '--json'])).toEqual({
      base: '',
      cluster: { redis: 'redis://127.0.0.1:6379', queue: 'q1', json: true },
      watch: false,
      intervalS: 2,
    });
    expect(parseStatusArgs(['--redis', 'redis://127.0.0.1:6379', '--watch']).cluster).toEqual({
      redis: 'redis://127.0.0.1:6379',
      queue: 'browser-actor',
      json: false,
    });
    refused(['--redis', 'redis://127.0.0.1:1', '--port', '1'], /one of the three/);
    refused(['--redis', 'http://127.0.0.1:1'], /--redis must be a redis:\/\/ or rediss:\/\/ URL/);
    refused(['--redis', 'redis://127.0.0.1:1', '--queue', 'no spaces'], /--queue must be 1–64 letters/);
    refused(['--port', '1', '--json'], /--queue and --json go with --redis/);
    refused(['--redis', 'redis://127.0.0.1:1', '--json', '--watch'], /--json prints once/);
  });
});

describe('browser-actor status against an endpoint that is not ours', () => {
  it('escape sequences in any field are printed inert; a huge body is refused after the limit; fields of the wrong type are a ConfigError, not a crash', async () => {
    const { createServer } = await import('node:http');
    const ESC = '\u001b';
    let streamed = 0;
    const bodies: Record<string, () => string> = {
      '/escapes': () =>
        JSON.stringify({
          at: `${ESC}]0;pwned\u0007now`,
          process: { pid: `${ESC}[2J1`, uptimeMs: 1, rssBytes: 1 },
          redis: { state: 'unreachable', since: `${ESC}[31mred`, reason: `${ESC}[1Aup` },
          batch: { total: 1, done: 0, failed: 0 },
          actors: [],
          dispatchers: [
            {
              id: `${ESC}[Hhome`,
              queued: 0,
              queuedByPriority: [],
              deferred: 0,
              inFlight: 0,
              throughput: { lastMinute: 0, perSecond: 0 },
              workers: [],
            },
          ],
          queues: [],
        }),
      '/wrong-types': () =>
        JSON.stringify({ at: 'now', process: {}, actors: [{ id: 'a', throughput: null, running: 7 }], dispatchers: [] }),
    };
    const server = createServer((req, res) => {
      const base = (req.url ?? '').replace(/\/status\.json$/, '');
      if (base === '/huge') {
        // 700 MB promised, sent without a length for as long as the client reads.
        sendEndlessBody(res, { prefix: '{"actors":[', fill: ' ', maxBytes: 700 * 1024 * 1024, onSent: (n) => (streamed += n) });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(bodies[base]?.() ?? '{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const { fetchStatus } = await import('../../src/cli/status.js');
    try {
      const origin = `http://127.0.0.1:${port}`;
      const text = renderStatus(await fetchStatus(`${origin}/escapes`), `${origin}/escapes`);
      expect(text).not.toContain(ESC);
      expect(text).not.toContain('\u0007');
      expect(text).toContain('\uFFFD]0;pwned');
      const huge = await fetchStatus(`${origin}/huge`).catch((e: unknown) => e);
      expect(huge).toBeInstanceOf(ConfigError);
      expect((huge as Error).message).toMatch(/answered more than 8 MiB/);
      expect(streamed).toBeLessThan(64 * 1024 * 1024); // it stopped reading near the limit
      const wrong = await fetchStatus(`${origin}/wrong-types`);
      expect(() => renderStatus(wrong, `${origin}/wrong-types`)).toThrow(ConfigError);
      expect(() => renderStatus(wrong, `${origin}/wrong-types`)).toThrow(/answered a status this version cannot read/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
