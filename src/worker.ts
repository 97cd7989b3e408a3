/**
 * Entry of a WorkDispatcher worker process (forked by `createWorkDispatcher`): hosts one
 * SessionSupervisor on its own Chromium, or on the driver a test module provides. Not meant to
 * be run by hand.
 */
import { pathToFileURL } from 'node:url';
import { createSessionSupervisor } from './compose.js';
import type { Driver } from './drivers/driver.js';
import { InvalidOptionError } from './errors.js';
import type { WorkerConfig } from './runtime/dispatch/codec.js';
import { type ParentChannel, runWorkerHost } from './runtime/dispatch/worker-host.js';
import { SessionSupervisor, type SessionSupervisorOptions } from './runtime/supervisor/session-supervisor.js';

if (!process.send) {
  process.stderr.write('browser-actor: this is a dispatcher worker process; start it with createWorkDispatcher()\n');
  process.exit(2);
}

// A test module that supplies its own driver (the Fake browser) is loaded before the first message.
const moduleArg = process.argv[2];
let driverFactory: (() => Driver) | undefined;
if (moduleArg) {
  const loaded = (await import(moduleArg.startsWith('file:') ? moduleArg : pathToFileURL(moduleArg).href)) as { createDriver?: unknown };
  if (typeof loaded.createDriver !== 'function')
    throw new InvalidOptionError(`driverModule ${moduleArg} does not export a createDriver() function`);
  driverFactory = loaded.createDriver as () => Driver;
}

runWorkerHost(
  process as unknown as ParentChannel,
  (config: WorkerConfig) => {
    const options = config.supervisor as Omit<SessionSupervisorOptions, 'driver'>;
    if (driverFactory) return new SessionSupervisor({ ...options, driver: driverFactory });
    return createSessionSupervisor({ ...options, browser: config.browser });
  },
  (code) => process.exit(code),
);
