/** Plain data exchanged with browsers: shared by drivers and tasks. */

/** A JSON value: what ExecuteJS arguments and results may contain. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** When a navigation counts as done. */
export type WaitUntil = 'commit' | 'domcontentloaded' | 'load' | 'networkidle';

/** A browser cookie (Playwright's shape; `expires` in seconds since the epoch, -1 for a session cookie). */
export interface Cookie {
  readonly name: string;
  readonly value: string;
  readonly domain: string;
  readonly path: string;
  readonly expires: number;
  readonly httpOnly: boolean;
  readonly secure: boolean;
  readonly sameSite: 'Strict' | 'Lax' | 'None';
}

/** A cookie to import: `domain` (with `path`) or `url` locates it; omitted flags take browser defaults. */
export interface CookieInput {
  readonly name: string;
  readonly value: string;
  readonly url?: string;
  readonly domain?: string;
  readonly path?: string;
  readonly expires?: number;
  readonly httpOnly?: boolean;
  readonly secure?: boolean;
  readonly sameSite?: 'Strict' | 'Lax' | 'None';
}

/** Cookies plus per-origin local storage, in Playwright's storage-state shape. */
export interface StorageState {
  readonly cookies: readonly Cookie[];
  readonly origins: readonly {
    readonly origin: string;
    readonly localStorage: readonly { readonly name: string; readonly value: string }[];
  }[];
}

export interface NavigateResult {
  /** The URL the page ended on (after redirects). */
  readonly url: string;
  /** HTTP status of the main document, or `null` when there was none (`about:blank`, same-document). */
  readonly status: number | null;
}

