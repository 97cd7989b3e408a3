import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, processesWithMarker } from './process-tree.js';

/**
 * Each browser gets one directory `<parent>/b-<ownerPid>-<random>` holding its profile, its
 * TMPDIR (where Chromium puts its `org.chromium.Chromium.*` files) and its HOME (where the crash
 * handler keeps its database). Everything a browser leaves behind is therefore reachable from one
 * path that we remove on close, and that path in a command line marks a process as ours.
 *
 * One exception: Chromium creates a Unix socket under TMPDIR, and socket paths are limited to 107
 * bytes. When the browser directory is too deep for that, TMPDIR goes in a short directory
 * elsewhere, and a symlink `tmp-link` inside the browser directory points to it, so that removal
 * and the stale-directory sweep still find it.
 */
export interface BrowserDirs {
  readonly root: string;
  readonly profile: string;
  readonly tmp: string;
  readonly home: string;
}

/** Longest TMPDIR that leaves room for `/org.chromium.Chromium.XXXXXX/SingletonSocket` in 107 bytes. */
const MAX_TMPDIR_LENGTH = 60;
const TMP_LINK = 'tmp-link';

/** The parent of all browser directories: `$BROWSER_ACTOR_TMPDIR`, else `<os tmpdir>/browser-actor`. */
export function browserDirsRoot(): string {
  return process.env['BROWSER_ACTOR_TMPDIR'] || join(tmpdir(), 'browser-actor');
}

export function createBrowserDirs(parent = browserDirsRoot()): BrowserDirs {
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(join(parent, `b-${process.pid}-`));
  const profile = join(root, 'profile');
  const home = join(root, 'home');
  mkdirSync(profile);
  mkdirSync(home);
  let tmp = join(root, 'tmp');
  if (tmp.length <= MAX_TMPDIR_LENGTH) {
    mkdirSync(tmp);
  } else {
    const base = tmpdir().length <= 30 ? tmpdir() : '/tmp';
    tmp = mkdtempSync(join(base, `ba-${process.pid}-`));
    symlinkSync(tmp, join(root, TMP_LINK));
  }
  return { root, profile, tmp, home };
}

/** Remove a browser directory, and its short TMPDIR if it has one elsewhere. */
export function removeBrowserDir(root: string): void {
  const link = join(root, TMP_LINK);
  try {
    if (lstatSync(link).isSymbolicLink()) removeDir(readlinkSync(link));
  } catch {
    // No link: TMPDIR is inside root.
  }
  removeDir(root);
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

/**
 * Remove directories left by owners that died without cleaning up (a SIGKILLed process), unless
 * some process still uses them. Returns the directories removed.
 */
export function sweepStaleBrowserDirs(parent = browserDirsRoot()): string[] {
  if (!existsSync(parent)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    const match = /^b-(\d+)-/.exec(name);
    if (!match) continue;
    const owner = Number(match[1]);
    if (owner === process.pid || isAlive(owner)) continue;
    const dir = join(parent, name);
    if (processesWithMarker(dir).some((p) => p.state !== 'Z')) continue;
    removeBrowserDir(dir);
    removed.push(dir);
  }
  return removed;
}
