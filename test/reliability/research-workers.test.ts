import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchRow, RESEARCH_DEFAULTS, type RunResearchOptions, runResearchCli } from '../../src/cli/research.js';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { generateTree } from '../../src/genealogy/synthetic.js';
import { waitFor } from '../../src/internal/poll.js';
import { newTotpSecret, totpCode } from '../../src/internal/totp.js';
import { type WorkerHost, startWorkerHost } from '../../src/runtime/dispatch/redis-host.js';
import { GetCookies } from '../../src/runtime/tasks/constructors.js';
import { type TreeSite, startTreeSite } from '../../src/site/server.js';
import { leftoversUnder } from '../support/leftovers.js';
import { type RedisServer, dumpRedis, secretsFoundIn, startRedisServer } from '../support/redis-server.js';
import { spawnWorkerHost } from '../support/worker-hosts.js';

/**
 * `research --workers N` and `research --redis URL`: the same batch as one process gives the same
 * output, with each session signed in from its own browser in a worker process (locally, and on
 * a worker host that consumes Redis); and the same through the WebDriver driver.
 */

let site: TreeSite;
let redis: RedisServer;
let root: string;
let rows: BatchRow[];
const password = randomBytes(12).toString('base64url');
// One account per run: the site accepts a TOTP code once, so runs of one account in the same
// minute would wait for fresh codes (which is what a real site makes its users do too).
const accounts = ['one', 'two', 'redis', 'webdriver', 'failover'].map((username) => ({ username, password, totpSecret: newTotpSecret() }));

beforeAll(async () => {
  const { tree, referencePerson } = generateTree({ people: 3000, seed: 2 });
  site = await startTreeSite({ tree, referencePerson, users: accounts, rateLimit: { capacity: 20, refillPerSecond: 10 } });
  redis = await startRedisServer();
  root = mkdtempSync(join(browserDirsRoot(), 'research-workers-'));
  const father = tree.parents(referencePerson)[0] as number;
  const picks = [father, ...tree.parents(father), 17, 400, 1200];
  rows = picks.map((p, k) => {
    const person = tree.person(p);
    return {
      line: k + 1,
      criteria: {
        given: person.given.split(' ')[0] ?? person.given,
        surname: person.surname,
        ...(person.birth?.date?.year ? { birthYear: person.birth.date.year } : {}),
      },
    };
  });
});

afterAll(async () => {
  await site?.close();
  await redis?.stop();
  expect(await leftoversUnder(root)).toEqual([]);
  rmdirSync(root);
});

async function run(account: number, extra: Partial<RunResearchOptions>): Promise<{ json: unknown; signIns: number }> {
  const { username, totpSecret } = accounts[account] as (typeof accounts)[number];
  const lines: string[] = [];
  const signIns = (): number => site.counts()['POST /sign-in/2fa'] ?? 0;
  const before = signIns();
  const summary = await runResearchCli({
    ...RESEARCH_DEFAULTS,
    rows,
    site: site.origin,
    ladderFor: 1,
    json: true,
    out: (l) => lines.push(l),
    err: () => undefined,
    env: {
      ...process.env,
      SITE_USERNAME: username,
      SITE_PASSWORD: password,
      TOTP_SECRET: totpSecret,
      RATE_LIMIT: '10/10',
      BROWSER_ACTOR_TMPDIR: root,
    },
    ...extra,
  });
  expect(summary.failed).toEqual([]);
  const json = JSON.parse(lines.join('\n')) as { results: unknown; wallMs?: number };
  return { json: withoutTimes(json.results), signIns: signIns() - before };
}

/** The results without their timings (`ms`), which differ from run to run. */
function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'ms')
        .map(([k, v]) => [k, withoutTimes(v)]),
    );
  return value;
}

