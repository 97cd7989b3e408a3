import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSessionSupervisor } from '../../src/compose.js';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { waitFor } from '../../src/drivers/process-tree.js';
import { SignInError } from '../../src/session/errors.js';
import { generateTree } from '../../src/genealogy/synthetic.js';
import { newTotpSecret, totpCode, totpStep, unusedTotpCode } from '../../src/internal/totp.js';
import { SiteClient } from '../support/site-client.js';
import type { SessionSupervisor } from '../../src/runtime/supervisor/session-supervisor.js';
import { GetCookies } from '../../src/runtime/tasks/constructors.js';
import { loadSessionConfig } from '../../src/session/session-config.js';
import { SessionManager } from '../../src/session/session-manager.js';
import { type TreeSite, startTreeSite } from '../../src/site/server.js';
import { leftoversUnder } from '../support/leftovers.js';

/** The session layer against the reference site in real Chromium. */
const PASSWORD = 'a long enough password';
// Each test gets its own site and TOTP secret: the site accepts a code once, so one account
// signing in again and again would have to wait for new codes.
let secret = newTotpSecret();
const { tree, referencePerson } = generateTree({ people: 1500, seed: 21 });
let site: TreeSite;
let root: string;
const supervisors: SessionSupervisor[] = [];

function manager(options: { password?: string; codeProvider?: () => Promise<string>; mode?: 'naive' | 'optimised' } = {}): SessionManager {
  const supervisor = createSessionSupervisor({ browser: { tmpRoot: root } });
  supervisors.push(supervisor);
  const config = loadSessionConfig(
    {
      BASE_URL: site.origin,
      SITE_USERNAME: 'ann',
      SITE_PASSWORD: options.password ?? PASSWORD,
      TOTP_SECRET: secret,
      SESSION_MODE: options.mode ?? 'optimised',
      RATE_LIMIT: '20/20',
    },
    '/nonexistent/.env',
  );
  return new SessionManager({ config, supervisor, ...(options.codeProvider ? { codeProvider: options.codeProvider } : {}) });
}

beforeAll(() => {
  root = mkdtempSync(join(browserDirsRoot(), 'session-'));
});

beforeEach(async () => {
  secret = newTotpSecret();
  site = await startTreeSite({
    tree,
    referencePerson,
    users: [{ username: 'ann', password: PASSWORD, totpSecret: secret }],
    rateLimit: false,
  });
});

afterEach(async () => {
  // One browser at a time: each test's browser is stopped when the test ends.
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  await site.close();
});

afterAll(async () => {
  expect(await leftoversUnder(root)).toEqual([]);
  rmdirSync(root);
});

