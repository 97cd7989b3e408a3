import { unusedTotpCode } from '../../src/internal/totp.js';

/** A tiny cookie-keeping HTTP client for the reference site (plain fetch, manual redirects). */
export class SiteClient {
  readonly origin: string;
  readonly cookies = new Map<string, string>();

  constructor(origin: string) {
    this.origin = origin;
  }

  async request(method: string, path: string, init: { body?: string; headers?: Record<string, string>; form?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(this.origin + path, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }), ...(init.signal ? { signal: init.signal } : {}) });
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
