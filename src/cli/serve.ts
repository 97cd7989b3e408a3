import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { chooseHomePerson, generateTree } from '../genealogy/synthetic.js';
import type { FamilyTree } from '../genealogy/tree.js';
import { type TreeSite, startTreeSite } from '../site/server.js';
import { newTotpSecret } from '../internal/totp.js';
import { privateTempDir, writePrivateFile } from '../internal/private-file.js';
import { printable } from '../internal/printable.js';
import { readGedcomFile, requireGedcomFile, summarizeDiagnostics } from './files.js';

export const SERVE_HELP = `Usage:
  browser-actor serve [options]

Start the reference family-tree site (HTML sign-in, JSON API, rate limits) on 127.0.0.1.

Options:
  --gedcom <file>        Serve this GEDCOM file. Default: a seeded synthetic tree.
  --people <n>           Size of the synthetic tree. Default 10000.
  --seed <n>             Seed of the synthetic tree. Default 1.
  --home <id>            The tree's home person (e.g. I42). Default: chosen from the tree.
  --port <n>             Default 8377; 0 picks a free port.
  --host <address>       Default 127.0.0.1.
  --allowed-host <names> Host names the site answers to besides IP addresses and localhost,
                         comma-separated (requests by any other name get 421: no DNS rebinding).
  --user <name>          The account's username. Default demo. Password: $SITE_PASSWORD, else generated.
  --totp                 Ask for a TOTP code after the password (the secret goes in the credentials file).
  --session-ttl <s>      Session lifetime in seconds. Default 1800.
  --rate <cap>/<per-s>   Per-session token bucket, e.g. 20/10, or "off". Default 20/10.
  --latency-ms <n>       Added delay on every route. Default 0.
  --error-rate <x>       Share of requests answered 500 on purpose, 0–1. Default 0.
  --admin                Enable /admin/* (knobs, session invalidation); its token goes in the credentials file.
  --credentials <file>   Where the account (and TOTP secret, admin token) is written, mode 600
                         (default: credentials.json in a new private directory, removed at stop).
                         Secrets are never printed.
  --quiet                No progress while loading a GEDCOM file of 16 MB or more (by default a bar
                         on a terminal, a line every 10 s otherwise, on stderr).`;

export interface ServeOptions {
  readonly gedcom?: string;
  readonly people: number;
  readonly seed: number;
  readonly home?: string;
  readonly port: number;
  readonly host: string;
  readonly allowedHosts: readonly string[];
  readonly user: string;
  readonly password: string;
  readonly totp: boolean;
  readonly sessionTtlMs: number;
  readonly rate: { capacity: number; refillPerSecond: number } | false;
  readonly latencyMs: number;
  readonly errorRate: number;
  readonly admin: boolean;
  readonly credentials?: string;
  /** No progress while loading a large GEDCOM file (`--quiet`). */
  readonly quiet?: boolean;
}

