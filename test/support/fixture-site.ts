import { ExecuteJS } from '../../src/runtime/tasks/constructors.js';
import { FAKE_PAGE_HEIGHT_HEADER, type FakeRequest, type FakeResponse, type FakeSiteHandler } from '../../src/drivers/fake/fake-site.js';

const html = (title: string, body = ''): string => `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`;

/** Images held until a test lets them go (`/held-image?key=K`): the requests seen, and the releases. */
const held = new Map<string, { requested: () => void; seen: Promise<void>; release: () => void; released: Promise<void> }>();
function heldImage(key: string): NonNullable<ReturnType<typeof held.get>> {
  let entry = held.get(key);
  if (!entry) {
    let requested = (): void => undefined;
    let release = (): void => undefined;
    const seen = new Promise<void>((resolve) => (requested = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    entry = { requested, seen, release, released };
    held.set(key, entry);
  }
  return entry;
}

/**
 * For `/held-image-page?key=K`, a page whose one image answers only once released: `seen`
 * resolves when the browser asked for the image, `release()` lets its answer go.
 */
export function holdImage(key: string): { readonly seen: Promise<void>; release(): void } {
  const entry = heldImage(key);
  return { seen: entry.seen, release: entry.release };
}

/**
 * The pages every driver is tested against. Origin-agnostic: it routes on the path only, so the
 * same handler serves the Fake in memory and real Chromium through {@link startFixtureServer}.
 */
export const fixtureSite: FakeSiteHandler = async (request: FakeRequest): Promise<FakeResponse> => {
  const url = new URL(request.url);
  switch (url.pathname) {
    case '/':
      return { status: 200, headers: { 'content-type': 'text/html' }, body: html('Home', '<h1>Home</h1>') };
    case '/set-cookies':
      return {
        status: 200,
        headers: {
          'content-type': 'text/html',
          'set-cookie': ['plain=one; Path=/', 'secret=s3cr3t-value; HttpOnly; Path=/', 'strict=three; SameSite=Strict; Path=/'],
        },
        body: html('Cookies set'),
      };
    case '/echo-cookies':
      // The title carries the Cookie header the browser sent, so tests can read it back.
      return { status: 200, headers: { 'content-type': 'text/html' }, body: html(`cookies:${request.headers['cookie'] ?? ''}`) };
    case '/redirect':
      return { status: 302, headers: { location: '/landed' } };
    case '/redirect-set-cookie':
      // A sign-in answers like this: the session cookie comes with a redirect.
      return { status: 302, headers: { location: '/landed', 'set-cookie': 'hop=1; Path=/; HttpOnly' } };
    case '/api/set-cookie':
      // An API call whose answer sets a cookie (fetched by a page script).
      return { status: 204, headers: { 'set-cookie': `api=${url.searchParams.get('v') ?? '1'}; Path=/; HttpOnly` } };
    case '/inline-cookie':
      // The page's own script writes a cookie and local storage while it loads (real browsers only: the Fake runs no page scripts).
      return {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: html(
          'Inline',
          `<script>document.cookie = 'inline=${url.searchParams.get('v') ?? '1'}; path=/'; localStorage.inline = '${url.searchParams.get('v') ?? '1'}';</script>`,
        ),
      };
    case '/landed':
      return { status: 200, headers: { 'content-type': 'text/html' }, body: html('Landed') };
    case '/missing':
      return { status: 404, headers: { 'content-type': 'text/html' }, body: html('Not found') };
    case '/tall':
      return {
        status: 200,
        headers: { 'content-type': 'text/html', [FAKE_PAGE_HEIGHT_HEADER]: '3000' },
        body: `<!doctype html><html><head><title>Tall</title></head><body style="margin:0"><div style="height:3000px;background:#ddd"></div></body></html>`,
      };
    case '/slow': {
      const ms = Number(url.searchParams.get('ms') ?? '1000');
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { status: 200, headers: { 'content-type': 'text/html' }, body: html('Slow') };
    }
    case '/exec':
      // The side effect of a non-idempotent script: the server counts requests per task id.
      return { status: 204, headers: { 'access-control-allow-origin': '*' } };
    case '/person': {
      const id = Number(url.searchParams.get('id') ?? '0');
      return {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: html(`Person ${id}`, `<h1 id="name">Person ${id}</h1><p id="life">${1800 + (id % 150)}–${1870 + (id % 150)}</p>`),
      };
    }
    case '/held-image-page': {
      const key = url.searchParams.get('key') ?? '';
      return {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: html('Held', `<h1 id="name">Held</h1><img src="/held-image?key=${encodeURIComponent(key)}">`),
      };
    }
    case '/held-image': {
      const entry = heldImage(url.searchParams.get('key') ?? '');
      entry.requested();
      await entry.released;
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'no image' };
    }
    case '/never':
      // A server that accepts the request and never answers.
      return new Promise<never>(() => undefined);
    default:
      return { status: 404, headers: { 'content-type': 'text/html' }, body: html('Unknown') };
  }
};

/** Reads the name a `/person?id=N` page shows ("Person N"); idempotent. */
export const readPersonName = ExecuteJS<string>("return document.querySelector('#name')?.textContent ?? null", [], { idempotent: true });
