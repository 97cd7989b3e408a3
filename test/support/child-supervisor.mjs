// A separate process that runs a SessionSupervisor on real Chromium (from the built package),
// signs in to the fixture site given as argv[2], prints the browser's pid, then waits to be
// killed. Used to prove that no browser or directory outlives a SIGTERMed or SIGKILLed owner.
import { Navigate, createSessionSupervisor } from '../../dist/index.js';

const supervisor = createSessionSupervisor();
await supervisor.startActor();
await supervisor.submit(Navigate(`${process.argv[2]}/set-cookies`));
process.stdout.write(`browser-pid ${supervisor.browser?.pid}\n`);
setInterval(() => undefined, 60_000);
