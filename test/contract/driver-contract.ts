import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngSize } from '../../src/internal/png.js';
import {
  type Driver,
  type DriverCapabilities,
  type DriverOpOptions,
  type EvaluateOutcome,
  FULL_CAPABILITIES,
  type PageId,
} from '../../src/drivers/driver.js';
import { DriverError, DriverTimeoutError, InvalidTaskError, NavigationError } from '../../src/errors.js';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { type FixtureServer, refusedUrl, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite, holdImage } from '../support/fixture-site.js';
import { leftoversUnder } from '../support/leftovers.js';

/** What the contract needs from an adapter's test setup. */
export interface ContractHarness {
  /** Origin where the fixture site (test/support/fixture-site.ts) answers. */
  readonly origin: string;
  /** A URL whose port refuses connections. */
  readonly refusedUrl: string;
  makeDriver(): Driver;
  /** Processes and files the given driver left behind (empty once it is closed or killed). */
  leftovers(driver: Driver): Promise<string[]>;
  /** Whether the driver can read its browser's memory (`rssBytes`): false for a browser on another host. Default true. */
  readonly readsMemory?: boolean;
  /** Whether pages load their images (the Fake loads documents only). Default true. */
  readonly loadsSubresources?: boolean;
}

const op = (timeoutMs = 10_000, signal?: AbortSignal): DriverOpOptions => (signal ? { timeoutMs, signal } : { timeoutMs });

/**
 * The driver contract: one set of tests every adapter must pass. It pins down what the runtime
 * relies on, so a unit test on the Fake means the same thing as on real Chromium. Where adapters
 * differ (`capabilities`, see {@link DriverCapabilities}), the test checks the documented
 * behaviour of the adapter that lacks the capability instead.
 */
