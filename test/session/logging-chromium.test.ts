import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionSupervisor } from '../../src/compose.js';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { generateTree } from '../../src/genealogy/synthetic.js';
import { newTotpSecret } from '../../src/internal/totp.js';
import { createLogger, logEvents } from '../../src/observability/logging.js';
import { ExportCookies, GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import { loadSessionConfig } from '../../src/session/session-config.js';
import { SessionManager } from '../../src/session/session-manager.js';
import { type TreeSite, startTreeSite } from '../../src/site/server.js';
import { leftoversUnder } from '../support/leftovers.js';
import { textSink } from '../support/text-sink.js';

/**
 * Logs at trace level through a real sign-in (form and second factor), API calls and a cookie
 * export: every record is there with its ids, and no secret is in any of them, whichever key
 * or string it came in.
 */
const PASSWORD = 'correct horse battery staple 42';
const secret = newTotpSecret();
const { tree, referencePerson } = generateTree({ people: 800, seed: 5 });
let site: TreeSite;
let root: string;

beforeAll(async () => {
  site = await startTreeSite({
    tree,
    referencePerson,
    users: [{ username: 'ann', password: PASSWORD, totpSecret: secret }],
    rateLimit: false,
  });
  root = mkdtempSync(join(browserDirsRoot(), 'logging-'));
});

afterAll(async () => {
  await site?.close();
  expect(await leftoversUnder(root)).toEqual([]);
  rmdirSync(root);
});

describe('logging at trace level', () => {
  it('records the sign-in, API calls, tasks and cookie work with their ids, and no password, TOTP secret, cookie value or token', async () => {
    const sink = textSink();
    const log = createLogger({ level: 'trace', destination: sink.stream, pretty: false });
    const supervisor = createSessionSupervisor({ browser: { tmpRoot: root } });
    const off = logEvents(log, { executors: [supervisor] });
    const config = loadSessionConfig(
      { BASE_URL: site.origin, SITE_USERNAME: 'ann', SITE_PASSWORD: PASSWORD, TOTP_SECRET: secret, RATE_LIMIT: '50/50' },
      '/nonexistent/.env',
    );
    const session = new SessionManager({ config, supervisor, log });
    let cookieValues: string[] = [];
    try {
      await session.ensureSessionReady();
      const surname = tree.person(referencePerson).surname;
      await session.get(`/api/persons?surname=${encodeURIComponent(surname)}`);
      await session.get(`/api/persons/${tree.person(referencePerson).id}`).catch(() => undefined);
      const exported = await supervisor.submit(ExportCookies({ format: 'netscape' }));
      expect(exported).toContain('127.0.0.1');
      cookieValues = (await supervisor.submit(GetCookies())).map((c) => c.value);
      // A URL that carries a secret in its query and its user-info part.
      await supervisor.submit(Navigate(`${site.origin}/?session=${cookieValues[0]}&token=abc123secret`)).catch(() => undefined);
    } finally {
      off();
      await supervisor.stop();
    }
    const text = sink.text();
    const records = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const messages = records.map((r) => r['msg']);
    expect(messages).toEqual(
      expect.arrayContaining([
        'signing in',
        'signed in',
        'api request',
        'api call',
        'task started',
        'task ended',
        'browser ready',
        'cookies copied',
      ]),
    );
    // The first auth check before the sign-in is refused; the calls after it answer.
    expect(records.filter((r) => r['msg'] === 'api call').map((r) => [r['method'], r['path'], r['status']])).toEqual(
      expect.arrayContaining([
        ['GET', '/api/me', 401],
        ['GET', '/api/me', 200],
        ['GET', '/api/persons', 200],
      ]),
    );
    const ended = records.find((r) => r['msg'] === 'task ended') ?? {};
    expect([ended['supervisor'], typeof ended['task'], typeof ended['type'], ended['ok'], typeof ended['durationMs']]).toEqual([
      supervisor.id,
      'string',
      'string',
      true,
      'number',
    ]);
    expect(records.some((r) => r['msg'] === 'api request' && (r['headers'] as Record<string, unknown>)['cookie'] === '[redacted]')).toBe(
      true,
    );
    // The secrets, searched for in every line at every level.
    expect(cookieValues.length).toBeGreaterThan(0);
    for (const value of [PASSWORD, secret, 'abc123secret', ...cookieValues.filter((v) => v.length >= 6)]) {
      expect(text.includes(value), `a secret of ${value.length} characters is in the log`).toBe(false);
    }
  }, 60_000);
});
