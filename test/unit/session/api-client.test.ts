import { describe, expect, it } from 'vitest';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import type { Cookie } from '../../../src/drivers/browser-types.js';
import { ApiClient } from '../../../src/session/api-client.js';
import { RateLimiter } from '../../../src/session/rate-limiter.js';
import { sendEndlessBody } from '../../support/endless-body.js';

describe('ApiClient deadlines', () => {
  it('a server that accepts and never answers fails the request with ERR_NETWORK at its deadline, without retrying it', async () => {
    const sockets: Socket[] = [];
    let requests = 0;
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => {});
      socket.once('data', () => requests++);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const api = new ApiClient({
        baseUrl: `http://127.0.0.1:${port}`,
        requestTimeoutMs: 300,
        retry: { maxAttempts: 4, backoff: { baseMs: 1, factor: 1, maxMs: 1 } },
      });
      const error = await api.get('/api/me').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_NETWORK', details: { timedOut: true, timeoutMs: 300 } });
      expect((error as Error).message).toMatch(/did not answer within 0\.3 s \(REQUEST_TIMEOUT_SECONDS\)/);
      // Counted at the server, which shares this event loop: on a busy machine the deadline can
      // fire before the server has handled the connection, so wait for it, then let the loop pass
      // its poll phase once more. (Node's fetch may open a spare connection as the aborted one
      // closes; it carries no request. A retry would.)
      if (sockets.length === 0) await new Promise((resolve) => server.once('connection', resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(requests).toBeLessThanOrEqual(1); // one request, no retries
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('ApiClient on a refused connection', () => {
  it('fails with ERR_NETWORK naming the reason (not a bare "fetch failed"), after the retries that apply', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve)); // nothing listens there now
    let calls = 0;
    const counting = ((input: string | URL | Request, init?: RequestInit) => {
      calls++;
      return fetch(input, init);
    }) as typeof fetch;
    const api = new ApiClient({
      baseUrl: `http://127.0.0.1:${port}`,
      fetch: counting,
      retry: { maxAttempts: 3, backoff: { baseMs: 1, factor: 1, maxMs: 1 } },
    });
    const error = await api.get('/api/me').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_NETWORK', details: { path: '/api/me' } });
    expect((error as Error).message).toBe(`GET /api/me could not reach 127.0.0.1:${port}: ECONNREFUSED`);
    expect(calls).toBe(3); // a refused connection is retried
  });
});

describe('ApiClient with an injected fetch', () => {
  interface Seen {
    method: string;
    url: string;
    headers: Record<string, string>;
  }
  /** A fetch that answers from a script of responses and records what it was asked. */
  function scripted(responses: (() => Response)[]): { fetch: typeof fetch; seen: Seen[] } {
    const seen: Seen[] = [];
    const f = (async (input: string | URL | Request, init?: RequestInit) => {
      seen.push({
        method: init?.method ?? 'GET',
        url: input instanceof Request ? input.url : input.toString(),
        headers: { ...(init?.headers as Record<string, string>) },
      });
      const next = responses.shift();
      if (!next) throw new Error('no more scripted responses');
      return next();
    }) as typeof fetch;
    return { fetch: f, seen };
  }
  const json =
    (status: number, body: unknown, headers: [string, string][] = []): (() => Response) =>
    () =>
      new Response(JSON.stringify(body), { status, headers: [['content-type', 'application/json'], ...headers] });
  const client = (f: typeof fetch, written: Cookie[][] = []): ApiClient =>
    new ApiClient({
      baseUrl: 'https://www.x.com',
      fetch: f,
      rateLimiter: new RateLimiter({ capacity: 100, refillPerSecond: 100, minPenaltyMs: 1 }),
      retry: { maxAttempts: 3, backoff: { baseMs: 1, factor: 1, maxMs: 1 } },
      onCookiesChanged: (cookies) => {
        written.push(cookies);
      },
    });

  it('sends the browser cookies that match, and the CSRF header only on writes', async () => {
    const { fetch: f, seen } = scripted([json(200, { ok: 1 }), json(201, { ok: 2 })]);
    const api = client(f);
    api.setCookies([
      { name: 'sid', value: 's1', domain: '.x.com', path: '/', expires: -1, httpOnly: true, secure: true, sameSite: 'Lax' },
      { name: 'other', value: 'o', domain: 'other.com', path: '/', expires: -1, httpOnly: false, secure: false, sameSite: 'Lax' },
    ]);
    api.setCsrfToken('tok');
    expect(await api.get('/api/me')).toEqual({ ok: 1 });
    expect(await api.post('/api/bookmarks', { id: 'I1' })).toEqual({ ok: 2 });
    expect(seen[0]).toMatchObject({ method: 'GET', url: 'https://www.x.com/api/me', headers: { cookie: 'sid=s1' } });
    expect(seen[0]?.headers['x-csrf-token']).toBeUndefined();
    expect(seen[1]).toMatchObject({
      method: 'POST',
      headers: { cookie: 'sid=s1', 'x-csrf-token': 'tok', 'content-type': 'application/json' },
    });
  });

  it('401, 403 and a redirect to the sign-in page are ERR_NOT_SIGNED_IN, not retried', async () => {
    for (const response of [
      json(401, {}),
      json(403, {}),
      () => new Response(null, { status: 302, headers: { location: '/sign-in?next=/api/me' } }),
    ]) {
      const { fetch: f, seen } = scripted([response, json(200, {})]);
      const error = await client(f)
        .get('/api/me')
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_NOT_SIGNED_IN' });
      expect(seen).toHaveLength(1);
    }
  });

  it('retries 5xx and 429 (honouring Retry-After through the limiter), not 404', async () => {
    const { fetch: f, seen } = scripted([json(503, {}), json(429, {}, [['retry-after', '0']]), json(200, { ok: true })]);
    const api = client(f);
    expect(await api.get('/api/persons')).toEqual({ ok: true });
    expect(seen).toHaveLength(3);
    expect(api.stats()).toMatchObject({ requests: 3, retries: 2, throttled: 1 });
    const notFound = scripted([json(404, { error: { message: 'No person with id X' } }), json(200, {})]);
    const error = await client(notFound.fetch)
      .get('/api/persons/X')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_HTTP',
      details: { status: 404 },
      message: expect.stringMatching(/failed with 404: No person with id X/) as unknown,
    });
    expect(notFound.seen).toHaveLength(1);
  });

  it('writes back to the browser only cookies the answer changed and a browser would accept; deletions too', async () => {
    const headers = (...lines: string[]): [string, string][] => lines.map((l) => ['set-cookie', l]);
    const { fetch: f } = scripted([
      json(
        200,
        {},
        headers('sid=s2; Domain=x.com; Path=/; Secure; HttpOnly', 'evil=1; Domain=evil.example', 'psl=1; Domain=com', 'same=1; Path=/'),
      ),
      json(200, {}, headers('same=1; Path=/', 'sid=; Max-Age=0; Domain=x.com; Path=/')),
    ]);
    const written: Cookie[][] = [];
    const api = client(f, written);
    api.setCookies([
      { name: 'sid', value: 's1', domain: '.x.com', path: '/', expires: -1, httpOnly: true, secure: true, sameSite: 'Lax' },
      { name: 'same', value: '1', domain: 'www.x.com', path: '/', expires: -1, httpOnly: false, secure: false, sameSite: 'Lax' },
    ]);
    await api.get('/api/me');
    expect(written).toEqual([[expect.objectContaining({ name: 'sid', value: 's2', domain: '.x.com' })]]);
    expect(api.cookies().filter((c) => c.name === 'sid')).toHaveLength(1); // updated in place, no duplicate
    await api.get('/api/me');
    expect(written[1]).toEqual([expect.objectContaining({ name: 'sid', expires: 1 })]);
    expect(api.cookies().map((c) => c.name)).toEqual(['same']);
  });
});