export function defineDriverContract(
  name: string,
  setup: () => Promise<ContractHarness>,
  teardown: () => Promise<void>,
  capabilities: DriverCapabilities = FULL_CAPABILITIES,
): void {
  describe(`driver contract: ${name}`, () => {
    let h: ContractHarness;
    let driver: Driver;
    let page: PageId;

    const evaluate = (script: string, args: unknown[] = [], timeoutMs = 10_000, signal?: AbortSignal): Promise<EvaluateOutcome> =>
      driver.evaluate(page, { script, argsJson: JSON.stringify(args), maxResultBytes: 1024 * 1024 }, op(timeoutMs, signal));
    const value = async (script: string, args: unknown[] = []): Promise<unknown> => {
      const outcome = await evaluate(script, args);
      if (outcome.kind === 'value') return JSON.parse(outcome.json);
      if (outcome.kind === 'undefined') return undefined;
      throw new Error(`expected a value, got ${JSON.stringify(outcome)}`);
    };

    beforeAll(async () => {
      h = await setup();
      driver = h.makeDriver();
      const info = await driver.launch(op(30_000));
      expect(info.name).toBeTruthy();
      page = await driver.newPage(op());
    });

    afterAll(async () => {
      await driver?.close(op(5000));
      await teardown();
    });

    it('declares the capabilities this suite checks it against', () => {
      expect(driver.capabilities ?? FULL_CAPABILITIES).toEqual(capabilities);
    });

    describe('navigation', () => {
      it('loads a page and reports its final URL and status', async () => {
        const result = await driver.navigate(page, `${h.origin}/`, 'load', op());
        expect(result).toEqual({ url: `${h.origin}/`, status: 200 });
        expect(await driver.currentUrl(page, op())).toBe(`${h.origin}/`);
      });

      it('follows redirects', async () => {
        const result = await driver.navigate(page, `${h.origin}/redirect`, 'load', op());
        expect(result).toEqual({ url: `${h.origin}/landed`, status: 200 });
      });

      it('treats an HTTP error status as a loaded page, not a failure', async () => {
        const result = await driver.navigate(page, `${h.origin}/missing`, 'load', op());
        expect(result.status).toBe(404);
        expect(await value('return document.title')).toBe('Not found');
      });

      it('reports a refused connection as ERR_NAVIGATION with the net error', async () => {
        const error = await driver.navigate(page, h.refusedUrl, 'load', op()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NavigationError);
        expect((error as NavigationError).details['netError']).toBe('net::ERR_CONNECTION_REFUSED');
      });

      it('reports a DNS failure as ERR_NAVIGATION with the net error', async () => {
        const error = await driver.navigate(page, 'http://no-such-host.invalid/', 'load', op()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NavigationError);
        expect((error as NavigationError).details['netError']).toBe('net::ERR_NAME_NOT_RESOLVED');
      });

      it('navigates to about:blank with no status', async () => {
        expect(await driver.navigate(page, 'about:blank', 'load', op())).toEqual({ url: 'about:blank', status: null });
      });

      it('honours waitUntil: domcontentloaded answers while an image is still loading, load only after it ended', async () => {
        if (h.loadsSubresources === false) return; // the Fake loads no images: nothing to wait for
        const key = randomUUID();
        const early = holdImage(`early-${key}`);
        const result = await driver.navigate(page, `${h.origin}/held-image-page?key=early-${key}`, 'domcontentloaded', op());
        expect(result).toEqual({ url: `${h.origin}/held-image-page?key=early-${key}`, status: 200 });
        expect(await value('return document.querySelector("#name").textContent')).toBe('Held');
        await early.seen; // the image was asked for, and is held still: the answer did not wait for it
        early.release();

        const late = holdImage(`late-${key}`);
        let released = false;
        let answeredBeforeRelease = false;
        const loading = driver.navigate(page, `${h.origin}/held-image-page?key=late-${key}`, 'load', op());
        void loading.then(() => (answeredBeforeRelease = !released));
        await late.seen;
        released = true;
        late.release();
        await loading;
        expect(answeredBeforeRelease).toBe(false);
        expect(await value('return document.readyState')).toBe('complete');
      });

      it('keeps the tab from loading the kinds of resource in block, from that navigation on; an empty list loads them again', async () => {
        if (h.loadsSubresources === false) {
          // Nothing to keep out (the Fake loads documents only): the list is accepted.
          expect(await driver.navigate(page, `${h.origin}/landed`, 'load', op(), ['image', 'font'])).toMatchObject({ status: 200 });
          return;
        }
        if (!capabilities.blocksResources) {
          await expect(driver.navigate(page, `${h.origin}/landed`, 'load', op(), ['image'])).rejects.toBeInstanceOf(InvalidTaskError);
          expect(await driver.navigate(page, `${h.origin}/landed`, 'load', op(), [])).toMatchObject({ status: 200 });
          return;
        }
        const key = `blocked-${randomUUID()}`;
        const image = holdImage(key);
        let asked = false;
        void image.seen.then(() => (asked = true));
        // 'load' answers although the server holds the image: the browser never asked for it.
        await driver.navigate(page, `${h.origin}/held-image-page?key=${key}`, 'load', op(), ['image']);
        expect(
          await value('return document.images.length === 1 && document.images[0].complete && document.images[0].naturalWidth === 0'),
        ).toBe(true);
        // Still blocked on the next navigation that gives the same list; then [] loads images again.
        await driver.navigate(page, `${h.origin}/held-image-page?key=${key}`, 'load', op(), ['image']);
        expect(asked).toBe(false);
        const loading = driver.navigate(page, `${h.origin}/held-image-page?key=${key}`, 'load', op(), []);
        await image.seen;
        image.release();
        expect(await loading).toMatchObject({ status: 200 });
      });

      it('cancels a navigation on abort and rejects with the abort reason', async () => {
        const controller = new AbortController();
        const reason = new Error('caller gave up');
        const pending = driver.navigate(page, `${h.origin}/slow?ms=3000`, 'load', op(10_000, controller.signal));
        setTimeout(() => controller.abort(reason), 100);
        const started = performance.now();
        await expect(pending).rejects.toBe(reason);
        expect(performance.now() - started).toBeLessThan(2000);
        expect(await driver.navigate(page, `${h.origin}/landed`, 'load', op())).toMatchObject({ status: 200 });
      });
    });

    describe('scripts', () => {
      beforeAll(async () => {
        await driver.navigate(page, `${h.origin}/`, 'load', op());
      });

      it('runs a function body with arguments and returns plain data', async () => {
        expect(await value('return document.title')).toBe('Home');
        expect(await value('return arguments[0] + arguments[1].n', [40, { n: 2 }])).toBe(42);
        expect(await value('return { list: [1, "two", true, null], nested: { ok: true } }')).toEqual({
          list: [1, 'two', true, null],
          nested: { ok: true },
        });
      });

      it('awaits async scripts', async () => {
        expect(await value('return await Promise.resolve(7)')).toBe(7);
      });

      it('reports a script that returns nothing as undefined', async () => {
        expect(await evaluate('document.title = "Changed"')).toEqual({ kind: 'undefined' });
        expect(await value('return document.title')).toBe('Changed');
      });

      it('reports a thrown error with its name and message', async () => {
        expect(await evaluate('throw new TypeError("bad input")')).toEqual({
          kind: 'script-error',
          name: 'TypeError',
          message: 'bad input',
        });
        expect(await evaluate('return undefinedVariable.x')).toMatchObject({ kind: 'script-error', name: 'ReferenceError' });
      });

      it('reports a syntax error as a script error', async () => {
        const outcome = await evaluate('return a b');
        expect(outcome).toMatchObject({ kind: 'script-error', name: 'SyntaxError' });
      });

      it.each([
        ['return window', 'result is a Window'],
        ['return document.body', 'result is a HTMLBodyElement'],
        ['return NaN', 'result is NaN'],
        ['return Infinity', 'result is Infinity'],
        ['return -0', 'result is -0'],
        ['return 10n', 'result is a BigInt'],
        ['return new Map()', 'result is a Map'],
        ['return () => 1', 'result is a function'],
        ['return { a: [1, undefined] }', 'result.a[1] is undefined'],
        ['const o = { x: {} }; o.x.back = o; return o', 'result.x.back is a cycle'],
      ])('refuses non-plain result: %s', async (script, description) => {
        const outcome = await evaluate(script);
        expect(outcome.kind).toBe('not-serializable');
        expect((outcome as { description: string }).description).toContain(description);
      });

      it('refuses a result over the size limit', async () => {
        const outcome = await driver.evaluate(page, { script: 'return "x".repeat(5000)', argsJson: '[]', maxResultBytes: 1000 }, op());
        expect(outcome).toEqual({ kind: 'too-large', bytes: 5002 });
      });

      it('terminates a synchronous infinite loop at the deadline and stays usable', async () => {
        const started = performance.now();
        await expect(evaluate('while (true) {}', [], 300)).rejects.toBeInstanceOf(DriverTimeoutError);
        expect(performance.now() - started).toBeLessThan(2500);
        expect(await value('return 1 + 1')).toBe(2);
      });

      it('ends a script that never settles at the deadline and stays usable', async () => {
        await expect(evaluate('await new Promise(() => {})', [], 300)).rejects.toBeInstanceOf(DriverTimeoutError);
        expect(await value('return 2 + 2')).toBe(4);
      });

      if (capabilities.stopsOnAbort) {
        it('terminates a running script on abort and rejects with the abort reason', async () => {
          const controller = new AbortController();
          const reason = new Error('cancelled by caller');
          const pending = evaluate('while (true) {}', [], 10_000, controller.signal);
          setTimeout(() => controller.abort(reason), 150);
          await expect(pending).rejects.toBe(reason);
          expect(await value('return 3 + 3')).toBe(6);
        });
      } else {
        it('rejects a running script at once on abort, with the abort reason; the script runs to its deadline and the browser stays usable', async () => {
          const controller = new AbortController();
          const reason = new Error('cancelled by caller');
          const started = performance.now();
          const pending = evaluate('while (true) {}', [], 1000, controller.signal);
          setTimeout(() => controller.abort(reason), 150);
          await expect(pending).rejects.toBe(reason);
          expect(performance.now() - started).toBeLessThan(1000);
          expect(await value('return 3 + 3')).toBe(6);
        });
      }

      it('serialises results with the built-ins the document started with, whatever the page replaced', async () => {
        await driver.navigate(page, `${h.origin}/landed`, 'load', op());
        await evaluate(
          'JSON.stringify = () => "broken"; Object.keys = () => []; Array.isArray = () => false; Object.getPrototypeOf = () => Array.prototype; String.prototype.slice = () => ""',
        );
        expect(await value('return { a: [1, "two", { b: null }] }')).toEqual({ a: [1, 'two', { b: null }] });
        await expect(evaluate('throw new TypeError("boom")')).resolves.toEqual({
          kind: 'script-error',
          name: 'TypeError',
          message: 'boom',
        });
        // A page script cannot replace the captured built-ins either.
        await evaluate('try { __baPrimitives = null; } catch (e) {} try { delete globalThis.__baPrimitives; } catch (e) {}');
        expect(await value('return [1, 2]')).toEqual([1, 2]);
        await driver.navigate(page, `${h.origin}/landed`, 'load', op());
      });

      it('gives each document a fresh script realm', async () => {
        await evaluate('window.leftover = 1');
        await driver.navigate(page, `${h.origin}/landed`, 'load', op());
        expect(await value('return typeof window.leftover')).toBe('undefined');
      });
    });

    describe('cookies and storage', () => {
      it('stores Set-Cookie cookies with their flags', async () => {
        await driver.navigate(page, `${h.origin}/set-cookies`, 'load', op());
        const cookies = (await driver.cookies(op())).sort((a, b) => a.name.localeCompare(b.name));
        expect(cookies.map((c) => [c.name, c.domain, c.path, c.httpOnly, c.sameSite, c.expires])).toEqual([
          ['plain', '127.0.0.1', '/', false, 'Lax', -1],
          ['secret', '127.0.0.1', '/', true, 'Lax', -1],
          ['strict', '127.0.0.1', '/', false, 'Strict', -1],
        ]);
      });

      it('hides HttpOnly cookies from page scripts but sends them to the server', async () => {
        expect(
          String(await value('return document.cookie'))
            .split('; ')
            .sort(),
        ).toEqual(['plain=one', 'strict=three']);
        await driver.navigate(page, `${h.origin}/echo-cookies`, 'load', op());
        const sent = String(await value('return document.title'))
          .replace('cookies:', '')
          .split('; ')
          .sort();
        expect(sent).toEqual(['plain=one', 'secret=s3cr3t-value', 'strict=three']);
      });

      it('imports cookies by url and by domain, and sends them', async () => {
        await driver.addCookies(
          [
            { name: 'byurl', value: 'u1', url: `${h.origin}/` },
            { name: 'bydomain', value: 'd1', domain: '127.0.0.1', path: '/', httpOnly: true },
          ],
          op(),
        );
        const names = (await driver.cookies(op())).map((c) => c.name);
        expect(names).toEqual(expect.arrayContaining(['byurl', 'bydomain']));
        const bydomain = (await driver.cookies(op())).find((c) => c.name === 'bydomain');
        expect(bydomain).toMatchObject({ domain: '127.0.0.1', path: '/', httpOnly: true });
        await driver.navigate(page, `${h.origin}/echo-cookies`, 'load', op());
        expect(String(await value('return document.title'))).toMatch(/byurl=u1/);
        expect(String(await value('return document.title'))).toMatch(/bydomain=d1/);
      });

      it('includes local storage in the storage state', async () => {
        await driver.navigate(page, `${h.origin}/`, 'load', op());
        await evaluate('localStorage.setItem("k1", "v1")');
        const state = await driver.storageState(op());
        expect(state.origins).toContainEqual({ origin: h.origin, localStorage: [{ name: 'k1', value: 'v1' }] });
        expect(state.cookies.map((c) => c.name)).toContain('plain');
      });
    });

    if (!capabilities.sessionVersion) {
      describe('session changes', () => {
        it('are not reported: sessionVersion answers null, and the runtime counts every operation as a possible change', async () => {
          expect(await driver.sessionVersion(op())).toBeNull();
          expect(await driver.sessionVersion(op(), page)).toBeNull();
        });
      });
    } else {
      describe('session changes', () => {
        const version = async (scope?: PageId): Promise<number> => {
          const v = await driver.sessionVersion(op(), scope);
          if (v === null) throw new Error('this adapter does not report session changes');
          return v;
        };

        it('stays put for pages and scripts that change nothing', async () => {
          await driver.navigate(page, `${h.origin}/`, 'load', op());
          await evaluate('localStorage.setItem("k1", "v1")');
          const before = await version();
          await driver.navigate(page, `${h.origin}/landed`, 'load', op());
          expect(await value('return [document.title, document.cookie, localStorage.getItem("k1")]')).toEqual([
            'Landed',
            expect.any(String),
            'v1',
          ]);
          await driver.cookies(op());
          await driver.storageState(op());
          expect(await version()).toBe(before);
        });

        it('moves when a response sets a cookie, also on a redirect', async () => {
          const before = await version();
          expect(await driver.navigate(page, `${h.origin}/redirect-set-cookie`, 'load', op())).toEqual({
            url: `${h.origin}/landed`,
            status: 200,
          });
          const after = await version();
          expect(after).toBeGreaterThan(before);
          expect((await driver.cookies(op())).map((c) => c.name)).toContain('hop');
          expect(await version()).toBe(after);
        });

        it('moves when a script writes document.cookie or local storage', async () => {
          await driver.navigate(page, `${h.origin}/landed`, 'load', op());
          const v0 = await version();
          expect(await evaluate('document.cookie = "scripted=1; path=/"')).toEqual({ kind: 'undefined' });
          const v1 = await version();
          expect(v1).toBeGreaterThan(v0);
          await evaluate('localStorage.setItem("written", "1")');
          const v2 = await version();
          expect(v2).toBeGreaterThan(v1);
          await evaluate('localStorage.removeItem("written")');
          expect(await version()).toBeGreaterThan(v2);
        });

        it('moves when cookies are added; an isolated page moves only its own', async () => {
          const v0 = await version();
          await driver.addCookies([{ name: 'added', value: '1', url: h.origin }], op());
          const v1 = await version();
          expect(v1).toBeGreaterThan(v0);
          const isolated = await driver.newPage(op(), { isolated: true });
          const i0 = await version(isolated);
          await driver.navigate(isolated, `${h.origin}/set-cookies`, 'load', op());
          await driver.evaluate(isolated, { script: 'localStorage.setItem("iso2", "1")', argsJson: '[]', maxResultBytes: 1024 }, op());
          expect(await version(isolated)).toBeGreaterThan(i0);
          expect(await version()).toBe(v1);
          await driver.closePage(isolated, op());
          await expect(driver.sessionVersion(op(), isolated)).rejects.toBeInstanceOf(DriverError);
        });
      });
    }

    describe('screenshots', () => {
      it('captures the viewport as a PNG', async () => {
        await driver.navigate(page, `${h.origin}/tall`, 'load', op());
        expect(pngSize(await driver.screenshot(page, { fullPage: false }, op()))).toEqual({ width: 1280, height: 720 });
      });

      it('captures the full page when asked', async () => {
        expect(pngSize(await driver.screenshot(page, { fullPage: true }, op()))).toEqual({ width: 1280, height: 3000 });
      });
    });

    describe('pages', () => {
      it('opens independent pages and closes them', async () => {
        const second = await driver.newPage(op());
        expect(second).not.toBe(page);
        await driver.navigate(second, `${h.origin}/landed`, 'load', op());
        await driver.navigate(page, `${h.origin}/`, 'load', op());
        expect(await driver.currentUrl(second, op())).toBe(`${h.origin}/landed`);
        await driver.closePage(second, op());
        await expect(driver.currentUrl(second, op())).rejects.toBeInstanceOf(DriverError);
      });

      if (capabilities.isolatedPages) {
        it('an isolated page has cookies and storage of its own; cookie operations reach it by scope', async () => {
          const isolated = await driver.newPage(op(), { isolated: true });
          expect((await driver.cookies(op(), isolated)).map((c) => c.name)).toEqual([]);
          await driver.navigate(isolated, `${h.origin}/echo-cookies`, 'load', op());
          const sent = await driver.evaluate(isolated, { script: 'return document.title', argsJson: '[]', maxResultBytes: 1024 }, op());
          expect(sent).toEqual({ kind: 'value', json: JSON.stringify('cookies:') }); // the shared context's cookies are not sent
          await driver.addCookies([{ name: 'own', value: 'x1', url: h.origin }], op(), isolated);
          await driver.evaluate(isolated, { script: 'localStorage.setItem("iso", "1")', argsJson: '[]', maxResultBytes: 1024 }, op());
          expect((await driver.cookies(op(), isolated)).map((c) => c.name)).toEqual(['own']);
          expect((await driver.cookies(op())).map((c) => c.name)).not.toContain('own');
          const state = await driver.storageState(op(), isolated);
          expect(state.cookies.map((c) => c.name)).toEqual(['own']);
          expect(state.origins).toEqual([{ origin: h.origin, localStorage: [{ name: 'iso', value: '1' }] }]);
          expect((await driver.storageState(op())).origins.flatMap((o) => o.localStorage.map((i) => i.name))).not.toContain('iso');
          await driver.closePage(isolated, op());
          await expect(driver.cookies(op(), isolated)).rejects.toBeInstanceOf(DriverError);
        });
      } else {
        it('refuses an isolated page with ERR_DRIVER, saying so', async () => {
          const error = await driver.newPage(op(), { isolated: true }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(DriverError);
          expect((error as DriverError).message).toMatch(/isolated/);
        });
      }
    });

    describe('lifecycle', () => {
      it('close() is idempotent, leaves nothing behind, and later calls fail with a DriverError', async () => {
        const own = h.makeDriver();
        await own.launch(op(30_000));
        const p = await own.newPage(op());
        await own.navigate(p, `${h.origin}/`, 'load', op());
        const rss = own.rssBytes?.();
        if (rss !== undefined && h.readsMemory !== false) expect(rss).toBeGreaterThan(1_000_000); // a running browser uses memory
        if (h.readsMemory === false) expect(rss ?? null).toBeNull(); // a browser on another host: unknown
        await Promise.all([own.close(op(5000)), own.close(op(5000))]);
        await own.close(op(5000));
        expect(own.rssBytes?.() ?? null).toBeNull();
        expect(await h.leftovers(own)).toEqual([]);
        await expect(own.cookies(op())).rejects.toBeInstanceOf(DriverError);
      });

      it('kill() is idempotent and leaves nothing behind', async () => {
        const own = h.makeDriver();
        await own.launch(op(30_000));
        await own.newPage(op());
        await Promise.all([own.kill(), own.kill()]);
        expect(await h.leftovers(own)).toEqual([]);
      });

      it('cannot be launched twice', async () => {
        await expect(driver.launch(op())).rejects.toBeInstanceOf(DriverError);
      });
    });
  });
}

/**
 * Setup and teardown for an adapter that starts browsers on this machine: the fixture site, and
 * a parent directory per driver, so that "left behind" is checked per driver (its processes all
 * name that directory). Teardown removes the directories with rmdir, which fails, and so fails
 * the suite, if a driver left anything inside.
 */
export function localHarness(
  prefix: string,
  make: (tmpRoot: string) => Driver,
): { setup: () => Promise<ContractHarness>; teardown: () => Promise<void> } {
  let server: FixtureServer | undefined;
  const roots = new Map<object, string>();
  return {
    setup: async () => {
      server = await startFixtureServer(fixtureSite);
      return {
        origin: server.origin,
        refusedUrl: await refusedUrl(),
        makeDriver: () => {
          const tmpRoot = mkdtempSync(join(browserDirsRoot(), prefix));
          const driver = make(tmpRoot);
          roots.set(driver, tmpRoot);
          return driver;
        },
        leftovers: (driver) => leftoversUnder(roots.get(driver) as string),
      };
    },
    teardown: async () => {
      await server?.close();
      for (const root of roots.values()) rmdirSync(root);
    },
  };
}
