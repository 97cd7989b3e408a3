import { request as httpRequest } from 'node:http';
import { unusedTotpCode } from '../../src/internal/totp.js';

/** A tiny cookie-keeping HTTP client for the reference site (plain fetch, manual redirects). */
export class SiteClient {
  readonly origin: string;
  readonly cookies = new Map<string, string>();

  /** With `localAddress` (such as 127.0.0.2), requests come from that address: another client, as the site sees it. */
  readonly #localAddress: string | undefined;

  constructor(origin: string, options: { localAddress?: string } = {}) {
    this.origin = origin;
    this.#localAddress = options.localAddress;
  }

  async request(
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string>; form?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res =
      this.#localAddress === undefined
        ? await fetch(this.origin + path, {
            method,
            headers,
            redirect: 'manual',
            ...(body === undefined ? {} : { body }),
            ...(init.signal ? { signal: init.signal } : {}),
          })
        : await requestFrom(this.#localAddress, this.origin + path, method, headers, body);
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attrs.some((a) => /^\s*max-age=0$/i.test(a)) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get(path: string): Promise<Response> {
    return this.request('GET', path);
  }

  async json(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await this.get(path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Sign in through the HTML form (and the TOTP step when `totpSecret` is given). Returns the final redirect target. */
  async signIn(username: string, password: string, totpSecret?: string): Promise<string> {
    const page = await (await this.get('/sign-in')).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    if (!csrf) throw new Error('no CSRF token on the sign-in page');
    let res = await this.request('POST', '/sign-in', { form: { csrf, username, password } });
    if (res.status !== 302) throw new Error(`sign-in answered ${res.status}`);
    if (res.headers.get('location') === '/sign-in/2fa') {
      if (!totpSecret) throw new Error('the site asks for a second factor');
      res = await this.request('POST', '/sign-in/2fa', { form: { csrf, code: await unusedTotpCode(totpSecret) } });
      if (res.status !== 302) throw new Error(`second factor answered ${res.status}`);
    }
    return res.headers.get('location') ?? '';
  }
}

/** One HTTP request from a given local address (fetch cannot choose one), as a fetch Response. */
function requestFrom(
  localAddress: string,
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, localAddress, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers))
          for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) h.append(k, one);
        const status = res.statusCode ?? 0;
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: h }));
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
