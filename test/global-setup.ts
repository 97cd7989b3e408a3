import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesWithMarker, signalProcess } from '../src/drivers/process-tree.js';
import { leftoversUnder } from './support/leftovers.js';

/**
 * Every browser the suite starts lives under one directory (BROWSER_ACTOR_TMPDIR). After the
 * whole suite, no process may still name it and it must be empty: a leak fails the run.
 */
export default function setup(): () => Promise<void> {
  const root = join(tmpdir(), `browser-actor-test-${process.pid}`);
  mkdirSync(root, { recursive: true });
  process.env['BROWSER_ACTOR_TMPDIR'] = root;
  return async () => {
    const left = await leftoversUnder(root, 6000);
    // Clean up either way (by pid, never by name), then report.
    for (const p of processesWithMarker(root)) signalProcess(p.pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) {
      // Vitest reports an error thrown here but still exits 0, so set the exit code ourselves.
      process.exitCode = 1;
      throw new Error(`The test suite left ${left.length} browser leftovers:\n${left.join('\n')}`);
    }
    console.log(`No browser processes or directories left under ${root}.`);
  };
}
