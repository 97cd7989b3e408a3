import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebDriverDriver } from '../../src/drivers/webdriver/webdriver-driver.js';
import { sendEndlessBody } from '../support/endless-body.js';

/**
 * A WebDriver endpoint that is not one (or a hostile one): its answers are read up to a bound.
 * No browser is involved: the endpoint answers the session request itself.
 */
describe('WebDriver endpoint answers are bounded', () => {
  it('an endless answer to the session request fails the launch with a message that says so, after reading about the limit', async () => {
    let sent = 0;
    const server = createServer((_req, res) =>
      sendEndlessBody(res, { prefix: '{"value":"', suffix: '"}', fill: 'a', maxBytes: 256 * 1024 * 1024, onSent: (n) => (sent += n) }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const driver = new WebDriverDriver({ url: `http://127.0.0.1:${port}`, maxAnswerBytes: 1024 * 1024 });
      const error = await driver.launch({ timeoutMs: 20_000 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_BROWSER_LAUNCH' });
      expect((error as Error).message).toMatch(/answered more than 1048576 bytes to POST \/session/);
      expect(sent).toBeLessThan(64 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
