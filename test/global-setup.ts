import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesWithMarker, signalProcess } from '../src/drivers/process-tree.js';
import { chromiumTmpDirs, leftoversUnder } from './support/leftovers.js';

/**
 * Every browser the suite starts lives under one directory (BROWSER_ACTOR_TMPDIR). After the
 * whole suite, no process may still name it and it must be empty, and no Chromium temporary
 * directory (`org.chromium.Chromium.*`) may have appeared in the system temp directory: every
 * Chromium of ours keeps its temporary files inside its own directory. A leak fails the run.
 * (The last check is made here, once, and not per file: a file that ends while another file's
 * browser runs would see that browser's live directory.)
 */
export default function setup(): () => Promise<void> {
  const root = join(tmpdir(), `browser-actor-test-${process.pid}`);
  mkdirSync(root, { recursive: true });
  process.env['BROWSER_ACTOR_TMPDIR'] = root;
  const chromiumTmpBefore = new Set(chromiumTmpDirs());
  return async () => {
    const underRoot = await leftoversUnder(root, 6000);
    const inTmp = chromiumTmpDirs()
      .filter((name) => !chromiumTmpBefore.has(name))
      .map((name) => join(tmpdir(), name));
    const left = [...underRoot, ...inTmp];
    // Clean up either way (processes by pid, never by name), then report.
    for (const p of processesWithMarker(root)) signalProcess(p.pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
    for (const dir of inTmp) rmSync(dir, { recursive: true, force: true });
    if (left.length > 0) {
      // Vitest reports an error thrown here but still exits 0, so set the exit code ourselves.
      process.exitCode = 1;
      throw new Error(`The test suite left ${left.length} browser leftovers:\n${left.join('\n')}`);
    }
    console.log(`No browser processes or directories left under ${root}.`);
  };
}
