import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, processesWithMarker } from './process-tree.js';

/**
 * Each browser gets one directory `<root>/b-<ownerPid>-<random>` holding its profile, its TMPDIR
 * (where Chromium puts its `org.chromium.Chromium.*` files) and its HOME (where the crash
 * handler keeps its database). Everything a browser leaves behind is therefore under one path
 * that we remove on close, and that path in a command line marks a process as ours.
 */
export interface BrowserDirs {
  readonly root: string;
  readonly profile: string;
  readonly tmp: string;
  readonly home: string;
}

/** The parent of all browser directories: `$BROWSER_ACTOR_TMPDIR`, else `<os tmpdir>/browser-actor`. */
export function browserDirsRoot(): string {
  return process.env['BROWSER_ACTOR_TMPDIR'] || join(tmpdir(), 'browser-actor');
}

export function createBrowserDirs(parent = browserDirsRoot()): BrowserDirs {
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(join(parent, `b-${process.pid}-`));
  const dirs = { root, profile: join(root, 'profile'), tmp: join(root, 'tmp'), home: join(root, 'home') };
  for (const dir of [dirs.profile, dirs.tmp, dirs.home]) mkdirSync(dir);
  return dirs;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

/**
 * Remove directories left by owners that died without cleaning up (a SIGKILLed process), unless
 * some process still uses them. Returns the directories removed.
 */
export function sweepStaleBrowserDirs(parent = browserDirsRoot()): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = /^b-(\d+)-/.exec(name);
    if (!match) continue;
    const owner = Number(match[1]);
    if (owner === process.pid || isAlive(owner)) continue;
    const dir = join(parent, name);
    if (processesWithMarker(dir).some((p) => p.state !== 'Z')) continue;
    removeDir(dir);
    removed.push(dir);
  }
  return removed;
}
