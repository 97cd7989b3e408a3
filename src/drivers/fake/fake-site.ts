import type { Cookie } from '../browser-types.js';

/** A request the Fake browser (or the real fixture server) hands to a site handler. */
export interface FakeRequest {
  readonly method: 'GET';
  /** Absolute URL. */
  readonly url: string;
  /** Lower-case header names; `cookie` carries the cookies the browser sends. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What a site handler answers. */
export interface FakeResponse {
  readonly status: number;
  /** Lower-case header names. `set-cookie` may be a list; `location` drives redirects. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** HTML body. `<title>` sets the page title. */
  readonly body?: string;
}

/**
 * A site: answers requests for one origin. The same handler serves the Fake browser in memory
 * and real Chromium through a real HTTP server, which is how one contract suite can hold both
 * adapters to the same behaviour.
 */
export type FakeSiteHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/**
 * Header the Fake reads to know how tall a page is (for full-page screenshots); browsers ignore
 * it and measure the real layout.
 */
export const FAKE_PAGE_HEIGHT_HEADER = 'x-fake-page-height';

/** Parse one Set-Cookie header as Chromium would store it for a response from `url`. */
export function parseSetCookie(header: string, url: URL, nowMs: number): Cookie | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  let domain = url.hostname;
  let path = defaultPath(url);
  let expires = -1;
  let httpOnly = false;
  let secure = false;
  let sameSite: Cookie['sameSite'] = 'Lax';
  let maxAgeSeen = false;
  for (const attribute of attributes) {
    const i = attribute.indexOf('=');
    const key = (i < 0 ? attribute : attribute.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? '' : attribute.slice(i + 1).trim();
    switch (key) {
      case 'domain': {
        const d = val.replace(/^\./, '').toLowerCase();
        if (d && d !== url.hostname) {
          if (!url.hostname.endsWith(`.${d}`)) return undefined; // a foreign domain: rejected
          domain = `.${d}`;
        }
        break;
      }
      case 'path':
        if (val.startsWith('/')) path = val;
        break;
      case 'max-age': {
        const seconds = Number(val);
        if (Number.isFinite(seconds)) {
          expires = seconds <= 0 ? 0 : nowMs / 1000 + seconds;
          maxAgeSeen = true;
        }
        break;
      }
      case 'expires': {
        const at = Date.parse(val);
        if (!maxAgeSeen && Number.isFinite(at)) expires = at / 1000;
        break;
      }
      case 'httponly':
        httpOnly = true;
        break;
      case 'secure':
        secure = true;
        break;
      case 'samesite': {
        const v = val.toLowerCase();
        sameSite = v === 'strict' ? 'Strict' : v === 'none' ? 'None' : 'Lax';
        break;
      }
    }
  }
  if (secure && url.protocol !== 'https:') return undefined; // Chromium refuses Secure cookies from http
  return { name, value, domain, path, expires, httpOnly, secure, sameSite };
}

/** RFC 6265 default-path: the request path up to (not including) its last '/'. */
function defaultPath(url: URL): string {
  const p = url.pathname;
  const last = p.lastIndexOf('/');
  return last <= 0 ? '/' : p.slice(0, last);
}

/** Whether the browser sends `cookie` with a request to `url`. */
export function cookieMatches(cookie: Cookie, url: URL): boolean {
  const host = url.hostname;
  const domainOk = cookie.domain.startsWith('.')
    ? host === cookie.domain.slice(1) || host.endsWith(cookie.domain)
    : host === cookie.domain;
  if (!domainOk) return false;
  const path = url.pathname || '/';
  const pathOk = path === cookie.path || (path.startsWith(cookie.path) && (cookie.path.endsWith('/') || path[cookie.path.length] === '/'));
  if (!pathOk) return false;
  return !cookie.secure || url.protocol === 'https:';
}
