import { describe, expect, it } from 'vitest';
import { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { ConfigError } from '../../src/errors.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startMetricsServer } from '../../src/observability/metrics-server.js';
import { SessionSupervisor } from '../../src/runtime/supervisor/session-supervisor.js';
import { ExecuteJS, Navigate } from '../../src/runtime/tasks/constructors.js';
import type { SessionStats } from '../../src/session/session-manager.js';
import { fixtureSite } from '../support/fixture-site.js';

const origin = 'http://127.0.0.1:18080';

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metrics on an opt-in loopback endpoint', () => {
  it('serves GET /metrics on 127.0.0.1 only, and its values move when work runs', async () => {
    let fake: FakeDriver | undefined;
    const supervisor = new SessionSupervisor({
      id: 'sup',
      driver: () => (fake = new FakeDriver({ sites: { [origin]: fixtureSite } })),
      backoff: { baseMs: 1, maxMs: 5 },
    });
    const session = { authChecks: 2, authChecksSkipped: 5, throttled: 1, rateLimitWaitMs: 1500 };
    const stats = (): SessionStats => ({
      ...({} as SessionStats),
      probesCoalesced: 0,
      navigationsSkipped: 3,
      signIns: 1,
      apiRequests: 9,
      ...session,
    });
    const cache = { hits: 4, misses: 2 };
    const metrics = createMetrics();
    metrics.watch({ executors: [supervisor], sessions: [{ stats }], cache });
    const server = await startMetricsServer(metrics, { port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const scrape = async (): Promise<string> => {
        const res = await fetch(server.url, { signal: AbortSignal.timeout(5000) });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/text\/plain/);
        return res.text();
      };
      const before = await scrape();
      expect(sample(before, 'browser_actor_tasks_total', '{executor="sup",type="ExecuteJS",outcome="ok"}')).toBeUndefined();
      expect(sample(before, 'browser_actor_auth_checks')).toBe(2);

      await supervisor.startActor();
      await supervisor.submit(Navigate(`${origin}/`));
      await supervisor.submit(ExecuteJS('return 1'));
      await supervisor.submit(ExecuteJS('return 2'));
      await supervisor.submit(ExecuteJS('throw new Error("boom")')).catch(() => undefined);
      session.authChecks = 3;
      cache.hits = 6;
      fake?.crashBrowser();
      await supervisor.submit(ExecuteJS('return 3', [], { idempotent: true }));

      const after = await scrape();
      expect(sample(after, 'browser_actor_tasks_total', '{executor="sup",type="ExecuteJS",outcome="ok"}')).toBe(3);
      expect(sample(after, 'browser_actor_tasks_total', '{executor="sup",type="ExecuteJS",outcome="ERR_SCRIPT"}')).toBe(1);
      expect(sample(after, 'browser_actor_tasks_total', '{executor="sup",type="Navigate",outcome="ok"}')).toBe(1);
      expect(sample(after, 'browser_actor_task_duration_seconds_count', '{type="ExecuteJS"}')).toBe(4);
      expect(sample(after, 'browser_actor_restarts_total', '{executor="sup",planned="false"}')).toBe(1);
      expect(sample(after, 'browser_actor_queue_depth', '{owner="sup",priority="all"}')).toBe(0);
      expect(sample(after, 'browser_actor_auth_checks')).toBe(3);
      expect(sample(after, 'browser_actor_rate_limit_wait_seconds')).toBe(1.5);
      expect(sample(after, 'browser_actor_cache_lookups', '{result="hit"}')).toBe(6);
      // Nothing else is served (the status page's routes: test/unit/status.test.ts); only GET.
      expect((await fetch(server.url.replace('/metrics', '/'), { signal: AbortSignal.timeout(5000) })).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST', signal: AbortSignal.timeout(5000) })).status).toBe(405);
    } finally {
      metrics.close();
      await server.close();
      await supervisor.stop();
    }
  });

  it('a port in use is a ConfigError that names the flag', async () => {
    const metrics = createMetrics();
    const first = await startMetricsServer(metrics, { port: 0 });
    try {
      const port = Number(new URL(first.url).port);
      await expect(startMetricsServer(metrics, { port })).rejects.toThrow(ConfigError);
      await expect(startMetricsServer(metrics, { port })).rejects.toThrow(
        new RegExp(`--metrics-port ${port}: the port is in use on 127\\.0\\.0\\.1`),
      );
      await expect(startMetricsServer(metrics, { port: 70_000 })).rejects.toThrow(/--metrics-port must be a whole number from 0 to 65535/);
    } finally {
      await first.close();
    }
  });
});
