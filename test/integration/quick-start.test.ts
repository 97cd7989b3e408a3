import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { descendantsOf, isAlive, signalProcess, waitFor } from '../../src/drivers/process-tree.js';

/**
 * The README's "First hour" commands, run as written (npx browser-actor …) from a directory laid
 * out as the repository is after setup: the built package, its node_modules and the examples.
 * npx runs offline, so it can only find our own command, never fetch one.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const block = /<!-- quick-start:start -->\n```sh\n([\s\S]*?)```\n<!-- quick-start:end -->/.exec(readme)?.[1] ?? '';
const commands = block.split('\n').filter((l) => l.startsWith('npx browser-actor '));

const dir = mkdtempSync(join(tmpdir(), 'quick-start-'));
for (const name of ['dist', 'node_modules', 'examples']) symlinkSync(join(root, name), join(dir, name));
copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
// npx's own cache goes in the directory too (it links our package there), not in ~/.npm.
const env = {
  ...process.env,
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  npm_config_cache: join(dir, '.npm-cache'),
  SITE_USERNAME: '',
  SITE_PASSWORD: '',
  TOTP_SECRET: '',
};
let server: ChildProcess | undefined;

afterAll(async () => {
  if (server?.pid !== undefined && server.exitCode === null) {
    // npx runs the command in a child of its own: Ctrl-C reaches them all, so each gets SIGINT, by its pid.
    const pids = [server.pid, ...descendantsOf(server.pid).map((p) => p.pid)];
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    for (const pid of pids.reverse()) signalProcess(pid, 'SIGINT');
    await exited;
    expect(await waitFor(() => pids.every((pid) => !isAlive(pid)), 10_000, 50)).toBe(true);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("the README's First hour, verbatim", () => {
  it('every command runs as written: GEDCOM searches, a tie flagged, a saved report, then the site and research through a signed-in browser', async () => {
    expect(commands).toHaveLength(5);
    const run = (command: string) =>
      spawnSync('bash', ['-c', command], { cwd: dir, env, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 << 20 });
    const [tie, exact, batch, serve, site] = commands as [string, string, string, string, string];

    const first = run(tie);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(
      'Note: 7 equally good matches; add a birth year, a birth place, a death year or a death place to tell them apart.',
    );

    const second = run(exact);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/1\. +95\/95 strong +Ernest Mitchell \(1914–1965\)/);
    expect(second.stdout).toContain('Relationship path from Ernest Mitchell to Agnes Mitchell: great-grandfather');

    const third = run(batch);
    expect(third.status).toBe(0);
    expect(third.stderr).toMatch(/batch: 5 searched, 0 skipped \(bad rows\), 0 failed/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<h1>Research report</h1>');

    // The site runs in the background, as in its own terminal; the next command starts once it is up.
    server = spawn('bash', ['-c', `exec ${serve}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    server.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve, reject) => {
      server?.stdout?.on('data', () => {
        if (out.includes('press Ctrl-C to stop')) resolve();
      });
      server?.once('exit', (code) => reject(new Error(`serve exited (${String(code)}): ${out}`)));
    });
    expect(out).toContain('reference tree site on http://127.0.0.1:8377/');
    expect(existsSync(join(dir, 'site.json'))).toBe(true);

    const fifth = run(site);
    expect(fifth.status).toBe(0);
    expect(fifth.stdout).toMatch(/http:\/\/127\.0\.0\.1:8377\/person\/I730/);
    expect(fifth.stdout).toContain('Relationship path from Ernest Mitchell to Agnes Mitchell: great-grandfather');
    // The account came from the file; the password was never printed.
    const password = (JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) as { password: string }).password;
    expect(fifth.stdout + fifth.stderr + out).not.toContain(password);
  }, 180_000);
});
