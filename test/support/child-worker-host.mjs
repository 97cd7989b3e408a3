// A worker host (from the built package) as its own process, for the BullMQ tests: argv[2] is the
// Redis URL, argv[3] the host id, argv[4] the worker count, argv[5] (optional) a driver module
// for the workers (the Fake browser); without it, workers drive real Chromium under
// $BROWSER_ACTOR_TMPDIR; $QUEUE names the queue, $LANES the tabs per browser, $LOCK_MS and $LIVE_TTL_MS
// the host's lock and registry timings (the host's defaults when unset), $SUPERVISOR (JSON) the
// workers' supervisor options. Prints "ready <hostId> <worker pids>" once it serves, "recycles <n>"
// whenever its browsers' planned recycles (from the workers' heartbeats) change; stops on SIGTERM.
import { startWorkerHost } from '../../dist/index.js';

const [url, hostId, workers = '1', driverModule] = process.argv.slice(2);
const host = await startWorkerHost({
  redis: url,
  hostId,
  queue: process.env['QUEUE'] ?? 'browser-actor',
  workers: Number(workers),
  lanes: Number(process.env['LANES'] ?? '1'),
  ...(process.env['LOCK_MS'] ? { lockMs: Number(process.env['LOCK_MS']) } : {}),
  ...(process.env['LIVE_TTL_MS'] ? { liveTtlMs: Number(process.env['LIVE_TTL_MS']) } : {}),
  backoff: { baseMs: 50 },
  ...(process.env['SUPERVISOR'] ? { supervisor: JSON.parse(process.env['SUPERVISOR']) } : {}),
  ...(driverModule ? { driverModule } : {}),
});
process.stdout.write(
  `ready ${host.id} ${host.dispatcher
    .stats()
    .workers.map((w) => w.pid)
    .join(',')}\n`,
);
let recycles = 0;
setInterval(() => {
  const now = host.dispatcher.executorHealth().recycles;
  if (now !== recycles) process.stdout.write(`recycles ${(recycles = now)}\n`);
}, 100).unref();
process.on('SIGTERM', () => void host.stop({ timeoutMs: 10_000 }));
await host.closed;
process.stdout.write(`served ${host.served()}\n`);
