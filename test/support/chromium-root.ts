import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { PlaywrightDriver } from '../../src/drivers/playwright/playwright-driver.js';
import { processesWithMarker } from '../../src/drivers/process-tree.js';
import { SessionSupervisor, type SessionSupervisorOptions } from '../../src/runtime/supervisor/session-supervisor.js';
import { type FixtureServer, startFixtureServer } from './fixture-server.js';
import { fixtureSite } from './fixture-site.js';
import { leftoversUnder } from './leftovers.js';

/** Live Chromium main processes (no `--type=`, not the crash handler) under `root`, launching ones included. */
export function browserMainsUnder(root: string): number[] {
  return processesWithMarker(root)
    .filter((p) => p.state !== 'Z' && !p.cmdline.includes('--type=') && !p.cmdline.includes('crashpad'))
    .map((p) => p.pid);
}

export interface ChromiumFile {
  readonly server: FixtureServer;
  readonly root: string;
  /** A supervisor whose browsers live under this file's root, with short backoff and grace. */
  supervised(options: Partial<SessionSupervisorOptions>): { supervisor: SessionSupervisor; drivers: PlaywrightDriver[] };
  browserMains(): number[];
}

/**
 * One fixture server and one browser directory for a test file on real Chromium; after the
 * file, nothing of ours may be left: no process or file under the root, no Chromium temp dir.
 */
export function useChromiumFile(prefix: string): ChromiumFile {
  const state: { server?: FixtureServer; root?: string } = {};
  beforeAll(async () => {
    state.server = await startFixtureServer(fixtureSite);
    state.root = mkdtempSync(join(browserDirsRoot(), prefix));
  });
  afterAll(async () => {
    await state.server?.close();
    const root = state.root as string;
    expect(await leftoversUnder(root)).toEqual([]);
    rmdirSync(root);
  });
  return {
    get server() {
      return state.server as FixtureServer;
    },
    get root() {
      return state.root as string;
    },
    supervised(options) {
      const drivers: PlaywrightDriver[] = [];
      const supervisor = new SessionSupervisor({
        driver: () => {
          const d = new PlaywrightDriver({ tmpRoot: state.root as string });
          drivers.push(d);
          return d;
        },
        backoff: { baseMs: 50 },
        actor: { cancelGraceMs: 1000, closeTimeoutMs: 3000 },
        ...options,
      });
      return { supervisor, drivers };
    },
    browserMains: () => browserMainsUnder(state.root as string),
  };
}
