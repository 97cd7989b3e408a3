import type { Cookie, CookieInput } from './types.js';

/**
 * Cookies in the Netscape cookies.txt format read by curl, wget and Python's
 * MozillaCookieJar: one tab-separated line per cookie (domain, include-subdomains flag, path,
 * secure, expiry, name, value); HttpOnly cookies are prefixed with `#HttpOnly_`, as curl writes
 * them. Session cookies get expiry 0.
 */
export function toNetscape(cookies: readonly Cookie[]): string {
  const lines = ['# Netscape HTTP Cookie File', '# Written by browser-actor. Contains secrets: keep it private.', ''];
  for (const c of cookies) {
    const domain = `${c.httpOnly ? '#HttpOnly_' : ''}${c.domain}`;
    const includeSubdomains = c.domain.startsWith('.') ? 'TRUE' : 'FALSE';
    const expiry = c.expires === -1 ? 0 : Math.floor(c.expires);
    lines.push([domain, includeSubdomains, c.path, c.secure ? 'TRUE' : 'FALSE', String(expiry), c.name, c.value].join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A cookie read from a browser, as input to put it back into one (ImportCookies). Chromium
 * reports SameSite=None on cookies set without Secure over http; a browser would drop such a
 * cookie on import, so it goes back without the attribute (the browser default).
 */
export function cookieToInput(c: Cookie): CookieInput {
  const base = { name: c.name, value: c.value, domain: c.domain, path: c.path, expires: c.expires, httpOnly: c.httpOnly, secure: c.secure };
  return c.sameSite === 'None' && !c.secure ? base : { ...base, sameSite: c.sameSite };
}
