import { ConfigError } from './errors.js';

/** Settings read from the environment. */
export interface Config {
  /** `ACTOR_MODE`: run tasks through the actor's mailbox and worker loop. Default `false`. */
  readonly actorMode: boolean;
  /** `HEADLESS`: run Chromium without a window. Default `true`. */
  readonly headless: boolean;
  /** `CHROMIUM_PATH`: the Chromium executable; unset means "look in the usual places". */
  readonly chromiumPath: string | undefined;
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new ConfigError(`${name} must be true or false (also accepted: 1/0, yes/no, on/off), got ${JSON.stringify(raw.slice(0, 40))}`, {
    details: { variable: name },
  });
}

/** `CHROMIUM_PATH`, trimmed; `undefined` when unset or blank. The one reading of that variable. */
export function chromiumPathFrom(env: NodeJS.ProcessEnv): string | undefined {
  return env['CHROMIUM_PATH']?.trim() || undefined;
}

/** Read and validate the configuration; every bad value gets an error naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    actorMode: flag(env, 'ACTOR_MODE', false),
    headless: flag(env, 'HEADLESS', true),
    chromiumPath: chromiumPathFrom(env),
  };
}
