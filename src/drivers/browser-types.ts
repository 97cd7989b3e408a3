/** Plain data exchanged with browsers: shared by drivers and tasks. */

/** A JSON value: what ExecuteJS arguments and results may contain. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** When a navigation counts as done. */
export type WaitUntil = 'commit' | 'domcontentloaded' | 'load' | 'networkidle';

/**
 * Kinds of resource a tab can be told not to load (Navigate's `block`, the executors'
 * `limits.block`): images (`<img>`, CSS backgrounds, favicons), web fonts, and audio and video.
 * Scripts, stylesheets and fetches always load: a page's content and its session depend on them.
 */
export type BlockedResource = 'image' | 'font' | 'media';

/** Every {@link BlockedResource}, in a stable order. */
export const BLOCKED_RESOURCES: readonly BlockedResource[] = ['image', 'font', 'media'];

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

/** Where a navigation ended, and with what HTTP status. */
export interface NavigateResult {
  /** The URL the page ended on (after redirects). */
  readonly url: string;
  /** HTTP status of the main document, or `null` when there was none (`about:blank`, same-document). */
  readonly status: number | null;
}

/** How a real adapter starts Chromium (the Playwright and WebDriver drivers both take these). */
export interface ChromiumOptions {
  /**
   * Chromium executable. Default: `$CHROMIUM_PATH`; else, for a headless browser of the
   * Playwright driver, Chromium's headless shell when it is installed
   * (`/usr/lib/chromium/chromium-headless-shell`, Debian's `chromium-headless-shell`); else the
   * first of /usr/bin/chromium and friends.
   */
  readonly executablePath?: string;
  /** Default `true`. */
  readonly headless?: boolean;
  /** Extra Chromium flags, after the required ones. */
  readonly args?: readonly string[];
  /** Default 1280×720. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Parent of the per-browser directory. Default `$BROWSER_ACTOR_TMPDIR` or `<tmpdir>/browser-actor`. */
  readonly tmpRoot?: string;
  /** Where `CHROMIUM_PATH` (and `CHROMEDRIVER_PATH`) are read from when no option gives them. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * On SIGTERM, SIGINT or SIGHUP, kill this process's browsers and remove their directories
   * before the process dies (it is re-raised when nothing else listens). Default `true`. On a
   * normal exit the same cleanup always runs.
   */
  readonly handleSignals?: boolean;
}
