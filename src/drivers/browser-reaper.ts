import { removeBrowserDir } from './browser-dirs.js';
import { type ProcessInfo, processesWithMarker, readProcess, signalGroup, signalProcess, waitFor } from './process-tree.js';

/**
 * How a driver ends a browser of its own: `group` is the process group it started (the browser's,
 * or the one chromedriver and the browser share), `root` the browser's directory, which every
 * process of the browser names on its command line (the crash handler included, which lives in
 * a session of its own, outside the group).
 */
export interface OwnBrowser {
  readonly group: number | null;
  readonly root: string | undefined;
}

/** The live processes of the browser in `root`. */
export function liveProcessesUnder(root: string | undefined): ProcessInfo[] {
  return root === undefined ? [] : processesWithMarker(root).filter((p) => p.state !== 'Z');
}

/** SIGKILL the group and every process of ours outside it, now. */
export function killOwnBrowser({ group, root }: OwnBrowser): void {
  if (group !== null) signalGroup(group, 'SIGKILL');
  for (const p of liveProcessesUnder(root)) signalProcess(p.pid, 'SIGKILL');
}

/**
 * After close: kill what survived the polite close, give the crash handler (it exits about a
 * second after the browser) time to go, kill any straggler, then remove the directory.
 */
export async function reapOwnBrowser(browser: OwnBrowser): Promise<void> {
  if (browser.group !== null && readProcess(browser.group)) signalGroup(browser.group, 'SIGKILL');
  // Each check scans /proc, which costs CPU that a replacement browser starting meanwhile needs:
  // check every 100 ms, not every 25.
  if (!(await waitFor(() => liveProcessesUnder(browser.root).length === 0, 2000, 100))) {
    killOwnBrowser(browser);
    await waitFor(() => liveProcessesUnder(browser.root).length === 0, 2000, 100);
  }
  if (browser.root !== undefined) removeBrowserDir(browser.root);
}
