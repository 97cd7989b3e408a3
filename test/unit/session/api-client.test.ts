import { describe, expect, it } from 'vitest';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { ApiClient, parseSetCookie } from '../../../src/session/api-client.js';

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

describe('ApiClient deadlines', () => {
  it('a server that accepts and never answers fails the request with ERR_NETWORK at its deadline, without retrying it', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const api = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, requestTimeoutMs: 300, retry: { maxAttempts: 4, backoff: { baseMs: 1, factor: 1, maxMs: 1 } } });
      const started = performance.now();
      const error = await api.get('/api/me').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_NETWORK', details: { timedOut: true, timeoutMs: 300 } });
      expect((error as Error).message).toMatch(/did not answer within 0\.3 s \(REQUEST_TIMEOUT_SECONDS\)/);
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(sockets).toHaveLength(1); // counted at the server: one request, no retries
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