describe('SessionManager on real Chromium against the reference site', () => {
  it('signs in through the form with the second factor, then calls the API with the browser cookies', async () => {
    const sm = manager();
    const before = site.counts()['POST /sign-in/2fa'] ?? 0;
    await sm.ensureSessionReady();
    expect(site.counts()['POST /sign-in/2fa']).toBe(before + 1);
    expect(sm.identity).toMatchObject({ username: 'ann', treeId: 't1', referencePerson: { id: tree.person(referencePerson).id } });
    const found = await sm.get<{ total: number }>(`/api/persons?surname=${encodeURIComponent(tree.person(referencePerson).surname)}`);
    expect(found.total).toBeGreaterThan(0);
    await sm.ensureSessionReady(); // recent success: the fast path (the get above took it too)
    expect(sm.stats()).toMatchObject({ signIns: 1, ensureCalls: 3, fastPaths: 2 });
  });

  it('a second navTo to the current URL performs no navigation (counted at the site)', async () => {
    const sm = manager();
    await sm.ensureSessionReady();
    const id = tree.person(referencePerson).id;
    const before = site.counts()['GET /person/:id'] ?? 0;
    const first = await sm.browser.navTo(`${site.origin}/person/${id}#top`);
    const second = await sm.browser.navTo(`${site.origin}/person/${id}`);
    expect(first.skipped).toBe(false);
    expect(second.skipped).toBe(true);
    expect(site.counts()['GET /person/:id']).toBe(before + 1);
    expect(sm.stats().navigationsSkipped).toBeGreaterThanOrEqual(1);
    await expect(sm.browser.navTo(`${site.origin}/person/NOPE`)).rejects.toMatchObject({ code: 'ERR_PAGE_GONE' });
  });

  it('a session that expires mid-run is re-established transparently', async () => {
    const sm = manager();
    await sm.ensureSessionReady();
    site.invalidateSessions(); // as if the session expired at the site
    const me = await sm.get<{ username: string }>('/api/me');
    expect(me.username).toBe('ann');
    expect(sm.stats()).toMatchObject({ reSignIns: 1, signIns: 2 });
  });

  it('a session past its TTL at the site is re-established on the next call', async () => {
    // The site's clock is moved past the session's 30-minute TTL, rather than a real TTL of a second
    // or two being waited out: under load, signing in can take longer than such a TTL (a full-suite
    // run failed that way). This account has no second factor: its codes follow the real clock.
    let skewMs = 0;
    const shortSite = await startTreeSite({
      tree,
      referencePerson,
      users: [{ username: 'ann', password: PASSWORD }],
      rateLimit: false,
      sessionTtlMs: 30 * 60_000,
      now: () => Date.now() + skewMs,
    });
    try {
      const supervisor = createSessionSupervisor({ browser: { tmpRoot: root } });
      supervisors.push(supervisor);
      const config = loadSessionConfig({ BASE_URL: shortSite.origin, SITE_USERNAME: 'ann', SITE_PASSWORD: PASSWORD }, '/nonexistent/.env');
      const sm = new SessionManager({ config, supervisor });
      await sm.ensureSessionReady();
      expect((await sm.get<{ username: string }>('/api/me')).username).toBe('ann');
      skewMs = 31 * 60_000;
      expect((await sm.get<{ username: string }>('/api/me')).username).toBe('ann');
      expect(sm.stats().reSignIns).toBe(1);
    } finally {
      await shortSite.close();
    }
  });

  it('an unavailable page is retried with backoff until it answers', async () => {
    const sm = manager();
    await sm.ensureSessionReady();
    site.resetCounts();
    site.setKnobs({ errorRate: 1 });
    const navigation = sm.browser.navTo(`${site.origin}/person/${tree.person(5).id}`);
    // The site comes back only once it has turned the page down at least once.
    expect(await waitFor(() => (site.counts()['GET /person/:id'] ?? 0) >= 1, 10_000, 10)).toBe(true);
    site.setKnobs({ errorRate: 0 });
    const result = await navigation;
    expect(result.status).toBe(200);
    expect(sm.browser.stats().unavailableRetries).toBeGreaterThanOrEqual(1);
  });

  it('without a TOTP secret or a terminal, the second factor fails with a clear error', async () => {
    const supervisor = createSessionSupervisor({ browser: { tmpRoot: root } });
    supervisors.push(supervisor);
    const config = loadSessionConfig({ BASE_URL: site.origin, SITE_USERNAME: 'ann', SITE_PASSWORD: PASSWORD }, '/nonexistent/.env');
    const error = await new SessionManager({ config, supervisor }).ensureSessionReady().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_SIGN_IN',
      message: expect.stringMatching(/asks for a second-factor code, but TOTP_SECRET is not set and there is no terminal/) as unknown,
    });
  });

  it('a 429 storm slows the client down and every call still finishes', async () => {
    const sm = manager();
    await sm.ensureSessionReady();
    site.setKnobs({ storm429: true });
    const calls = (async () => {
      const out: unknown[] = [];
      for (let i = 0; i < 3; i++) out.push(await sm.get(`/api/persons/${tree.person(i).id}`));
      return out;
    })();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    site.setKnobs({ storm429: false });
    expect(await calls).toHaveLength(3);
    expect(sm.stats().throttled).toBeGreaterThan(0);
  }, 60_000);

  it('API cookie changes are written back to the browser (signing out over the API signs the browser out too)', async () => {
    const sm = manager();
    await sm.ensureSessionReady();
    expect(await sm.supervisor.submit(GetCookies(['sid']))).toHaveLength(1);
    await sm.post('/api/sign-out', {});
    expect(await sm.supervisor.submit(GetCookies(['sid']))).toEqual([]);
  });

  it('a forced sign-out is recovered once; when signing in itself fails, a typed error comes at once, with no retry loop', async () => {
    let codes = 0;
    const sm = manager({ codeProvider: async () => (++codes <= 2 ? unusedTotpCode(secret) : '000000') });
    await sm.ensureSessionReady();
    site.invalidateSessions();
    expect((await sm.get<{ username: string }>('/api/me')).username).toBe('ann'); // recovered
    site.invalidateSessions();
    const before = site.counts()['POST /sign-in/2fa'] ?? 0;
    const error = await sm.get('/api/me').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect((error as Error).message).toMatch(/Signing in as ann failed: That code is not valid/);
    expect((error as Error).message).not.toContain(PASSWORD);
    expect(site.counts()['POST /sign-in/2fa']).toBe(before + 1); // one try, no loop
  });

  it('a code another program already used is refused by the site; the next code signs in', async () => {
    // Someone else (another run, a phone) signs in with the current code first.
    const step = totpStep(Date.now());
    const other = new SiteClient(site.origin);
    const page = await (await other.get('/sign-in')).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    await other.request('POST', '/sign-in', { form: { csrf, username: 'ann', password: PASSWORD } });
    expect((await other.request('POST', '/sign-in/2fa', { form: { csrf, code: totpCode(secret, step * 30_000) } })).status).toBe(302);
    const before = site.counts()['POST /sign-in/2fa'] ?? 0;
    const sm = manager();
    await sm.ensureSessionReady();
    expect(sm.identity).toMatchObject({ username: 'ann' });
    // Refused once as used, then the next code: two posts. (When the clock reached a new step in
    // between, the manager's first code was already a fresh one and the count says nothing.)
    if (totpStep(Date.now()) === step) expect((site.counts()['POST /sign-in/2fa'] ?? 0) - before).toBe(2);
  });

  it('a sign-in that the site never lets finish fails with ERR_NETWORK at SIGN_IN_TIMEOUT_SECONDS', async () => {
    site.setKnobs({ hang: ['GET /sign-in'] });
    const supervisor = createSessionSupervisor({ browser: { tmpRoot: root } });
    supervisors.push(supervisor);
    const config = loadSessionConfig(
      { BASE_URL: site.origin, SITE_USERNAME: 'ann', SITE_PASSWORD: PASSWORD, TOTP_SECRET: secret, SIGN_IN_TIMEOUT_SECONDS: '2' },
      '/nonexistent/.env',
    );
    const started = performance.now();
    const error = await new SessionManager({ config, supervisor }).ensureSessionReady().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_NETWORK', details: { timedOut: true } });
    expect((error as Error).message).toMatch(/did not finish within 2 s \(SIGN_IN_TIMEOUT_SECONDS\)/);
    expect(performance.now() - started).toBeLessThan(10_000);
    await site.close(); // ends the held page load, so the browser stops at once
  });

  it('a wrong password fails with a clear ERR_SIGN_IN and is not retried', async () => {
    const sm = manager({ password: 'not the password' });
    const before = site.counts()['POST /sign-in'] ?? 0;
    const error = await sm.ensureSessionReady().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_SIGN_IN',
      message: expect.stringMatching(/failed: Wrong username or password\..*check SITE_USERNAME, SITE_PASSWORD/) as unknown,
    });
    expect(site.counts()['POST /sign-in']).toBe(before + 1);
  });

  it('naive mode reproduces the original: an auth check before every call and a navigation on every ensure', async () => {
    const sm = manager({ mode: 'naive' });
    await sm.ensureSessionReady();
    const meBefore = site.counts()['GET /api/me'] ?? 0;
    const homeBefore = site.counts()['GET /'] ?? 0;
    for (let i = 0; i < 3; i++) await sm.get(`/api/persons/${tree.person(i).id}`);
    expect((site.counts()['GET /api/me'] ?? 0) - meBefore).toBeGreaterThanOrEqual(3);
    expect((site.counts()['GET /'] ?? 0) - homeBefore).toBeGreaterThanOrEqual(3);
    expect(sm.stats().cookieSyncs).toBeGreaterThanOrEqual(6);
  });
});