describe('ApiClient on a hostile server', () => {
  it('an answer over maxResponseBytes (declared, or streamed without a length) fails with ERR_NETWORK after reading no more than the limit, not retried; a body that is not JSON is ERR_NETWORK too', async () => {
    const { createServer: createHttpServer } = await import('node:http');
    let requests = 0;
    let sentBytes = 0;
    const server = createHttpServer((req, res) => {
      requests++;
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(700 * 1024 * 1024) });
        res.write('{"a":"'); // it never sends the rest: the client gives up on the length alone
        return;
      }
      if (req.url === '/streamed') {
        // Without a length, for as long as the client reads.
        sendEndlessBody(res, { prefix: '', fill: 'a', maxBytes: 64 * 1024 * 1024, onSent: (n) => (sentBytes += n) });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not json</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const api = new ApiClient({
        baseUrl: `http://127.0.0.1:${port}`,
        maxResponseBytes: 1024 * 1024,
        retry: { maxAttempts: 3, backoff: { baseMs: 1, factor: 1, maxMs: 1 } },
      });
      for (const path of ['/declared', '/streamed']) {
        const before = requests;
        const error = await api.get(path).catch((e: unknown) => e);
        expect(error, path).toMatchObject({ code: 'ERR_NETWORK', details: { tooLarge: true, limit: 1024 * 1024 } });
        expect((error as Error).message).toMatch(/answered more than 1048576 bytes \(maxResponseBytes\)/);
        expect(requests - before, path).toBe(1); // not retried
      }
      // The client stopped reading near the limit: the server could not push its 64 MiB through.
      expect(sentBytes).toBeLessThan(32 * 1024 * 1024);
      expect(await api.get('/html').catch((e: unknown) => e)).toMatchObject({ code: 'ERR_NETWORK', details: { notJson: true } });
      expect(() => new ApiClient({ baseUrl: 'http://127.0.0.1:1', maxResponseBytes: 0 })).toThrow(
        /maxResponseBytes must be a whole number of bytes above 0/,
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
