import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverOpOptions, PageId } from '../../src/drivers/driver.js';
import { PlaywrightDriver } from '../../src/drivers/playwright/playwright-driver.js';
import { signalGroup } from '../../src/drivers/process-tree.js';
import { ExecuteJS, GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import type { Task } from '../../src/runtime/tasks/types.js';
import { useChromiumFile } from '../support/chromium-root.js';
import { readPersonName } from '../support/fixture-site.js';

/**
 * Real Chromium: the Playwright driver's session version moves before the operation that changed
 * the session answers, for every way a page changes its session, and stays put otherwise. The
 * supervisor snapshots only when it moved, so this is what keeps "a crash never loses a session
 * change an answer reported" true while most tasks skip the snapshot.
 */

const file = useChromiumFile('session-changes-');
const op: DriverOpOptions = { timeoutMs: 10_000 };

describe('PlaywrightDriver.sessionVersion on real Chromium', () => {
  let driver: PlaywrightDriver;
  let page: PageId;
  const run = async (script: string, args: unknown[] = []): Promise<unknown> => {
    const outcome = await driver.evaluate(page, { script, argsJson: JSON.stringify(args), maxResultBytes: 1 << 20 }, op);
    if (outcome.kind === 'undefined') return undefined;
    if (outcome.kind !== 'value') throw new Error(`script failed: ${JSON.stringify(outcome)}`);
    return JSON.parse(outcome.json);
  };
  const version = async (): Promise<number> => (await driver.sessionVersion(op)) ?? Number.NaN;

  beforeAll(async () => {
    driver = new PlaywrightDriver({ tmpRoot: file.root });
    await driver.launch({ timeoutMs: 30_000 });
    page = await driver.newPage(op);
  });
  afterAll(async () => {
    await driver.close({ timeoutMs: 5000 });
  });

  const writes: [string, string][] = [
    ['document.cookie', 'document.cookie = "w" + arguments[0] + "=1; path=/"'],
    ['cookieStore.set', 'await cookieStore.set("cs" + arguments[0], "1")'],
    ['localStorage.setItem', 'localStorage.setItem("s" + arguments[0], "1")'],
    ['a localStorage property', 'localStorage["p" + arguments[0]] = "1"'],
    ['delete on localStorage', 'localStorage["d" + arguments[0]] = "1"; delete localStorage["d" + arguments[0]]'],
    ['localStorage.clear', 'localStorage.clear()'],
    ['a fetch whose answer sets a cookie', 'await fetch("/api/set-cookie?v=" + arguments[0])'],
  ];

  it.each(writes)('a script write through %s is counted before the script answers (every time of 10)', async (_label, script) => {
    await driver.navigate(page, `${file.server.origin}/landed`, 'load', op);
    for (let i = 0; i < 10; i++) {
      const before = await version();
      await run(script, [i]);
      expect(await version()).toBeGreaterThan(before);
    }
  });

  it("a page's own script writing cookies and storage while it loads is counted before the navigation answers", async () => {
    for (let i = 0; i < 5; i++) {
      const before = await version();
      await driver.navigate(page, `${file.server.origin}/inline-cookie?v=${i}`, 'load', op);
      expect(await version()).toBeGreaterThan(before);
      expect(await run('return [document.cookie.includes("inline=" + arguments[0]), localStorage.inline]', [i])).toEqual([true, String(i)]);
    }
  });

  it('reads, plain pages and fetches that set nothing leave it alone', async () => {
    await driver.navigate(page, `${file.server.origin}/landed`, 'load', op);
    await run('localStorage.setItem("keep", "1")');
    const before = await version();
    for (let i = 0; i < 5; i++) {
      await driver.navigate(page, `${file.server.origin}/person?id=${i}`, 'load', op);
      await run(
        'return [document.cookie, localStorage.getItem("keep"), localStorage.keep, localStorage.length, Object.keys(localStorage)]',
      );
      await run('await fetch("/landed"); return 1');
      await driver.cookies(op);
      await driver.storageState(op);
    }
    expect(await version()).toBe(before);
  });

  it('local storage still behaves as the page expects behind the proxy', async () => {
    await driver.navigate(page, `${file.server.origin}/landed`, 'load', op);
    const seen = await run(`
      localStorage.clear();
      localStorage.setItem('a', '1');
      localStorage.b = '2';
      const same = localStorage === window.localStorage && localStorage.getItem === localStorage.getItem;
      const shape = [localStorage instanceof Storage, Object.prototype.toString.call(localStorage), localStorage.length,
        Object.keys(localStorage).sort(), JSON.stringify(localStorage), localStorage.key(0) !== null, 'a' in localStorage, localStorage.a];
      delete localStorage.a;
      localStorage.removeItem('b');
      return [same, ...shape, localStorage.length, localStorage.getItem('a')];`);
    expect(seen).toEqual([true, true, '[object Storage]', 2, ['a', 'b'], expect.stringMatching(/"a":"1"/), true, true, '1', 0, null]);
  });
});

describe('SessionSupervisor on real Chromium: snapshots only on change, and a crash right after an answer loses no change it reported', () => {
  const changes: { label: string; change: (origin: string, i: number) => Task; check: Task; expected: (i: number) => unknown }[] = [
    {
      label: 'a redirect that sets a cookie',
      change: (o) => Navigate(`${o}/redirect-set-cookie`),
      check: GetCookies(['hop']),
      expected: (): unknown => [expect.objectContaining({ name: 'hop', value: '1' })],
    },
    {
      label: 'a script writing document.cookie',
      change: (_o, i) => ExecuteJS('document.cookie = "pref=" + arguments[0] + "; path=/"', [`v${i}`]),
      check: GetCookies(['pref']),
      expected: (i): unknown => [expect.objectContaining({ name: 'pref', value: `v${i}` })],
    },
    {
      label: 'a script writing a local-storage property',
      change: (_o, i) => ExecuteJS('localStorage.theme = arguments[0]', [`t${i}`]),
      check: ExecuteJS('return localStorage.theme', [], { idempotent: true }),
      expected: (i) => `t${i}`,
    },
    {
      label: "a script's fetch whose answer sets a cookie",
      change: (_o, i) => ExecuteJS('await fetch("/api/set-cookie?v=" + arguments[0])', [`f${i}`]),
      check: GetCookies(['api']),
      expected: (i): unknown => [expect.objectContaining({ name: 'api', value: `f${i}` })],
    },
    {
      label: "the page's own script while it loads",
      change: (o, i) => Navigate(`${o}/inline-cookie?v=n${i}`),
      check: ExecuteJS('return [document.cookie.includes("inline=" + arguments[0]), localStorage.inline]', ['n4'], { idempotent: true }),
      expected: () => [true, 'n4'],
    },
  ];

  it.each(changes.map((c, i) => [c.label, i] as const))(
    'the change made by %s survives a SIGKILL right after its answer',
    async (_label, index) => {
      const { supervisor } = file.supervised({ restoreUrl: true });
      const c = changes[index] as (typeof changes)[number];
      const origin = file.server.origin;
      try {
        await supervisor.startActor();
        await supervisor.submit(Navigate(`${origin}/landed`));
        // Pages and scripts that change nothing skip the snapshot.
        for (let i = 0; i < 4; i++) {
          await supervisor.submit(Navigate(`${origin}/person?id=${i}`));
          await supervisor.submit(readPersonName);
        }
        expect(supervisor.health().snapshots.skipped).toBeGreaterThanOrEqual(8);
        const taken = supervisor.health().snapshots.taken;
        await supervisor.submit(Navigate(`${origin}/landed`));
        await supervisor.submit(c.change(origin, 4));
        expect(supervisor.health().snapshots.taken).toBe(taken + 1);
        // The answer is in: kill the browser at once, before anything else can run on it.
        const pid = supervisor.browser?.pid ?? 0;
        expect(pid).toBeGreaterThan(0);
        signalGroup(pid, 'SIGKILL');
        expect(await supervisor.submit(c.check, { restoreUrl: true })).toEqual(c.expected(4));
        expect(supervisor.health().restarts).toBe(1);
      } finally {
        await supervisor.stop();
      }
    },
  );
});
