import { accessSync, constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type BrowserOptions, browserDriver, createSessionSupervisor } from '../../src/compose.js';
import { driverEnv } from '../../src/cli/driver-flags.js';
import { parseResearchArgs } from '../../src/cli/research.js';
import { parseWorkerArgs } from '../../src/cli/worker.js';
import { pngSize, solidPng } from '../../src/internal/png.js';
import { HEADLESS_SHELL_CANDIDATES, findChromedriver, findChromium } from '../../src/drivers/find-chromium.js';
import { ConfigError } from '../../src/errors.js';
import { findNonPlain } from '../../src/internal/plain-data.js';
import { redactDeep, redactText, redactUrl } from '../../src/internal/redact.js';
import { createLogger, parseLogLevel } from '../../src/observability/logging.js';
import { toNetscape } from '../../src/runtime/tasks/cookie-formats.js';
import { within } from '../../src/internal/clock.js';
import { createDeferred } from '../../src/internal/deferred.js';
import { ManualClock, flushMicrotasks } from '../../src/internal/manual-clock.js';
import { watch } from '../support/watch.js';
import { textSink } from '../support/text-sink.js';

describe('loadConfig', () => {
  it('defaults: actor mode off, headless on', () => {
    expect(loadConfig({})).toEqual({
      actorMode: false,
      headless: true,
      chromiumPath: undefined,
      driver: 'playwright',
      webdriverUrl: undefined,
    });
  });
  it('reads flags in the usual spellings', () => {
    expect(loadConfig({ ACTOR_MODE: 'ON', HEADLESS: '0', CHROMIUM_PATH: ' /opt/c ' })).toMatchObject({
      actorMode: true,
      headless: false,
      chromiumPath: '/opt/c',
    });
  });
  it('DRIVER and WEBDRIVER_URL: a URL implies webdriver; a driver without a URL is local', () => {
    expect(loadConfig({ WEBDRIVER_URL: 'http://127.0.0.1:4444' })).toMatchObject({
      driver: 'webdriver',
      webdriverUrl: 'http://127.0.0.1:4444',
    });
    expect(loadConfig({ DRIVER: ' WebDriver ' })).toMatchObject({ driver: 'webdriver', webdriverUrl: undefined });
    expect(loadConfig({ DRIVER: 'playwright' })).toMatchObject({ driver: 'playwright' });
  });
  it('refuses a driver it does not know, a URL that is not http(s) or carries credentials, and playwright with a URL', () => {
    expect(() => loadConfig({ DRIVER: 'selenium' })).toThrow(/DRIVER must be playwright or webdriver, got "selenium"/);
    expect(() => loadConfig({ WEBDRIVER_URL: 'ws://127.0.0.1:4444' })).toThrow(/WEBDRIVER_URL must be an http\(s\) URL/);
    const withSecret = (() => {
      try {
        loadConfig({ WEBDRIVER_URL: 'http://user:hunter2@grid:4444' });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(withSecret).toMatch(/without credentials/);
    expect(withSecret).not.toContain('hunter2');
    // Written without a scheme, or with a raw "/" in the password: the parser does not see user-info there.
    for (const url of [
      'user:hunter2@127.0.0.1:4444',
      'http://user:hun/ter2@127.0.0.1:4444',
      'http://user:hun/ter2@127.0.0.1:4444/wd/hub',
    ]) {
      let message = '';
      try {
        loadConfig({ WEBDRIVER_URL: url });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, url).toMatch(
        /WEBDRIVER_URL must be an http\(s\) URL without credentials, .*got "(http:\/\/)?\*\*\*@127\.0\.0\.1:4444/,
      );
      expect(message, url).not.toMatch(/hunter2|hun\/ter2|ter2/);
    }
    expect(() => loadConfig({ DRIVER: 'playwright', WEBDRIVER_URL: 'http://127.0.0.1:4444' })).toThrow(/needs DRIVER=webdriver/);
  });
  it('names the variable and the accepted values on a bad value', () => {
    expect(() => loadConfig({ ACTOR_MODE: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ ACTOR_MODE: 'maybe' })).toThrow(
      /ACTOR_MODE must be true or false \(also accepted: 1\/0, yes\/no, on\/off\), got "maybe"/,
    );
  });
});

describe('findChromium', () => {
  it('explains how to install Chromium when CHROMIUM_PATH points nowhere', () => {
    expect(() => findChromium(undefined, { CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow(
      /Chromium not found at \/nonexistent\/chromium \(CHROMIUM_PATH\).*apt-get install chromium/,
    );
  });
  it('explains how to install chromedriver when CHROMEDRIVER_PATH points nowhere, or none is on PATH', () => {
    expect(() => findChromedriver(undefined, { CHROMEDRIVER_PATH: '/nonexistent/chromedriver' })).toThrow(
      /chromedriver not found at \/nonexistent\/chromedriver \(CHROMEDRIVER_PATH\).*apt-get install chromium-driver/,
    );
    expect(() => findChromedriver(undefined, { PATH: '/nonexistent' })).toThrow(
      /No chromedriver found: CHROMEDRIVER_PATH is unset and there is none on PATH/,
    );
    expect(findChromedriver(undefined, { CHROMEDRIVER_PATH: process.execPath })).toBe(process.execPath);
  });
  it('uses CHROMIUM_PATH when it is executable', () => {
    expect(findChromium(undefined, { CHROMIUM_PATH: process.execPath })).toBe(process.execPath);
  });
  it('prefers an installed headless shell only when asked (a headless browser), and CHROMIUM_PATH over it', () => {
    const executable = (path: string): boolean => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    };
    const full = findChromium(undefined, {});
    expect(HEADLESS_SHELL_CANDIDATES).not.toContain(full);
    const shell = HEADLESS_SHELL_CANDIDATES.find(executable);
    expect(findChromium(undefined, {}, { headlessShell: true })).toBe(shell ?? full);
    expect(findChromium(undefined, { CHROMIUM_PATH: process.execPath }, { headlessShell: true })).toBe(process.execPath);
    // An explicit executable is the one used, even when it is missing and a shell is installed.
    expect(() => findChromium('/nonexistent/x', {}, { headlessShell: true })).toThrow(
      /not found at \/nonexistent\/x \(executablePath option\)/,
    );
  });
});

describe('redactUrl', () => {
  it('hides passwords and secret-looking query values', () => {
    expect(redactUrl('https://u:pw@h.example/p?token=abc&q=1&session_id=z')).toBe('https://u:***@h.example/p?token=***&q=1&session_id=***');
    expect(redactUrl('not a url')).toBe('"not a url"');
  });
});

describe('findNonPlain', () => {
  it('accepts plain data and names the first non-plain value', () => {
    expect(findNonPlain({ a: [1, 'x', null, { b: true }] }, 'v')).toBeUndefined();
    expect(findNonPlain([1, [2, Infinity]], 'v')).toBe('v[1][1] is Infinity');
    expect(findNonPlain({ f: () => 1 }, 'v')).toBe('v.f is a function');
    // eslint-disable-next-line no-sparse-arrays
    expect(findNonPlain([1, , 3], 'v')).toBe('v[1] is a hole in a sparse array');
    const shared = { x: 1 };
    expect(findNonPlain({ a: shared, b: shared }, 'v')).toBeUndefined();
  });
});

describe('toNetscape', () => {
  it('writes the cookies.txt format with HttpOnly prefix and session expiry 0', () => {
    const text = toNetscape([
      { name: 'a', value: '1', domain: '.example.com', path: '/', expires: 1700000000.5, httpOnly: false, secure: true, sameSite: 'Lax' },
      { name: 'b', value: '2', domain: 'h.example', path: '/p', expires: -1, httpOnly: true, secure: false, sameSite: 'Strict' },
    ]);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('# Netscape HTTP Cookie File');
    expect(lines.slice(-2)).toEqual(['.example.com\tTRUE\t/\tTRUE\t1700000000\ta\t1', '#HttpOnly_h.example\tFALSE\t/p\tFALSE\t0\tb\t2']);
  });
});

describe('solidPng', () => {
  it('produces a PNG of the requested size', () => {
    expect(pngSize(solidPng(3, 2))).toEqual({ width: 3, height: 2 });
    expect(pngSize(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });
});

describe('browser directories', () => {
  it('keeps TMPDIR short enough for Chromium’s socket, and removal takes both places', async () => {
    const { mkdtempSync, existsSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createBrowserDirs, removeBrowserDir, sweepStaleBrowserDirs } = await import('../../src/drivers/browser-dirs.js');
    const deep = join(mkdtempSync(join(tmpdir(), 'dirs-')), 'a-rather-long-directory-name', 'and-another-long-one');
    const dirs = createBrowserDirs(deep);
    expect(`${dirs.tmp}/org.chromium.Chromium.XXXXXX/SingletonSocket`.length).toBeLessThanOrEqual(107);
    expect(dirs.tmp.startsWith(dirs.root)).toBe(false);
    expect(existsSync(dirs.profile) && existsSync(dirs.home) && existsSync(dirs.tmp)).toBe(true);
    removeBrowserDir(dirs.root);
    expect(existsSync(dirs.root) || existsSync(dirs.tmp)).toBe(false);
    // A dead owner's directory (and its short TMPDIR) is swept.
    const stale = createBrowserDirs(deep);
    const { renameSync } = await import('node:fs');
    const staleRoot = join(deep, 'b-999999999-stale');
    renameSync(stale.root, staleRoot);
    expect(sweepStaleBrowserDirs(deep)).toEqual([staleRoot]);
    expect(existsSync(stale.tmp)).toBe(false);
    rmSync(join(deep, '..', '..'), { recursive: true, force: true });
  });
});

describe('CHROMIUM_PATH', () => {
  it('is read the same way by the configuration and by the Chromium lookup (trimmed)', () => {
    const env = { CHROMIUM_PATH: `  ${process.execPath}  ` };
    expect(loadConfig(env).chromiumPath).toBe(process.execPath);
    expect(findChromium(undefined, env)).toBe(process.execPath);
  });
});

describe('within', () => {
  it('gives the outcome that comes in time, undefined once the time is up, and clears its timer', async () => {
    const clock = new ManualClock();
    const quick = createDeferred<string>();
    const fast = watch(within(clock, 100, quick.promise));
    quick.resolve('done');
    await flushMicrotasks();
    expect(fast.value).toBe('done');
    expect(clock.pendingTimers).toBe(0);
    const never = new Promise<string>(() => undefined);
    const slow = watch(within(clock, 100, never));
    await clock.advance(99);
    expect(slow.settled).toBe(false);
    await clock.advance(1);
    expect(slow).toMatchObject({ settled: true, value: undefined });
    const failing = watch(within(clock, 100, Promise.reject(new Error('boom'))));
    await flushMicrotasks();
    expect((failing.error as Error).message).toBe('boom');
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('the composition root', () => {
  const pick = (env: NodeJS.ProcessEnv, browser: BrowserOptions = {}): string => browserDriver(loadConfig(env), browser, env)().name;
  it('picks the driver from DRIVER and WEBDRIVER_URL; explicit options win', () => {
    expect(pick({})).toBe('playwright');
    expect(pick({ DRIVER: 'webdriver' })).toBe('webdriver');
    expect(pick({ WEBDRIVER_URL: 'http://127.0.0.1:4444' })).toBe('webdriver');
    expect(pick({ DRIVER: 'webdriver' }, { driver: 'playwright' })).toBe('playwright');
    expect(() => pick({}, { driver: 'playwright', webdriverUrl: 'http://127.0.0.1:4444' })).toThrow(
      /webdriverUrl needs browser.driver webdriver/,
    );
  });
  it('refuses isolated lanes on WebDriver, saying why', () => {
    expect(() => createSessionSupervisor({ env: { DRIVER: 'webdriver' }, lanes: 2, isolateLanes: true })).toThrow(ConfigError);
    expect(() => createSessionSupervisor({ env: { DRIVER: 'webdriver' }, lanes: 2, isolateLanes: true })).toThrow(
      /isolateLanes needs the Playwright driver/,
    );
  });
});

describe('--driver and --webdriver', () => {
  it('set DRIVER and WEBDRIVER_URL; a URL alone means webdriver', () => {
    expect(driverEnv({}, {})).toEqual({});
    expect(driverEnv({ webdriver: 'http://127.0.0.1:4444' }, {})).toEqual({ DRIVER: 'webdriver', WEBDRIVER_URL: 'http://127.0.0.1:4444' });
    expect(driverEnv({ driver: 'webdriver' }, {})).toEqual({ DRIVER: 'webdriver' });
  });
  it('name the flag in the error', () => {
    expect(() => driverEnv({ driver: 'chrome' }, {})).toThrow(/^--driver must be playwright or webdriver/);
    expect(() => driverEnv({ webdriver: 'nope' }, {})).toThrow(/^--webdriver must be an http\(s\) URL/);
  });
  it('research refuses them where no browser starts here', () => {
    expect(() => parseResearchArgs(['--gedcom', 'x.ged', '--surname', 'Smith', '--driver', 'webdriver'])).toThrow(/need --site/);
    expect(() =>
      parseResearchArgs([
        '--site',
        'http://127.0.0.1:1',
        '--surname',
        'Smith',
        '--redis',
        'redis://127.0.0.1:6379',
        '--webdriver',
        'http://127.0.0.1:4444',
      ]),
    ).toThrow(/give these to `browser-actor worker`/);
    expect(
      parseResearchArgs(['--site', 'http://127.0.0.1:1', '--surname', 'Smith', '--webdriver', 'http://127.0.0.1:4444']).driverEnv,
    ).toEqual({ DRIVER: 'webdriver', WEBDRIVER_URL: 'http://127.0.0.1:4444' });
  });
  it('worker takes them for its worker processes', () => {
    expect(parseWorkerArgs(['--redis', 'redis://127.0.0.1:6379', '--webdriver', 'http://127.0.0.1:4444']).driverEnv).toEqual({
      DRIVER: 'webdriver',
      WEBDRIVER_URL: 'http://127.0.0.1:4444',
    });
  });
});

describe('redaction for logs', () => {
  it('hides the values of secret-looking keys at any depth, keeping the rest', () => {
    const out = redactDeep({
      user: 'ann',
      password: 'hunter2',
      nested: { headers: { cookie: 'sid=abc', Authorization: 'Bearer x.y.z', accept: 'application/json' } },
      cookies: [{ name: 'sid', value: 's3cr3t' }],
      totpSecret: 'JBSWY3DP',
      code: '123456',
      count: 3,
    });
    expect(out).toEqual({
      user: 'ann',
      password: '[redacted]',
      nested: { headers: { cookie: '[redacted]', Authorization: '[redacted]', accept: 'application/json' } },
      cookies: [{ name: 'sid', value: '[redacted]' }],
      totpSecret: '[redacted]',
      code: '[redacted]',
      count: 3,
    });
  });
  it('hides secrets by shape in strings: credentials in URLs, bearer tokens, secret-looking name=value pairs', () => {
    const text = redactText(
      'GET http://bob:pa55@grid:4444/wd?token=abc&page=2 Authorization: Bearer eyJhbGciOi.x.y cookie: sid=s3cr3t; theme=dark',
    );
    for (const secret of ['pa55', 'abc&', 'eyJhbGciOi', 's3cr3t']) expect(text).not.toContain(secret);
    expect(text).toContain('page=2');
    expect(text).toContain('theme=dark');
  });
  it('cuts cycles and keeps errors as name, message and code', () => {
    const a: Record<string, unknown> = { x: 1 };
    a['self'] = a;
    expect(redactDeep(a)).toEqual({ x: 1, self: '[…]' });
    expect(redactDeep({ error: new ConfigError('bad ?password=p1 here') })).toEqual({
      error: { name: 'ConfigError', message: 'bad ?password=*** here', code: 'ERR_INVALID_CONFIG' },
    });
  });
  it('LOG_LEVEL and --log-level take the pino levels, and say what they take', () => {
    expect(parseLogLevel(undefined)).toBe('warn');
    expect(parseLogLevel(' TRACE ')).toBe('trace');
    expect(() => parseLogLevel('loud', 'warn', '--log-level')).toThrow(
      /--log-level must be one of silent, fatal, error, warn, info, debug, trace, got "loud"/,
    );
  });
  it('writes one readable line per record on a terminal, redacted too', async () => {
    const sink = textSink();
    const log = createLogger({ level: 'info', destination: sink.stream, pretty: true });
    log.info({ task: 't1', password: 'hunter2' }, 'signed in at http://ann:pw@site/');
    log.debug({ task: 't2' }, 'below the level');
    await new Promise((r) => setImmediate(r));
    expect(sink.text()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}signed in at http:\/\/ann:\*\*\*@site\/ task=t1 password=\[redacted\]\n$/);
  });
});
