import { describe, expect, it } from 'vitest';
import { parseSetCookie } from '../../../src/session/api-client.js';

describe('parseSetCookie', () => {
  const url = new URL('http://127.0.0.1:8377/api/me');
  it('reads name, value and attributes', () => {
    const c = parseSetCookie('sid=abc=def; HttpOnly; SameSite=Strict; Path=/api; Secure', url);
    expect(c).toMatchObject({ name: 'sid', value: 'abc=def', domain: '127.0.0.1', path: '/api', expires: -1, httpOnly: true, secure: true, sameSite: 'Strict' });
  });
  it('turns Max-Age into an expiry, and Max-Age=0 into a deletion', () => {
    const now = Date.now() / 1000;
    expect(parseSetCookie('a=1; Max-Age=60', url)?.expires).toBeGreaterThan(now + 59);
    expect(parseSetCookie('a=; Max-Age=0', url)?.expires).toBe(1);
    expect(parseSetCookie('a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT', url)?.expires).toBe(Date.parse('2037-10-21T07:28:00Z') / 1000);
    expect(parseSetCookie('a=1; Domain=.example.org', url)?.domain).toBe('example.org');
  });
  it('ignores a header without a name', () => {
    expect(parseSetCookie('=nameless', url)).toBeUndefined();
    expect(parseSetCookie('garbage', url)).toBeUndefined();
  });
});