describe('research across worker processes', () => {
  let single: unknown;

  it('one process (the reference output)', async () => {
    const r = await run(0, {});
    expect(r.signIns).toBe(1);
    single = r.json;
    expect((single as unknown[]).length).toBe(rows.length);
  });

  it('--workers 2: the same output; two sessions, each signed in from its own worker browser', async () => {
    const r = await run(1, { workers: 2 });
    expect(r.json).toEqual(single);
    expect(r.signIns).toBe(2);
  }, 90_000);

  it('--driver webdriver: the same output, signed in and searched through a local chromedriver', async () => {
    const r = await run(3, { driverEnv: { DRIVER: 'webdriver' } });
    expect(r.json).toEqual(single);
    expect(r.signIns).toBe(1);
  }, 90_000);

  it('--redis URL --workers 2: the same output from browsers on a worker host; at the end both sessions are signed out there, and Redis holds no password, no second-factor code and no binding', async () => {
    let host: WorkerHost | undefined;
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      host = await startWorkerHost({ redis: redis.url, workers: 2, queue: 'research', browser: { tmpRoot: root } });
      const held = site.held().sessions;
      const signOuts = site.counts()['POST /api/sign-out'] ?? 0;
      const started = Date.now();
      const r = await run(2, { redis: redis.url, queue: 'research', workers: 2 });
      // Every second-factor code the run could have used (the steps it spanned, and one either side).
      const { totpSecret } = accounts[2] as (typeof accounts)[number];
      const codes: string[] = [];
      for (let t = started - 30_000; t <= Date.now() + 30_000; t += 30_000) codes.push(totpCode(totpSecret, t));
      expect(r.json).toEqual(single);
      expect(r.signIns).toBe(2);
      expect(host.served()).toBeGreaterThan(2);
      // The host outlives the run; the run's sessions do not: ended at the site, gone from both browsers.
      expect((site.counts()['POST /api/sign-out'] ?? 0) - signOuts).toBe(2);
      expect(site.held().sessions).toBe(held);
      expect(await host.dispatcher.broadcast(GetCookies(['sid']))).toEqual([[], []]);
      const dump = await dumpRedis(admin);
      expect(secretsFoundIn(dump, [password]), 'the password in Redis').toEqual([]);
      expect(secretsFoundIn(dump, codes), 'a second-factor code in Redis').toEqual([]);
      // The check can see them: a payload that were only encoded would be caught.
      expect(secretsFoundIn(`{"args":"${Buffer.from(`{"code":"${codes[0]}"}`).toString('base64')}"}`, codes)).toEqual([codes[0]]);
      expect(await admin.keys('*:ba:aff:*')).toEqual([]);
    } finally {
      admin.disconnect();
      await host?.stop();
    }
  }, 90_000);

  it('--redis URL, two worker hosts: the host holding the session SIGKILLed mid-sign-in (the password just sent): the sign-in starts again on the other host, and the output is the same', async () => {
    const pair = await Promise.all(['fo-a', 'fo-b'].map((id) => spawnWorkerHost(redis.url, id, { tmpRoot: root, queue: 'failover' })));
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    // Slow sign-in pages, so the kill lands inside the sign-in: between the password and the code.
    site.setKnobs({ latencyMs: { 'GET /sign-in/2fa': 400, 'POST /sign-in/2fa': 400 } });
    const passwords = (): number => site.counts()['POST /sign-in'] ?? 0;
    const before = passwords();
    try {
      const killed = (async () => {
        if (!(await waitFor(() => passwords() > before, 60_000, 5))) return undefined;
        const [binding] = await admin.keys('*:failover:ba:aff:*');
        const holder = binding === undefined ? null : await admin.get(binding);
        await pair.find((h) => h.id === holder)?.kill();
        return holder;
      })();
      const r = await run(4, { redis: redis.url, queue: 'failover' });
      expect(await killed).toMatch(/^fo-[ab]$/);
      expect(r.json).toEqual(single);
      expect(passwords() - before).toBe(2); // the sign-in started again from its first page
      expect(r.signIns).toBe(1); // and finished once
    } finally {
      site.setKnobs({ latencyMs: {} });
      admin.disconnect();
      await Promise.all(pair.map((h) => h.stop()));
    }
  }, 120_000);
});
