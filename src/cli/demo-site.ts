import { type Server, createServer } from 'node:http';
import { type LoopbackServer, listenOnLoopback } from '../internal/loopback-server.js';

export type DemoSite = LoopbackServer;

const PAGE = `<!doctype html>
<html><head><title>Demo family tree</title>
<style>body{font-family:sans-serif;margin:2em;max-width:40em} li{margin:.3em 0}</style></head>
<body>
<h1>Demo family tree</h1>
<p>A local page served by browser-actor's demo, on 127.0.0.1.</p>
<ul id="people">
  <li data-born="1850">Ada Lovelace (1850–1921)</li>
  <li data-born="1878">Charles Lovelace (1878–1950)</li>
  <li data-born="1904">Mary Lovelace (1904–1988)</li>
</ul>
</body></html>`;

/** A tiny local site for the demo: one page that sets a session cookie. Bound to 127.0.0.1. */
export async function startDemoSite(): Promise<DemoSite> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/') {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('set-cookie', ['session_id=demo-7f3a9c2e41; HttpOnly; Path=/; SameSite=Lax', 'theme=light; Path=/']);
    res.end(PAGE);
  });
  return listenOnLoopback(server);
}
