import type { CookieInput, StorageState } from '../../drivers/browser-types.js';
import { ActorCrashedError } from '../../errors.js';
import type { BrowserActor } from '../actor/browser-actor.js';
import { Priority } from '../mailbox/mailbox.js';
import { cookieToInput } from '../tasks/cookie-formats.js';

/** A session as carried from one browser to the next: cookies, local storage, and where it was. */
export interface SessionSnapshot {
  readonly state: StorageState;
  readonly url: string | undefined;
  /** Clock time it was taken. */
  readonly at: number;
}

/** Export the browser's cookies and local storage (context-wide: no tab is opened for it). */
export async function captureSession(actor: BrowserActor, lane: number, timeoutMs: number): Promise<StorageState> {
  return actor.submit({ type: 'ExportCookies', format: 'storage-state' }, { priority: Priority.HIGHEST, timeoutMs, lane });
}

/**
 * Load a snapshot into a fresh browser and check it took: the cookies are present and scripts
 * run. Local storage needs a document of its origin, so each origin with storage is visited once
 * (on `lane`'s tab).
 */
export async function restoreSession(
  actor: BrowserActor,
  snapshot: SessionSnapshot | undefined,
  options: { readonly lane: number; readonly timeoutMs: number },
): Promise<{ cookies: number; origins: number }> {
  const op = { priority: Priority.HIGHEST, timeoutMs: options.timeoutMs, lane: options.lane };
  let cookies: CookieInput[] = [];
  let origins = 0;
  let scriptsRun = false;
  if (snapshot) {
    const nowSeconds = Date.now() / 1000;
    cookies = snapshot.state.cookies.filter((c) => c.expires === -1 || c.expires > nowSeconds + 1).map(cookieToInput);
    if (cookies.length > 0) await actor.submit({ type: 'ImportCookies', cookies }, op);
    for (const { origin, localStorage } of snapshot.state.origins) {
      if (localStorage.length === 0 || !/^https?:\/\//.test(origin)) continue;
      const url = snapshot.url !== undefined && snapshot.url.startsWith(`${origin}/`) ? snapshot.url : `${origin}/`;
      // The document only has to exist for its storage to be written: no need to wait for `load`.
      await actor.submit({ type: 'Navigate', url, waitUntil: 'domcontentloaded' }, op);
      const stored = await actor.submit(
        { type: 'ExecuteJS', script: 'for (const [k, v] of arguments[0]) localStorage.setItem(k, v); return localStorage.length;', args: [localStorage.map((i) => [i.name, i.value])] },
        op,
      );
      if (typeof stored !== 'number' || stored < localStorage.length) {
        throw new ActorCrashedError(`The new browser kept ${typeof stored === 'number' ? stored : 'no'} of ${localStorage.length} local-storage items of ${origin}`, { details: { maybeExecuted: false } });
      }
      scriptsRun = true;
      origins++;
    }
  }
  const present = await actor.submit({ type: 'GetCookies' }, op);
  const missing = cookies.filter((c) => !present.some((p) => p.name === c.name && (c.domain === undefined || sameDomain(p.domain, c.domain))));
  if (missing.length > 0) {
    throw new ActorCrashedError(`The new browser is missing ${missing.length} restored cookie(s) (${missing.map((c) => c.name).join(', ')}) after the import`, {
      details: { missing: missing.length, maybeExecuted: false },
    });
  }
  if (!scriptsRun) {
    const two = await actor.submit({ type: 'ExecuteJS', script: 'return 1 + 1', idempotent: true }, op);
    if (two !== 2) throw new ActorCrashedError('The new browser does not run scripts correctly (1 + 1 did not give 2)', { details: { maybeExecuted: false } });
  }
  return { cookies: cookies.length, origins };
}

function sameDomain(a: string, b: string): boolean {
  return a.replace(/^\./, '') === b.replace(/^\./, '');
}