/** Parse `serve` arguments; a bad value throws ConfigError naming the flag. */
export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      gedcom: { type: 'string' },
      people: { type: 'string' },
      seed: { type: 'string' },
      home: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'allowed-host': { type: 'string' },
      user: { type: 'string' },
      totp: { type: 'boolean' },
      'session-ttl': { type: 'string' },
      rate: { type: 'string' },
      'latency-ms': { type: 'string' },
      'error-rate': { type: 'string' },
      admin: { type: 'boolean' },
      credentials: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new ConfigError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const int = (flag: string, value: string | undefined, fallback: number, min: number, max: number): number => {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new ConfigError(`--${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return Number(value);
  };
  let rate: ServeOptions['rate'] = { capacity: 20, refillPerSecond: 10 };
  if (values.rate !== undefined) {
    const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(values.rate);
    if (values.rate === 'off') rate = false;
    else if (m && Number(m[1]) >= 1 && Number(m[2]) > 0) rate = { capacity: Number(m[1]), refillPerSecond: Number(m[2]) };
    else throw new ConfigError(`--rate must look like 20/10 (capacity/per-second) or "off", got ${JSON.stringify(values.rate)}`);
  }
  const errorRate = values['error-rate'] === undefined ? 0 : Number(values['error-rate']);
  if (!(errorRate >= 0 && errorRate <= 1))
    throw new ConfigError(`--error-rate must be a number from 0 to 1, got ${JSON.stringify(values['error-rate'])}`);
  const user = values.user ?? 'demo';
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(user)) throw new ConfigError('--user must be 1–64 letters, digits or _ . @ -');
  const password = env['SITE_PASSWORD'] || randomBytes(12).toString('base64url');
  return {
    ...(values.gedcom === undefined ? {} : { gedcom: values.gedcom }),
    people: int('people', values.people, 10_000, 2, 5_000_000),
    seed: int('seed', values.seed, 1, 0, 2 ** 31),
    ...(values.home === undefined ? {} : { home: values.home }),
    port: int('port', values.port, 8377, 0, 65535),
    host: values.host ?? '127.0.0.1',
    allowedHosts: allowedHostsFrom(values['allowed-host']),
    user,
    password,
    totp: values.totp ?? false,
    sessionTtlMs: int('session-ttl', values['session-ttl'], 1800, 1, 30 * 86400) * 1000,
    rate,
    latencyMs: int('latency-ms', values['latency-ms'], 0, 0, 600_000),
    errorRate,
    admin: values.admin ?? false,
    ...(values.credentials === undefined ? {} : { credentials: values.credentials }),
    quiet: values.quiet ?? false,
  };
}

export interface RunningSite {
  readonly site: TreeSite;
  readonly credentialsFile: string;
  /** Stop the site, and remove the credentials when they went to the default private directory. */
  close(): Promise<void>;
}

/** Load the tree, start the site, write the credentials file; the caller stops it with `site.close()`. */
export async function startServe(o: ServeOptions, print: (line: string) => void = (l) => console.log(l)): Promise<RunningSite> {
  // GEDCOM names and diagnostics are printed: never with their control characters.
  const out = (line: string): void => print(printable(line));
  const started = performance.now();
  let tree: FamilyTree;
  let home: number;
  let source: string;
  if (o.gedcom) {
    requireGedcomFile(o.gedcom);
    const read = await readGedcomFile(o.gedcom, { quiet: o.quiet === true });
    tree = read.tree;
    home = chooseHomePerson(tree);
    source = `${o.gedcom} (GEDCOM ${read.version ?? '?'}, ${read.diagnostics.length} diagnostics)`;
    for (const l of summarizeDiagnostics(o.gedcom, read.diagnostics, 10, 'research --gedcom FILE --json lists them all')) out(`  ${l}`);
  } else {
    const generated = generateTree({ people: o.people, seed: o.seed });
    tree = generated.tree;
    home = generated.referencePerson;
    source = `synthetic tree, seed ${o.seed}`;
  }
  if (o.home !== undefined) {
    const i = tree.indexOf(o.home);
    if (i === undefined) throw new ConfigError(`--home ${o.home} is not a person of the tree`);
    home = i;
  }
  const totpSecret = o.totp ? newTotpSecret() : undefined;
  const adminToken = o.admin ? randomBytes(18).toString('base64url') : undefined;
  const site = await listenError(o, () =>
    startTreeSite({
      tree,
      referencePerson: home,
      users: [{ username: o.user, password: o.password, ...(totpSecret ? { totpSecret } : {}) }],
      host: o.host,
      allowedHosts: o.allowedHosts,
      port: o.port,
      sessionTtlMs: o.sessionTtlMs,
      rateLimit: o.rate,
      knobs: { latencyMs: o.latencyMs > 0 ? { '*': o.latencyMs } : {}, errorRate: o.errorRate },
      ...(adminToken ? { adminToken } : {}),
    }),
  );
  // The default goes to a new directory only this user can enter, under a name nobody can guess.
  const privateDir = o.credentials === undefined ? privateTempDir('browser-actor-site-') : undefined;
  const credentialsFile = o.credentials ?? join(privateDir as string, 'credentials.json');
  const close = async (): Promise<void> => {
    await site.close();
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
  };
  try {
    writePrivateFile(
      credentialsFile,
      `${JSON.stringify({ origin: site.origin, username: o.user, password: o.password, ...(totpSecret ? { totpSecret } : {}), ...(adminToken ? { adminToken } : {}) }, null, 2)}\n`,
    );
  } catch (error) {
    await close();
    throw error;
  }
  const ref = tree.person(home);
  out(`reference tree site on ${site.origin}/ — ${tree.size} people from ${source}, ready in ${Math.round(performance.now() - started)}ms`);
  out(`home person: ${ref.given} ${ref.surname} (${ref.id})`);
  out(
    `account: ${o.user}${totpSecret ? ' with a TOTP second factor' : ''}; password${totpSecret ? ', TOTP secret' : ''}${adminToken ? ', admin token' : ''} in ${credentialsFile} (mode 600)`,
  );
  return { site, credentialsFile, close };
}

/** `browser-actor serve`: run until SIGINT or SIGTERM. */
export async function runServe(argv: string[]): Promise<void> {
  const running = await startServe(parseServeArgs(argv));
  // The handlers go in before the line that says a signal is welcome: a parent that reads it and
  // signals at once must not meet the default disposition (killed by the signal, no clean stop).
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  console.log('press Ctrl-C to stop');
  await stopped;
  await running.close();
  console.log('stopped');
}

/** A site that cannot listen, as a typed error that names the flag to change. */
async function listenError<T>(o: ServeOptions, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new ConfigError(`--port ${o.port}: the port is in use on ${o.host}; choose another port, or --port 0 for a free one`, {
        cause: error,
      });
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME')
      throw new ConfigError(`--host ${o.host}: the name does not resolve; give an address such as 127.0.0.1`, { cause: error });
    if (code === 'EADDRNOTAVAIL')
      throw new ConfigError(`--host ${o.host}: not an address of this machine; give one of its addresses, such as 127.0.0.1`, {
        cause: error,
      });
    if (code === 'EACCES')
      throw new ConfigError(`--port ${o.port}: not allowed to listen there (ports below 1024 need privileges); choose a port above 1024`, {
        cause: error,
      });
    throw error;
  }
}

/** `--allowed-host a.example,b.example`: host names, without ports or schemes. */
function allowedHostsFrom(value: string | undefined): string[] {
  if (value === undefined) return [];
  const names = value
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  const bad = names.find((n) => !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(n) || n.length > 253);
  if (bad !== undefined || names.length === 0)
    throw new ConfigError(
      `--allowed-host takes host names separated by commas (no port or scheme), e.g. tree.example,tree; got ${JSON.stringify(value.slice(0, 100))}`,
    );
  return names;
}
