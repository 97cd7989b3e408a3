import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pngSize } from '../../src/internal/png.js';

// import.meta.dirname needs Node 20.11; the package supports Node 20.3 and later.
const here = dirname(fileURLToPath(import.meta.url));

const main = join(here, '..', '..', 'dist', 'cli', 'main.js');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ACTOR_MODE: '' } });

describe('browser-actor CLI (built package)', () => {
  it('is built (npm test builds it first)', () => {
    expect(existsSync(main), 'dist/cli/main.js is missing: run `npm run build` (npm test does it for you)').toBe(true);
  });

  it('--help prints usage and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage:\n {2}browser-actor <command> \[options\]/);
    expect(r.stdout).toMatch(/demo {17}Start a BrowserActor on real headless Chromium/);
  });

  it('bad usage exits 2 with a message that says what to do', () => {
    const unknown = run('frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown command "frobnicate"; commands: start, research, worker, serve, status, demo, help\nRun `browser-actor --help` for usage./,
    );
    const badFlag = run('demo', '--actor-mode', 'maybe');
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toMatch(/--actor-mode must be on or off, got "maybe"/);
    expect(run('--nope').status).toBe(2);
  });

  it('demo runs every task on real Chromium, prints the results, and never prints a cookie value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-demo-'));
    const shot = join(dir, 'shot.png');
    const r = run('demo', '--screenshot', shot);
    expect(r.stderr.replace(/.*unexpected operator\n?/g, '')).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/browser-actor demo — chromium \d+\.\d+/);
    expect(r.stdout).toMatch(/mode: actor/);
    expect(r.stdout).toMatch(/Navigate\(\/\) +\d+ms {2}→ \{"url":"http:\/\/127\.0\.0\.1:\d+\/","status":200\}/);
    expect(r.stdout).toMatch(/"people":\["Ada Lovelace \(1850–1921\)"/);
    expect(r.stdout).toMatch(/ERR_TASK_TIMEOUT: Task actor-1:\d+ \(ExecuteJS\) timed out after 500ms/);
    expect(r.stdout).toMatch(/ExecuteJS\(1 \+ 1\) after the timeout +\d+ms {2}→ 2/);
    expect(r.stdout).toMatch(/ERR_INVALID_TASK: Navigate.url uses the "javascript:" scheme/);
    expect(r.stdout).toMatch(/all 3 answered by the new browser \(pid \d+\) \d+ms after the kill → \[10,20,30\]/);
    expect(r.stdout).toMatch(/session after the restart: session_id=<15 chars hidden> HttpOnly .* \(the same session\)/);
    expect(r.stdout).toMatch(/health: healthy, 1 restart, last fault: browser-disconnected/);
    expect(r.stdout).toMatch(/stopped: browser closed/);
    expect(r.stdout).toContain('session_id=<15 chars hidden> HttpOnly');
    expect(r.stdout).not.toContain('demo-7f3a9c2e41'); // the session cookie's value
    expect(pngSize(new Uint8Array(readFileSync(shot)))).toEqual({ width: 1280, height: 720 });
    rmSync(dir, { recursive: true, force: true });
  });
});
