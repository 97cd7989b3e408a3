import type { ServerResponse } from 'node:http';

/**
 * Stream `prefix`, then chunks of `fill` for as long as the client reads (up to `maxBytes`), then
 * `suffix`: a body far larger than any real answer, sent without a length. `onSent` counts the
 * bytes pushed, so a test can show that the client stopped reading near its limit.
 */
export function sendEndlessBody(
  res: ServerResponse,
  options: { prefix: string; suffix?: string; fill: string; maxBytes: number; onSent: (bytes: number) => void },
): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, options.fill);
  let sent = 0;
  res.write(options.prefix);
  const pump = (): void => {
    while (!res.destroyed && sent < options.maxBytes) {
      sent += chunk.length;
      options.onSent(chunk.length);
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end(options.suffix ?? '');
  };
  pump();
}
