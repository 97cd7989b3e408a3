import type {
  BlockedResource,
  CookieFormat,
  CookieInput,
  CurrentUrlTask,
  ExecuteJsTask,
  ExportCookiesTask,
  GetCookiesTask,
  ImportCookiesTask,
  JsonValue,
  NavigateTask,
  ScreenshotTask,
  WaitUntil,
} from './types.js';

/** Load `url` in the actor's tab. Idempotent. */
export function Navigate(url: string, options: { waitUntil?: WaitUntil; block?: readonly BlockedResource[] } = {}): NavigateTask {
  return {
    type: 'Navigate',
    url,
    ...(options.waitUntil === undefined ? {} : { waitUntil: options.waitUntil }),
    ...(options.block === undefined ? {} : { block: [...options.block] }),
  };
}

/** Read cookies, optionally only the named ones. Idempotent. */
export function GetCookies(names?: readonly string[]): GetCookiesTask {
  return names === undefined ? { type: 'GetCookies' } : { type: 'GetCookies', names };
}

/**
 * Run `script` as the body of an async function in the page, with `args` as `arguments`.
 * Not idempotent unless `options.idempotent` is set.
 */
export function ExecuteJS<R extends JsonValue | undefined = JsonValue | undefined>(
  script: string,
  args: readonly JsonValue[] = [],
  options: { idempotent?: boolean } = {},
): ExecuteJsTask<R> {
  return options.idempotent === undefined
    ? { type: 'ExecuteJS', script, args }
    : { type: 'ExecuteJS', script, args, idempotent: options.idempotent };
}

/** Capture the tab as PNG bytes. Idempotent. */
export function Screenshot(options: { fullPage?: boolean } = {}): ScreenshotTask {
  return options.fullPage === undefined ? { type: 'Screenshot' } : { type: 'Screenshot', fullPage: options.fullPage };
}

/** Export the browser's cookies as JSON, a Netscape cookies.txt, or a storage state. Idempotent. */
export function ExportCookies<F extends CookieFormat = 'json'>(options: { format?: F } = {}): ExportCookiesTask<F> {
  return options.format === undefined ? { type: 'ExportCookies' } : { type: 'ExportCookies', format: options.format };
}

/** Add cookies to the browser. Idempotent (importing the same cookies twice changes nothing). */
export function ImportCookies(cookies: readonly CookieInput[]): ImportCookiesTask {
  return { type: 'ImportCookies', cookies };
}

/** The URL of the actor's tab. Idempotent. */
export function CurrentUrl(): CurrentUrlTask {
  return { type: 'CurrentUrl' };
}
