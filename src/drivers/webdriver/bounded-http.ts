import { Agent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import http from 'selenium-webdriver/http/index.js';
import { DriverError } from '../../errors.js';

/** The fields of selenium-webdriver's Request that its own client reads (its types do not list them). */
interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly data?: unknown;
  readonly headers?: Map<string, string>;
}

/** Network errors after which a command is sent again (as selenium-webdriver's own client does). */
const RETRYABLE = new Set(['ECONNABORTED', 'ECONNRESET', 'ECONNREFUSED', 'EADDRINUSE', 'EPIPE', 'ETIMEDOUT']);
const MAX_RETRIES = 3;

/**
 * selenium-webdriver's HTTP client, but one that reads at most `maxBytes` of an answer: a WebDriver
 * endpoint (a Grid, a chromedriver, or something else at that URL) cannot make the driver hold
 * more. A larger answer is dropped with a DriverError that says so. Keep-alive and the retries
 * on a dropped connection are as in selenium-webdriver's client; redirects are not followed (no
 * WebDriver endpoint sends them).
 */
export class BoundedHttpClient extends http.HttpClient {
  readonly #base: URL;
  readonly #maxBytes: number;
  readonly #agent = new Agent({ keepAlive: true });

  constructor(serverUrl: string, maxBytes: number) {
    super(serverUrl);
    this.#base = new URL(serverUrl);
    this.#maxBytes = maxBytes;
  }

  override send(request: http.Request): Promise<http.Response> {
    const wire = request as unknown as WireRequest;
    const headers: Record<string, string> = { 'User-Agent': 'browser-actor (selenium-webdriver)', 'Content-Length': '0' };
    wire.headers?.forEach((value, name) => (headers[name] = value));
    let body: string | undefined;
    if (wire.method === 'POST' || wire.method === 'PUT') {
      body = JSON.stringify(wire.data);
      headers['Content-Length'] = String(Buffer.byteLength(body, 'utf8'));
      headers['Content-Type'] = 'application/json;charset=UTF-8';
    }
    const path = this.#base.pathname.replace(/\/$/, '') + (wire.path.startsWith('/') ? wire.path : `/${wire.path}`);
    const send = (retries: number): Promise<http.Response> =>
      new Promise<http.Response>((resolve, reject) => {
        const req = (this.#base.protocol === 'https:' ? httpsRequest : httpRequest)(
          { hostname: this.#base.hostname, port: this.#base.port, path, method: wire.method, headers, agent: this.#agent },
          (res) => {
            const chunks: Buffer[] = [];
            let total = 0;
            res.on('data', (chunk: Buffer) => {
              total += chunk.length;
              if (total > this.#maxBytes) {
                req.destroy();
                reject(
                  new DriverError(
                    `The WebDriver endpoint answered more than ${this.#maxBytes} bytes to ${wire.method} ${wire.path.slice(0, 100)}; the answer was dropped`,
                  ),
                );
                return;
              }
              chunks.push(chunk);
            });
            res.on('end', () =>
              resolve(new http.Response(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8').replace(/\0/g, ''))),
            );
            res.on('error', reject);
          },
        );
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (retries < MAX_RETRIES && error.code !== undefined && RETRYABLE.has(error.code)) {
            setTimeout(() => void send(retries + 1).then(resolve, reject), 15);
          } else {
            reject(new Error(error.code ? `${error.code} ${error.message}` : error.message));
          }
        });
        req.end(body);
      });
    return send(0);
  }
}
