import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/**
 * Settings of a session against a site, from the environment and an optional `.env` file (the
 * environment wins). Every bad or missing value is reported at once, each naming its variable.
 * Credentials are never logged or echoed: {@link describeSessionConfig} masks them.
 */
export interface SessionConfig {
  /** `BASE_URL`: the site, e.g. `http://127.0.0.1:8377`. */
  readonly baseUrl: string;
  /** `SITE_USERNAME`, `SITE_PASSWORD`: the account. */
  readonly username: string;
  readonly password: string;
  /** `TOTP_SECRET`: base32 secret for the second factor, when the account has one. */
  readonly totpSecret: string | undefined;
  /** `AUTH_CHECK_INTERVAL_SECONDS` (default 300) and `AUTH_CHECK_MAX_INTERVAL_SECONDS` (default 1800). */
  readonly authCheckIntervalMs: number;
  readonly authCheckMaxIntervalMs: number;
  /** `MAX_PAGES`: most result pages fetched per search (default 5). `PAGE_SIZE`: default 50. */
  readonly maxPages: number;
  readonly pageSize: number;
  /** `RATE_LIMIT`: `<burst>/<per second>`, default `5/2`. */
  readonly rateLimit: { readonly capacity: number; readonly refillPerSecond: number };
  /** `SESSION_MODE`: `optimised` (default) or `naive` (the original behaviour, for comparison). */
  readonly mode: 'optimised' | 'naive';
  /** `REQUEST_TIMEOUT_SECONDS`: the deadline of each API request, answer included (default 30). */
  readonly requestTimeoutMs: number;
  /** `SIGN_IN_TIMEOUT_SECONDS`: the deadline of a whole sign-in (default 120). */
  readonly signInTimeoutMs: number;
}

const SECRET = new Set(['SITE_PASSWORD', 'TOTP_SECRET']);
export const SESSION_VARIABLES = [
  'BASE_URL',
  'SITE_USERNAME',
  'SITE_PASSWORD',
  'TOTP_SECRET',
  'AUTH_CHECK_INTERVAL_SECONDS',
  'AUTH_CHECK_MAX_INTERVAL_SECONDS',
  'MAX_PAGES',
  'PAGE_SIZE',
  'RATE_LIMIT',
  'SESSION_MODE',
  'REQUEST_TIMEOUT_SECONDS',
  'SIGN_IN_TIMEOUT_SECONDS',
] as const;

/** Parse a `.env` file: `KEY=value`, `export KEY=value`, `#` comments, single or double quotes. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new ConfigError(`.env line ${i + 1} is not KEY=value`, { details: { line: i + 1 } });
    let value = m[2] as string;
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[1] === '"' ? (quoted[2] as string).replace(/\\n/g, '\n').replace(/\\"/g, '"') : (quoted[2] as string);
    else value = value.replace(/\s+#.*$/, '').trim();
    out[m[1] as string] = value;
  });
  return out;
}

/** The settings a `.env` file may hold: the session's and the browser's switches. */
export const DOTENV_VARIABLES: readonly string[] = [...SESSION_VARIABLES, 'ACTOR_MODE', 'HEADLESS', 'RESEARCH_CONCURRENCY'];

/**
 * Variables that choose what gets executed (executable paths, the loader's and Node's options).
 * A `.env` in the working directory could come with a downloaded project, so these come only
 * from the real environment or a flag.
 */
function choosesExecutable(name: string): boolean {
  return /(^|_)PATH$/.test(name) || /^(LD_|DYLD_)/.test(name) || name === 'NODE_OPTIONS' || name === 'BROWSER' || name === 'SHELL';
}

/** `env` without its blank values (as {@link withDotEnv} leaves them out). */
function withoutBlanks(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v;
  return out;
}

/**
 * The environment with an optional `.env` file under it (the environment wins), so that the
 * session's settings and `ACTOR_MODE`, `HEADLESS` and `RESEARCH_CONCURRENCY` can live in `.env`.
 * Other names in the file are ignored, and one that would choose an executable (`CHROMIUM_PATH`,
 * `CHROMEDRIVER_PATH`, `PATH`, `NODE_OPTIONS`, `LD_PRELOAD`, …) is refused with `ERR_INVALID_CONFIG`.
 */
export function withDotEnv(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): NodeJS.ProcessEnv {
  const parsed = existsSync(envFile) ? parseDotEnv(readFileSync(envFile, 'utf8')) : {};
  const refused = Object.keys(parsed).filter(choosesExecutable);
  if (refused.length > 0) {
    throw new ConfigError(
      `${envFile} sets ${refused.join(', ')}: executable paths are never read from a .env file. Set ${refused.length > 1 ? 'them' : 'it'} in the environment (or use the command's flag) and remove ${refused.length > 1 ? 'them' : 'it'} from ${envFile}`,
      { details: { variables: refused.length } },
    );
  }
  const fromFile = Object.fromEntries(Object.entries(parsed).filter(([name]) => DOTENV_VARIABLES.includes(name)));
  const merged: NodeJS.ProcessEnv = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') merged[k] = v;
  return merged;
}

