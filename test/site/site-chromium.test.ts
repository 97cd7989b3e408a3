import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowserActor } from '../../src/compose.js';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { generateTree } from '../../src/genealogy/synthetic.js';
import type { BrowserActor } from '../../src/runtime/actor/browser-actor.js';
import { CurrentUrl, ExecuteJS, GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import { type TreeSite, startTreeSite } from '../../src/site/server.js';
import { newTotpSecret, unusedTotpCode } from '../../src/internal/totp.js';
import { leftoversUnder } from '../support/leftovers.js';

/** The reference site driven by real Chromium: the sign-in form, the second factor, a person page. */
const PASSWORD = 'a long enough password';
const secret = newTotpSecret();
const { tree, referencePerson } = generateTree({ people: 1500, seed: 11 });
let site: TreeSite;
let actor: BrowserActor;
let root: string;

beforeAll(async () => {
  site = await startTreeSite({ tree, referencePerson, users: [{ username: 'ann', password: PASSWORD, totpSecret: secret }] });
  root = mkdtempSync(join(browserDirsRoot(), 'site-'));
  actor = createBrowserActor({ actorMode: true, browser: { tmpRoot: root } });
  await actor.start();
});

afterAll(async () => {
  await actor?.stop();
  await site?.close();
  expect(await leftoversUnder(root)).toEqual([]);
  rmdirSync(root);
});

/** Wait until the tab shows `path` and its document has loaded (a form post navigates on its own). */
async function waitForPage(path: string): Promise<void> {
  const until = performance.now() + 10_000;
  for (;;) {
    const url = new URL(await actor.submit(CurrentUrl()));
    if (url.pathname === path) {
      const state = await actor.submit(ExecuteJS<string>('return document.readyState', [], { idempotent: true })).catch(() => 'navigating');
      if (state === 'complete') return;
    }
    if (performance.now() > until)
      throw new Error(
        `the tab stayed on ${url.pathname}, expected ${path}; it shows: ${await actor.submit(ExecuteJS<string>('return document.body.innerText.slice(0, 200)')).catch(() => '?')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('reference site in real Chromium', () => {
  it('signs in through the form with the second factor, then shows a person page with its ladder', async () => {
    const person = tree.person(tree.parents(referencePerson)[0] as number);
    await actor.submit(Navigate(`${site.origin}/person/${person.id}`));
    await waitForPage('/sign-in');
    expect(await actor.submit(ExecuteJS('return document.title'))).toBe('Sign in');
    await actor.submit(
      ExecuteJS(
        `const f = document.querySelector('#sign-in');
         f.username.value = arguments[0]; f.password.value = arguments[1];
         setTimeout(() => f.requestSubmit(), 0);`,
        ['ann', PASSWORD],
      ),
    );
    await waitForPage('/sign-in/2fa');
    await actor.submit(
      ExecuteJS(`const f = document.querySelector('#two-factor'); f.code.value = arguments[0]; setTimeout(() => f.requestSubmit(), 0);`, [
        await unusedTotpCode(secret),
      ]),
    );
    await waitForPage(`/person/${person.id}`);
    const shown = await actor.submit(
      ExecuteJS<{ name: string; id: string; ladder: string[] }>(
        `return { name: document.querySelector('#person-name').textContent, id: document.querySelector('#person-name').dataset.id,
                  ladder: [...document.querySelectorAll('#ladder li')].map((li) => li.textContent) }`,
      ),
    );
    expect(shown.id).toBe(person.id);
    expect(shown.name).toBe(`${person.given} ${person.surname}`);
    expect(shown.ladder.at(-1)).toMatch(/ - self$/);
    expect(shown.ladder[0]).toMatch(/ - (father|mother)$/);
    // The session cookie is HttpOnly: the browser has it, page scripts cannot read it.
    const cookies = await actor.submit(GetCookies(['sid']));
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await actor.submit(ExecuteJS('return document.cookie.includes("sid=")'))).toBe(false);
    expect(site.counts()['POST /sign-in/2fa']).toBe(1);
  });

  it('the browser session calls the JSON API', async () => {
    await actor.submit(Navigate(`${site.origin}/tree`));
    const me = await actor.submit(ExecuteJS<{ username: string }>('return (await fetch("/api/me")).json()'));
    expect(me.username).toBe('ann');
  });
});
