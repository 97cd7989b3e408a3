import { Cookie as ToughCookie, CookieJar as ToughJar } from 'tough-cookie';
import type { Cookie } from './browser-types.js';

/**
 * A browser's cookie jar, on `tough-cookie` (RFC 6265: domain and path matching, host-only
 * cookies, public suffixes, expiry, `Secure` on potentially trustworthy origins, `HttpOnly` hidden
 * from scripts). Cookies come in and go out in the browser's shape ({@link Cookie}: a domain with
 * a leading dot is a domain cookie, without one a host-only cookie; `expires` in seconds, -1 for a
 * session cookie), so what a browser exports can be imported as is and the other way round. The
 * one cookie model of the session layer's API client and of the Fake driver.
 */
export class BrowserCookieJar {
  #jar = new ToughJar();

  /**
   * Store what a `Set-Cookie` header (or a script's `document.cookie = …` with `fromScript`)
   * sets for a response from `url`, as a browser would. Returns the cookie it set or deleted (a
   * deletion has `expires` in the past), or `undefined` when a browser would refuse it: no name,
   * a `Domain` that is not this host's, a public suffix, `HttpOnly` from a script. With
   * `onlyChanges`, also `undefined` when the cookie was there already, exactly as set.
   */
  setFromHeader(header: string, url: URL, options: { fromScript?: boolean; onlyChanges?: boolean } = {}): Cookie | undefined {
    const parsed = ToughCookie.parse(header);
    if (!parsed?.key) return undefined;
    if (options.fromScript && parsed.httpOnly) return undefined;
    const found = this.#jar
      .getCookiesSync(url, { http: !options.fromScript, expire: false, allPaths: true })
      .find((c) => sameKey(c, parsed, url) && (c.expiryTime() ?? Number.POSITIVE_INFINITY) > Date.now());
    const previous = found === undefined ? undefined : fromTough(found);
    let stored: ToughCookie | undefined;
    try {
      stored = this.#jar.setCookieSync(parsed, url, { http: !options.fromScript, ignoreError: false });
    } catch {
      return undefined; // refused, as a browser would
    }
    if (!stored) return undefined;
    const cookie = fromTough(stored);
    // A deletion: reported (with an expiry in the past a browser understands) only if it removed something.
    if (cookie.expires !== -1 && cookie.expires * 1000 <= Date.now()) return previous ? { ...cookie, expires: 1 } : undefined;
    if (options.onlyChanges && previous && sameCookie(previous, cookie)) return undefined;
    return cookie;
  }

  /** Import a cookie as a browser exported it (or as a browser-shaped cookie to add). */
  add(cookie: Cookie): void {
    const hostOnly = !cookie.domain.startsWith('.');
    const domain = hostOnly ? cookie.domain : cookie.domain.slice(1);
    const tough = new ToughCookie({
      key: cookie.name,
      value: cookie.value,
      domain,
      path: cookie.path || '/',
      expires: cookie.expires === -1 ? 'Infinity' : new Date(cookie.expires * 1000),
      httpOnly: cookie.httpOnly,
      secure: cookie.secure,
      sameSite: cookie.sameSite.toLowerCase(),
      hostOnly,
    });
    const expired = cookie.expires !== -1 && cookie.expires * 1000 <= Date.now();
    // A store write, not a response: the domain need not be checked against a request host.
    this.#jar.store.removeCookie(domain, tough.path, cookie.name, () => undefined);
    if (!expired) this.#jar.store.putCookie(tough, () => undefined);
  }

  /** The `Cookie` request header for `url` (`fromScript`: what `document.cookie` shows, HttpOnly left out). */
  header(url: URL, options: { fromScript?: boolean } = {}): string {
    return this.#jar.getCookieStringSync(url, { http: !options.fromScript });
  }

  /** Every cookie that has not expired, in the browser's shape. */
  list(): Cookie[] {
    const now = Date.now();
    const all = this.#jar.serializeSync()?.cookies ?? [];
    return all
      .map((json) => ToughCookie.fromJSON(json))
      .filter((c): c is ToughCookie => c !== undefined && (c.expiryTime() ?? Number.POSITIVE_INFINITY) > now)
      .map(fromTough);
  }

  /** Forget every cookie. */
  clear(): void {
    this.#jar = new ToughJar();
  }
}

function sameKey(a: ToughCookie, b: ToughCookie, url: URL): boolean {
  const bDomain = b.domain ? b.domain.replace(/^\./, '').toLowerCase() : url.hostname;
  return a.key === b.key && a.domain === bDomain && (b.path === undefined || b.path === null || a.path === b.path);
}

/** The same cookie (name, domain, path), set to the same value and attributes. */
function sameCookie(a: Cookie, b: Cookie): boolean {
  return (
    a.name === b.name &&
    a.domain === b.domain &&
    a.path === b.path &&
    a.value === b.value &&
    a.expires === b.expires &&
    a.httpOnly === b.httpOnly &&
    a.secure === b.secure &&
    a.sameSite === b.sameSite
  );
}

function fromTough(c: ToughCookie): Cookie {
  const expiry = c.expiryTime();
  const sameSite = (c.sameSite ?? '').toLowerCase();
  return {
    name: c.key,
    value: c.value,
    domain: c.hostOnly ? (c.domain ?? '') : `.${c.domain ?? ''}`,
    path: c.path ?? '/',
    expires: expiry === Number.POSITIVE_INFINITY || expiry === undefined ? -1 : expiry / 1000,
    httpOnly: c.httpOnly,
    secure: c.secure,
    sameSite: sameSite === 'strict' ? 'Strict' : sameSite === 'none' ? 'None' : 'Lax',
  };
}
