import { removeBrowserDir } from './browser-dirs.js';
import { processesWithMarker, signalGroup, signalProcess } from './process-tree.js';

/**
 * Last-resort cleanup when our process ends without closing its browsers. On `exit` (a normal
 * end, `process.exit()`, an uncaught exception) and, unless disabled, on SIGTERM, SIGINT and
 * SIGHUP, every registered browser's process group and stray processes are SIGKILLed and its
 * directory removed, synchronously. After a signal, if no one else listens for it, the signal is
 * raised again so the process still dies of it, as it would have without us. (SIGKILL cannot be
 * caught: there the pipe transport ends the browser and the next start sweeps its directory.)
 */
interface LiveBrowser {
  readonly pid: () => number | null;
  readonly root: string;
}

const live = new Map<object, LiveBrowser>();
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
let exitHooked = false;
let signalsHooked = false;

/** Track a running browser until {@link forgetBrowser}. `handleSignals` installs the signal handlers (once per process). */
export function rememberBrowser(key: object, browser: LiveBrowser, handleSignals: boolean): void {
  live.set(key, browser);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', killAllNow);
  }
  if (handleSignals && !signalsHooked) {
    signalsHooked = true;
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
}

export function forgetBrowser(key: object): void {
  live.delete(key);
}

/** How many browsers are registered (for tests). */
export function rememberedBrowsers(): number {
  return live.size;
}

function killAllNow(): void {
  for (const browser of live.values()) {
    const pid = browser.pid();
    if (pid !== null) signalGroup(pid, 'SIGKILL');
    for (const p of processesWithMarker(browser.root)) if (p.state !== 'Z') signalProcess(p.pid, 'SIGKILL');
    try {
      removeBrowserDir(browser.root);
    } catch {
      // Best effort while exiting; the next start sweeps what is left.
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllNow();
  if (process.listenerCount(signal) === 1) {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    signalsHooked = false;
    process.kill(process.pid, signal);
  }
}
