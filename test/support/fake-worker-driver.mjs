// A driver module for dispatcher workers in tests: the Fake browser (from the built package)
// serving a small site in memory. `createDriver` is what a worker calls for each browser.
import { existsSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { serialize } from 'node:v8';
import { FakeDriver } from '../../dist/testing.js';

const origin = 'http://127.0.0.1:18090';
const page = (title, body = '') => ({
  status: 200,
  headers: { 'content-type': 'text/html' },
  body: `<!doctype html><title>${title}</title>${body}`,
});

async function site(request) {
  const url = new URL(request.url);
  switch (url.pathname) {
    case '/slow':
      await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get('ms') ?? '500')));
      return page('Slow');
    case '/person':
      return page(`Person ${url.searchParams.get('id') ?? '0'}`);
    case '/malformed': {
      // The worker process itself sends the parent a message no worker of ours sends, once per
      // marker file (so that the task's re-run on the replacement worker finds a normal page).
      const marker = url.searchParams.get('marker') ?? '';
      if (!existsSync(marker)) {
        writeFileSync(marker, '');
        const kind = url.searchParams.get('kind') ?? '';
        const message = malformed(kind, url.searchParams.get('id') ?? '');
        // On the wire, as the dispatcher's codec frames it (structured clone, base64), unless the kind is about the frame itself.
        if (kind === 'unframed') process.send?.(message);
        else if (kind === 'garbled-frame') process.send?.({ m: Buffer.from('not a structured clone').toString('base64') });
        else if (kind === 'deep-cause') process.send?.({ m: deepCauseFrame(url.searchParams.get('id') ?? '', 3000).toString('base64') });
        else process.send?.({ m: serialize(message).toString('base64') });
      }
      return page('Malformed');
    }
    case '/sign-in':
      return { status: 302, headers: { location: '/', 'set-cookie': `sid=${url.searchParams.get('user') ?? 'u'}; Path=/; HttpOnly` } };
    default:
      return page('Home');
  }
}

/** Messages a broken worker might send: wrong types where the dispatcher reads fields, hostile error codes, endless causes. */
function malformed(kind, id) {
  const error = (extra) => ({ name: 'Error', code: 'ERR_DRIVER', message: 'from a broken worker', ...extra });
  switch (kind) {
    case 'pong-null-health':
      return { t: 'pong', seq: 1, health: null };
    case 'failed-null-error':
      return { t: 'failed', id, error: null };
    case 'fatal-null-error':
      return { t: 'fatal', error: null };
    case 'proto-code':
      return { t: 'failed', id, error: error({ code: '__proto__' }) };
    default:
      return { t: kind, id };
  }
}

/**
 * `{ t: 'failed', id, error: { cause: { cause: … } } }`, `depth` causes deep, in V8's
 * structured-clone bytes, written out by hand: V8's own serializer recurses and runs out of stack
 * on such a chain before it could send it, while a broken worker could still send the bytes.
 */
function deepCauseFrame(id, depth) {
  const str = (s) => Buffer.concat([Buffer.from([0x22, s.length]), Buffer.from(s, 'latin1')]);
  const parts = [Buffer.from([0xff, 0x0f, 0x6f]), str('t'), str('failed'), str('id'), str(id), str('error')];
  for (let i = 0; i < depth; i++) parts.push(Buffer.from([0x6f]), str('cause'));
  parts.push(Buffer.from([0x6f, 0x7b, 0x00]));
  for (let i = 0; i < depth; i++) parts.push(Buffer.from([0x7b, 0x01]));
  parts.push(Buffer.from([0x7b, 0x03]));
  return Buffer.concat(parts);
}

export const FAKE_ORIGIN = origin;

export function createDriver() {
  return new FakeDriver({ sites: { [origin]: site } });
}
