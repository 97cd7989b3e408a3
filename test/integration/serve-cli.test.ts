import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gedcomLines, generateTree } from '../../src/genealogy/synthetic.js';
import { SiteClient } from '../support/site-client.js';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'main.js');

/** `browser-actor serve …`, waited for until it says it is ready (or exits); `stdout()` is what it printed so far. */
async function serving(
  args: string[],
  stderr: 'pipe' | 'inherit' = 'inherit',
): Promise<{ child: ChildProcess; stdout: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [main, 'serve', ...args], { stdio: ['ignore', 'pipe', stderr] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = Date.now() + 20_000;
  while (!out.includes('press Ctrl-C') && child.exitCode === null && Date.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 50));
  if (!out.includes('press Ctrl-C')) {
    child.kill('SIGKILL');
    throw new Error(`browser-actor serve did not say it was ready within 20 s (exit code ${child.exitCode}); it printed: ${out}`);
  }
  return { child, stdout: () => out, exited };
}

describe('browser-actor serve (built package)', () => {
  it('starts the site on 127.0.0.1, writes the credentials to a 0600 file without printing them, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serve-cli-'));
    const credentials = join(dir, 'site.json');
    const {
      child,
      stdout: printed,
      exited,
    } = await serving(['--port', '0', '--people', '800', '--seed', '3', '--totp', '--credentials', credentials], 'pipe');
    try {
      expect(printed()).toMatch(/reference tree site on http:\/\/127\.0\.0\.1:\d+\/ — 800 people from synthetic tree, seed 3/);
      expect(statSync(credentials).mode & 0o777).toBe(0o600);
      const creds = JSON.parse(readFileSync(credentials, 'utf8')) as {
        origin: string;
        username: string;
        password: string;
        totpSecret: string;
      };
      expect(printed()).not.toContain(creds.password);
      expect(printed()).not.toContain(creds.totpSecret);
      const client = new SiteClient(creds.origin);
      expect(await client.signIn(creds.username, creds.password, creds.totpSecret)).toBe('/tree');
      expect((await client.json('/api/me')).body).toMatchObject({ username: 'demo' });
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(printed()).toContain('stopped');
  });

  it('without --credentials, writes them to a private directory with an unpredictable name and removes it at stop', async () => {
    const { child, stdout: printed, exited } = await serving(['--port', '0', '--people', '300']);
    const file = / in (\S+credentials\.json) \(mode 600\)/.exec(printed())?.[1] as string;
    expect(file).toBeDefined();
    expect(file).not.toContain(new URL(/http:\/\/[^/]+/.exec(printed())?.[0] as string).port);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(dirname(file))).toBe(false);
  });

  it('serves a GEDCOM file given with --gedcom', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serve-cli-'));
    const file = join(dir, 'tree.ged');
    writeFileSync(file, [...gedcomLines(generateTree({ people: 300, seed: 2 }).tree)].join('\n'));
    const {
      child,
      stdout: printed,
      exited,
    } = await serving(['--port', '0', '--gedcom', file, '--home', 'I7', '--credentials', join(dir, 'c.json')]);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(printed()).toContain(`300 people from ${file} (GEDCOM 5.5.1, 0 diagnostics)`);
    expect(printed()).toMatch(/home person: .* \(I7\)/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad flags and missing files with a message that names them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'serve-cli-'));
    const run = (...args: string[]) => spawnSync(process.execPath, [main, 'serve', ...args], { encoding: 'utf8', timeout: 20_000 });
    const bad = run('--rate', 'fast');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--rate must look like 20\/10 \(capacity\/per-second\) or "off", got "fast"/);
    expect(run('--port', '99999').stderr).toMatch(/--port must be a whole number from 0 to 65535/);
    const missing = run('--gedcom', join(dir, 'nope.ged'), '--port', '0');
    expect(missing.status).toBe(3); // configuration or input
    expect(missing.stderr).toMatch(/ERR_INVALID_CONFIG: --gedcom .*nope\.ged: no such file/);
    expect(missing.stderr).toMatch(/what to do: fix the variable, \.env entry, flag or file the message names/);
    const notGedcom = join(dir, 'people.csv');
    writeFileSync(notGedcom, 'name,born\nAda,1815\n');
    const wrong = run('--gedcom', notGedcom, '--port', '0');
    expect(wrong.status).toBe(3);
    expect(wrong.stderr).toMatch(/ERR_INVALID_GEDCOM: Not a GEDCOM file: line 1 should be "0 HEAD"/);
    expect(run('--help').stdout).toMatch(/browser-actor serve \[options\]/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a directory or a device as --gedcom, a port in use and a host that does not resolve are typed errors that say so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serve-cli-'));
    const run = (...args: string[]) => spawnSync(process.execPath, [main, 'serve', ...args], { encoding: 'utf8', timeout: 20_000 });
    try {
      expect(run('--gedcom', dir, '--port', '0').stderr).toMatch(
        /ERR_INVALID_CONFIG: --gedcom .*: is a directory; give the path of a \.ged file/,
      );
      expect(run('--gedcom', '/dev/zero', '--port', '0').stderr).toMatch(
        /ERR_INVALID_CONFIG: --gedcom \/dev\/zero: is a device, not a file/,
      );
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const { port } = taken.address() as AddressInfo;
      const inUse = spawnSync(
        process.execPath,
        [main, 'serve', '--port', String(port), '--people', '50', '--credentials', join(dir, 'c.json')],
        { encoding: 'utf8', timeout: 20_000 },
      );
      await new Promise((resolve) => taken.close(resolve));
      expect(inUse.status).toBe(3);
      expect(inUse.stderr).toMatch(new RegExp(`ERR_INVALID_CONFIG: --port ${port}: the port is in use on 127\\.0\\.0\\.1`));
      const badHost = run('--host', 'no-such-host.invalid', '--port', '0', '--people', '50', '--credentials', join(dir, 'c.json'));
      expect(badHost.status).toBe(3);
      expect(badHost.stderr).toMatch(/ERR_INVALID_CONFIG: --host no-such-host\.invalid: the name does not resolve/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints GEDCOM names without their control characters (no terminal escape sequences)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serve-cli-'));
    const file = join(dir, 'evil.ged');
    writeFileSync(
      file,
      '0 HEAD\n1 GEDC\n2 VERS 5.5.1\n1 CHAR UTF-8\n0 @I1@ INDI\n1 NAME Eve\u001b]0;pwned\u0007\u001b[2J /Smith/\n0 TRLR\n',
    );
    const {
      child,
      stdout: printed,
      exited,
    } = await serving(['--port', '0', '--gedcom', file, '--home', 'I1', '--credentials', join(dir, 'c.json')]);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(printed()).toMatch(/home person: Eve\uFFFD\]0;pwned\uFFFD\uFFFD\[2J Smith \(I1\)/);
    expect(printed().includes('\u001b') || printed().includes('\u0007')).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
