/**
 * Tasks are plain, serialisable messages: a `type` tag plus fields. They can be built with the
 * constructors in `constructors.ts` or written as object literals, and they can cross a process
 * boundary unchanged. Results are plain data too.
 */

import type {
  BlockedResource,
  Cookie,
  CookieInput,
  JsonValue,
  NavigateResult,
  StorageState,
  WaitUntil,
} from '../../drivers/browser-types.js';

export type { BlockedResource, Cookie, CookieInput, JsonValue, NavigateResult, StorageState, WaitUntil };

/** The formats ExportCookies writes: JSON cookies, Netscape cookies.txt, or Playwright's storage state. */
export type CookieFormat = 'json' | 'netscape' | 'storage-state';

/** Load `url` in the lane's tab. Idempotent. */
export interface NavigateTask {
  readonly type: 'Navigate';
  readonly url: string;
  /** Default `'load'`. */
  readonly waitUntil?: WaitUntil;
  /**
   * Resource kinds the tab does not load, from this navigation on (until a Navigate with another
   * list; `[]` loads everything again). Default: the executor's `limits.block` (itself default
   * none). Needs a driver that can block (Playwright's); the WebDriver driver refuses a non-empty
   * list with `ERR_INVALID_TASK`.
   */
  readonly block?: readonly BlockedResource[];
}

/** Read the session's cookies. Idempotent. */
export interface GetCookiesTask {
  readonly type: 'GetCookies';
  /** Only these names (unknown names give no entry, not an error). Omitted: all cookies. */
  readonly names?: readonly string[];
}

/** Run a script in the page (the body of a function called with `args`); resolves with its plain-data result. Not idempotent. */
export interface ExecuteJsTask<R extends JsonValue | undefined = JsonValue | undefined> {
  readonly type: 'ExecuteJS';
  /** A function body, run as `async function () { <script> }` with `arguments` = `args`. */
  readonly script: string;
  readonly args?: readonly JsonValue[];
  /** Declare the script safe to run twice (default `false`: scripts may change the page). */
  readonly idempotent?: boolean;
  /** Type-level only: the result type the caller expects. */
  readonly __result?: R;
}

/** A PNG of the lane's tab. Idempotent. */
export interface ScreenshotTask {
  readonly type: 'Screenshot';
  /** Capture the whole scrollable page instead of the viewport. Default `false`. */
  readonly fullPage?: boolean;
}

/** Export the session's cookies in `format`. Idempotent. */
export interface ExportCookiesTask<F extends CookieFormat = CookieFormat> {
  readonly type: 'ExportCookies';
  /** Default `'json'`. */
  readonly format?: F;
}

/** Add cookies to the session. Not idempotent. */
export interface ImportCookiesTask {
  readonly type: 'ImportCookies';
  readonly cookies: readonly CookieInput[];
}

/** The URL the lane's tab shows. Idempotent. */
export interface CurrentUrlTask {
  readonly type: 'CurrentUrl';
}

/** Every task the actor understands. */
export type Task = NavigateTask | GetCookiesTask | ExecuteJsTask | ScreenshotTask | ExportCookiesTask | ImportCookiesTask | CurrentUrlTask;

/** The `type` of each task. */
export type TaskType = Task['type'];

type ExportResult<F> = F extends 'netscape'
  ? string
  : F extends 'storage-state'
    ? StorageState
    : F extends 'json'
      ? Cookie[]
      : Cookie[] | string | StorageState;

/** The result type of a task. */
export type ResultOf<T extends Task> = T extends NavigateTask
  ? NavigateResult
  : T extends GetCookiesTask
    ? Cookie[]
    : T extends ExecuteJsTask<infer R>
      ? R
      : T extends ScreenshotTask
        ? Uint8Array
        : T extends ExportCookiesTask<infer F>
          ? ExportResult<F>
          : T extends ImportCookiesTask
            ? { imported: number }
            : T extends CurrentUrlTask
              ? string
              : never;
