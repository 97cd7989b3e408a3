// A separate process that starts an actor on real Chromium (from the built package), prints the
// browser's pid, then waits to be killed. Used to prove that no browser outlives its owner.
import { createBrowserActor } from '../../dist/index.js';

const actor = createBrowserActor({ actorMode: true });
await actor.start();
process.stdout.write(`browser-pid ${actor.browser?.pid}\n`);
setInterval(() => undefined, 60_000);
