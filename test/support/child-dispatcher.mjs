// A separate process that runs a WorkDispatcher (from the built package) with two workers on real
// Chromium (under $BROWSER_ACTOR_TMPDIR), serves one page of the site at argv[2] on each, prints
// its workers' pids, then waits to be killed. Used to prove that neither a worker nor
// a browser outlives a SIGKILLed dispatcher.
import { Navigate, createWorkDispatcher } from '../../dist/index.js';

const dispatcher = createWorkDispatcher({ workers: 2 });
await dispatcher.start();
await Promise.all([0, 1].map((i) => dispatcher.submit(Navigate(`${process.argv[2]}/landed?i=${i}`))));
const workers = dispatcher.stats().workers;
process.stdout.write(`workers ${workers.map((w) => w.pid).join(',')}\n`);
setInterval(() => undefined, 60_000);
