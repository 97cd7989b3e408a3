import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { processesWithMarker, waitFor } from '../../src/drivers/process-tree.js';

/**
 * What a browser of ours could leave behind under `marker` (a directory all its processes and
 * files live under): processes (zombies included) and directory entries. Waits up to
 * `graceMs` for both to go, since the crash handler exits about a second after the browser.
 */
export async function leftoversUnder(marker: string, graceMs = 4000): Promise<string[]> {
  const find = (): string[] => [
    ...processesWithMarker(marker).map((p) => `process ${p.pid} (${p.state}) ${p.cmdline.slice(0, 80)}`),
    ...(existsSync(marker) ? readdirSync(marker).map((name) => `directory ${marker}/${name}`) : []),
  ];
  await waitFor(() => find().length === 0, graceMs, 50);
  return find();
}

/** Chromium's own temporary directories in /tmp (a SIGKILLed browser that used /tmp leaves one). */
export function chromiumTmpDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('org.chromium.Chromium.'));
}
