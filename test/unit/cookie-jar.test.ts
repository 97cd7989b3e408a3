import { describe, expect, it } from 'vitest';
import type { Cookie } from '../../src/drivers/browser-types.js';
import { BrowserCookieJar } from '../../src/drivers/cookie-jar.js';

/** The one cookie model (tough-cookie, RFC 6265) of the API client and the Fake driver. */
const cookie = (overrides: Partial<Cookie>): Cookie => ({
  name: 'c',
  value: 'v',
  domain: 'x.com',
  path: '/',
  expires: -1,
  httpOnly: false,
  secure: false,
  sameSite: 'Lax',
  ...overrides,
});

describe('BrowserCookieJar', () => {
  const url = new URL('http://app.example.com/account/login');

  it('stores a Set-Cookie with the RFC 6265 default path and a host-only domain, in the browser shape', () => {
    const jar = new BrowserCookieJar();
    expect(jar.setFromHeader('sid=abc=def; HttpOnly; SameSite=Strict', url)).toEqual({
      name: 'sid',
      value: 'abc=def',
      domain: 'app.example.com',
      path: '/account',
      expires: -1,
      httpOnly: true,
      secure: false,
      sameSite: 'Strict',
    });
    expect(jar.list()).toHaveLength(1);
  });

  it('Max-Age wins over Expires; a domain cookie keeps its leading dot', () => {
    const jar = new BrowserCookieJar();
    const before = Date.now() / 1000;
    const c = jar.setFromHeader('a=1; Domain=.example.com; Max-Age=60; Expires=Wed, 21 Oct 2015 07:28:00 GMT', url);
    expect(c?.domain).toBe('.example.com');
    expect(c?.expires).toBeGreaterThanOrEqual(before + 59);
    expect(c?.expires).toBeLessThanOrEqual(Date.now() / 1000 + 61);
  });

  it('refuses what a browser refuses: a foreign Domain, a public suffix, no name, Secure over plain http to another host, HttpOnly from a script', () => {
    const jar = new BrowserCookieJar();
    expect(jar.setFromHeader('a=1; Domain=evil.test', url)).toBeUndefined();
    expect(jar.setFromHeader('a=1; Domain=com', url)).toBeUndefined();
    expect(jar.setFromHeader('novalue', url)).toBeUndefined();
    expect(jar.setFromHeader('=nameless', url)).toBeUndefined();
    expect(jar.setFromHeader('a=1; Secure', url)).toBeUndefined();
    expect(jar.setFromHeader('a=1; HttpOnly', url, { fromScript: true })).toBeUndefined();
    expect(jar.list()).toEqual([]);
    // Loopback is a secure context for cookies, as in Chromium.
    expect(jar.setFromHeader('s=1; Secure', new URL('http://127.0.0.1:8000/'))?.secure).toBe(true);
  });

  it('host-only cookies go to their host only; domain cookies to subdomains too', () => {
    const jar = new BrowserCookieJar();
    jar.add(cookie({ name: 'host', domain: 'x.com' }));
    jar.add(cookie({ name: 'dom', domain: '.x.com' }));
    expect(jar.header(new URL('https://x.com/'))).toBe('host=v; dom=v');
    expect(jar.header(new URL('https://www.x.com/'))).toBe('dom=v');
  });

  it('paths match by segment: /api matches /api and /api/x, not /apix', () => {
    const jar = new BrowserCookieJar();
    jar.add(cookie({ name: 'p', path: '/api' }));
    expect(jar.header(new URL('https://x.com/api'))).toBe('p=v');
    expect(jar.header(new URL('https://x.com/api/persons'))).toBe('p=v');
    expect(jar.header(new URL('https://x.com/apix'))).toBe('');
  });

  it('an exported .x.com cookie and its Set-Cookie update are one cookie: no duplicate, the new value is sent', () => {
    const jar = new BrowserCookieJar();
    jar.add(cookie({ name: 'sid', value: 'old', domain: '.x.com' }));
    const updated = jar.setFromHeader('sid=new; Domain=x.com; Path=/', new URL('https://www.x.com/api/me'));
    expect(updated).toMatchObject({ name: 'sid', value: 'new', domain: '.x.com' });
    expect(jar.list().filter((c) => c.name === 'sid')).toHaveLength(1);
    expect(jar.header(new URL('https://www.x.com/'))).toBe('sid=new');
  });

  it('document.cookie leaves HttpOnly cookies out; the server gets them', () => {
    const jar = new BrowserCookieJar();
    jar.setFromHeader('secret=1; HttpOnly; Path=/', url);
    jar.setFromHeader('plain=2; Path=/', url);
    expect(jar.header(url)).toBe('secret=1; plain=2');
    expect(jar.header(url, { fromScript: true })).toBe('plain=2');
  });

  it('a deletion (Max-Age=0) removes the cookie and is reported with a past expiry, only when it removed something', () => {
    const jar = new BrowserCookieJar();
    jar.setFromHeader('sid=1; Path=/', url);
    expect(jar.setFromHeader('sid=; Max-Age=0; Path=/', url)).toMatchObject({ name: 'sid', expires: 1 });
    expect(jar.list()).toEqual([]);
    expect(jar.setFromHeader('sid=; Max-Age=0; Path=/', url)).toBeUndefined();
  });

  it('imports what a browser exported and exports it unchanged; expired imports are dropped', () => {
    const jar = new BrowserCookieJar();
    const exported = [
      cookie({
        name: 'a',
        domain: '.x.com',
        path: '/p',
        expires: Math.floor(Date.now() / 1000) + 3600,
        httpOnly: true,
        secure: true,
        sameSite: 'None',
      }),
      cookie({ name: 'b' }),
    ];
    for (const c of exported) jar.add(c);
    jar.add(cookie({ name: 'gone', expires: 1000 }));
    expect(jar.list().sort((x, y) => x.name.localeCompare(y.name))).toEqual(exported);
  });
});
