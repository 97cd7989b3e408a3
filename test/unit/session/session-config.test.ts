import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { loadConfig } from '../../../src/config.js';
import { describeSessionConfig, loadSessionConfig, parseDotEnv, withDotEnv } from '../../../src/session/session-config.js';

const NO_FILE = '/nonexistent/.env';
const base = { BASE_URL: 'http://127.0.0.1:8377/', SITE_USERNAME: 'ann', SITE_PASSWORD: 'hunter2-secret' };

describe('session configuration', () => {
  it('reads the environment with defaults', () => {
    const c = loadSessionConfig(base, NO_FILE);
    expect(c).toEqual({
      baseUrl: 'http://127.0.0.1:8377',
      username: 'ann',
      password: 'hunter2-secret',
      totpSecret: undefined,
      authCheckIntervalMs: 300_000,
      authCheckMaxIntervalMs: 1_800_000,
      maxPages: 5,
      pageSize: 50,
      rateLimit: { capacity: 5, refillPerSecond: 2 },
      mode: 'optimised',
      requestTimeoutMs: 30_000,
      signInTimeoutMs: 120_000,
    });
  });

  it('reads a .env file; the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    const file = join(dir, '.env');
    writeFileSync(
      file,
      [
        '# the site',
        'export BASE_URL=http://127.0.0.1:9000',
        'SITE_USERNAME="bob"',
        "SITE_PASSWORD='p#ss word'",
        'MAX_PAGES=3 # polite',
        '',
      ].join('\n'),
    );
    const c = loadSessionConfig({ MAX_PAGES: '7' }, file);
    expect(c).toMatchObject({ baseUrl: 'http://127.0.0.1:9000', username: 'bob', password: 'p#ss word', maxPages: 7 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports every bad or missing value at once, each naming its variable, and never echoes a secret', () => {
    let error: unknown;
    try {
      loadSessionConfig(
        {
          BASE_URL: 'ftp://x',
          SITE_PASSWORD: 'do-not-print-me',
          AUTH_CHECK_INTERVAL_SECONDS: 'soon',
          MAX_PAGES: '0',
          RATE_LIMIT: 'fast',
          SESSION_MODE: 'turbo',
          TOTP_SECRET: 'not base32 !!',
        },
        NO_FILE,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^The session configuration has 7 problems:/);
    for (const name of [
      'BASE_URL must be an http or https address',
      'SITE_USERNAME is missing',
      'AUTH_CHECK_INTERVAL_SECONDS must be a whole number',
      'MAX_PAGES must be a whole number from 1',
      'RATE_LIMIT must look like 5/2',
      'SESSION_MODE must be optimised or naive',
      'TOTP_SECRET must be the base32 secret',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('do-not-print-me');
    expect(message).not.toContain('not base32 !!');
  });

  it('withDotEnv puts .env under the environment for every setting, the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'HEADLESS=false\nACTOR_MODE=true\nBASE_URL=http://from-file\n');
    expect(withDotEnv({ ACTOR_MODE: 'false', EMPTY: '' }, file)).toEqual({
      HEADLESS: 'false',
      ACTOR_MODE: 'false',
      BASE_URL: 'http://from-file',
    });
    expect(loadConfig(withDotEnv({}, file))).toMatchObject({ headless: false, actorMode: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('.env never chooses an executable: CHROMIUM_PATH, PATH, NODE_OPTIONS, LD_PRELOAD there are refused, unknown names ignored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    const file = join(dir, '.env');
    try {
      for (const name of ['CHROMIUM_PATH', 'CHROMEDRIVER_PATH', 'PATH', 'NODE_OPTIONS', 'LD_PRELOAD']) {
        writeFileSync(file, `HEADLESS=false\n${name}=/tmp/evil.sh\n`);
        expect(() => withDotEnv({}, file), name).toThrow(ConfigError);
        expect(() => withDotEnv({}, file), name).toThrow(new RegExp(`sets ${name}: executable paths are never read from a \\.env file`));
      }
      writeFileSync(file, 'HEADLESS=false\nSOMETHING_ELSE=1\n');
      expect(withDotEnv({}, file)).toEqual({ HEADLESS: 'false' });
      // From the real environment, an executable path is taken as it is.
      expect(withDotEnv({ CHROMIUM_PATH: '/usr/bin/chromium' }, file)).toMatchObject({ CHROMIUM_PATH: '/usr/bin/chromium' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a BASE_URL that is not a URL is reported without echoing it (it may hold a password)', () => {
    const error = (() => {
      try {
        loadSessionConfig({ ...base, BASE_URL: 'http://ann:s3cret-pw@[bad host/' }, NO_FILE);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/BASE_URL is not a URL; it must look like/);
    expect(error?.message).not.toContain('s3cret-pw');
  });

  it('refuses credentials inside BASE_URL', () => {
    expect(() => loadSessionConfig({ ...base, BASE_URL: 'http://ann:pw@127.0.0.1/' }, NO_FILE)).toThrow(
      /BASE_URL must not contain credentials/,
    );
  });

  it('masks credentials when the configuration is shown', () => {
    const shown = describeSessionConfig(loadSessionConfig({ ...base, TOTP_SECRET: 'JBSWY3DPEHPK3PXP', SESSION_MODE: 'naive' }, NO_FILE));
    expect(shown).toMatchObject({ SITE_PASSWORD: '*** (set)', TOTP_SECRET: '*** (set)', SESSION_MODE: 'naive', SITE_USERNAME: 'ann' });
    expect(JSON.stringify(shown)).not.toContain('hunter2');
    expect(JSON.stringify(shown)).not.toContain('JBSWY3DP');
  });

  it('parses .env syntax and says which line is wrong', () => {
    expect(parseDotEnv('A=1\n\n# c\nB = "two\\nlines"\nexport C=x y # note')).toEqual({ A: '1', B: 'two\nlines', C: 'x y' });
    expect(() => parseDotEnv('A=1\nnot a setting')).toThrow(/\.env line 2 is not KEY=value/);
  });
});
