// A driver module for dispatcher workers in tests: the Fake browser (from the built package)
// serving a small site in memory. `createDriver` is what a worker calls for each browser.
import { FakeDriver } from '../../dist/testing.js';

const origin = 'http://127.0.0.1:18090';
const page = (title, body = '') => ({ status: 200, headers: { 'content-type': 'text/html' }, body: `<!doctype html><title>${title}</title>${body}` });

async function site(request) {
  const url = new URL(request.url);
  switch (url.pathname) {
    case '/slow':
      await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get('ms') ?? '500')));
      return page('Slow');
    case '/person':
      return page(`Person ${url.searchParams.get('id') ?? '0'}`);
    case '/sign-in':
      return { status: 302, headers: { location: '/', 'set-cookie': `sid=${url.searchParams.get('user') ?? 'u'}; Path=/; HttpOnly` } };
    default:
      return page('Home');
  }
}

export const FAKE_ORIGIN = origin;

export function createDriver() {
  return new FakeDriver({ sites: { [origin]: site } });
}