/**
 * Read the settings from `env` and a `.env` file: `envFile` names it (default `.env` in the
 * working directory; a missing file is no error), and `false` reads none, for an environment
 * that already holds what a `.env` file gave ({@link withDotEnv}) or a program's own settings.
 */
export function loadSessionConfig(env: NodeJS.ProcessEnv = process.env, envFile: string | false = '.env'): SessionConfig {
  const all = envFile === false ? withoutBlanks(env) : withDotEnv(env, envFile);
  const get = (name: string): string | undefined => {
    const v = all[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const problems: string[] = [];
  const required = (name: string, what: string): string => {
    const v = get(name);
    if (v === undefined) problems.push(`${name} is missing: set it to ${what}`);
    return v ?? '';
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = get(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v.slice(0, 20))}`);
      return fallback;
    }
    return Number(v);
  };
  const baseUrl = required('BASE_URL', 'the site address, e.g. http://127.0.0.1:8377');
  if (baseUrl) {
    try {
      const u = new URL(baseUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:')
        problems.push(`BASE_URL must be an http or https address, got the ${u.protocol} scheme`);
      if (u.username || u.password) problems.push('BASE_URL must not contain credentials; use SITE_USERNAME and SITE_PASSWORD');
    } catch {
      // Not echoed: a malformed address may still carry a password (http://user:pass@…).
      problems.push('BASE_URL is not a URL; it must look like http://127.0.0.1:8377 (scheme, host, optional port)');
    }
  }
  const username = required('SITE_USERNAME', 'the account name');
  const password = required('SITE_PASSWORD', "the account's password (in .env or the environment; it is never printed)");
  const totpSecret = get('TOTP_SECRET');
  if (totpSecret !== undefined && !/^[A-Z2-7 =-]+$/i.test(totpSecret))
    problems.push('TOTP_SECRET must be the base32 secret of the second factor (letters A–Z and digits 2–7)');
  const interval = int('AUTH_CHECK_INTERVAL_SECONDS', 300, 1, 86_400);
  const maxInterval = int('AUTH_CHECK_MAX_INTERVAL_SECONDS', Math.max(1800, interval), 1, 7 * 86_400);
  if (maxInterval < interval)
    problems.push(`AUTH_CHECK_MAX_INTERVAL_SECONDS (${maxInterval}) is below AUTH_CHECK_INTERVAL_SECONDS (${interval})`);
  let rateLimit = { capacity: 5, refillPerSecond: 2 };
  const rate = get('RATE_LIMIT');
  if (rate !== undefined) {
    const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(rate);
    if (m && Number(m[1]) >= 1 && Number(m[2]) > 0) rateLimit = { capacity: Number(m[1]), refillPerSecond: Number(m[2]) };
    else problems.push(`RATE_LIMIT must look like 5/2 (burst/per second), got ${JSON.stringify(rate.slice(0, 20))}`);
  }
  const mode = get('SESSION_MODE') ?? 'optimised';
  if (mode !== 'optimised' && mode !== 'naive')
    problems.push(`SESSION_MODE must be optimised or naive, got ${JSON.stringify(mode.slice(0, 20))}`);
  const config: SessionConfig = {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    username,
    password,
    totpSecret,
    authCheckIntervalMs: interval * 1000,
    authCheckMaxIntervalMs: maxInterval * 1000,
    maxPages: int('MAX_PAGES', 5, 1, 1000),
    pageSize: int('PAGE_SIZE', 50, 1, 100),
    rateLimit,
    mode: mode as SessionConfig['mode'],
    requestTimeoutMs: int('REQUEST_TIMEOUT_SECONDS', 30, 1, 600) * 1000,
    signInTimeoutMs: int('SIGN_IN_TIMEOUT_SECONDS', 120, 1, 3600) * 1000,
  };
  if (problems.length > 0) {
    throw new ConfigError(
      `The session configuration has ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n- ${problems.join('\n- ')}`,
      {
        details: { problems: problems.length },
      },
    );
  }
  return config;
}

/** The configuration as `VARIABLE → value` for display, with credentials masked. */
export function describeSessionConfig(config: SessionConfig): Record<string, string> {
  const shown: Record<string, string> = {
    BASE_URL: config.baseUrl,
    SITE_USERNAME: config.username,
    SITE_PASSWORD: config.password ? '*** (set)' : '(not set)',
    TOTP_SECRET: config.totpSecret ? '*** (set)' : '(not set)',
    AUTH_CHECK_INTERVAL_SECONDS: String(config.authCheckIntervalMs / 1000),
    AUTH_CHECK_MAX_INTERVAL_SECONDS: String(config.authCheckMaxIntervalMs / 1000),
    MAX_PAGES: String(config.maxPages),
    PAGE_SIZE: String(config.pageSize),
    RATE_LIMIT: `${config.rateLimit.capacity}/${config.rateLimit.refillPerSecond}`,
    SESSION_MODE: config.mode,
    REQUEST_TIMEOUT_SECONDS: String(config.requestTimeoutMs / 1000),
    SIGN_IN_TIMEOUT_SECONDS: String(config.signInTimeoutMs / 1000),
  };
  for (const k of Object.keys(shown)) if (SECRET.has(k) && !shown[k]?.startsWith('*') && shown[k] !== '(not set)') shown[k] = '***';
  return shown;
}
