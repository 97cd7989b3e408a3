import { InvalidTaskError, PayloadTooLargeError, ScriptError } from '../../errors.js';
import { findNonPlain, utf8Length } from '../../internal/plain-data.js';
import { badOption, oneOf, positive } from '../../internal/options.js';
import { redactUrl } from '../../internal/redact.js';
import { BLOCKED_RESOURCES, type BlockedResource } from '../../drivers/browser-types.js';
import type { CookieFormat, CookieInput, NavigateTask, Task, TaskType, WaitUntil } from './types.js';

/** Size and safety limits applied to every task before it reaches a browser. */
export interface TaskLimits {
  /** Largest ExecuteJS script, in UTF-8 bytes. Default 1 MiB. */
  readonly maxScriptBytes: number;
  /** Largest ExecuteJS arguments, as JSON in UTF-8 bytes. Default 1 MiB. */
  readonly maxArgsBytes: number;
  /** Largest ExecuteJS result, as JSON in UTF-8 bytes. Default 16 MiB. */
  readonly maxResultBytes: number;
  /** Largest Screenshot result (PNG bytes). Default 16 MiB. */
  readonly maxScreenshotBytes: number;
  /** Most cookies in one ImportCookies task. Default 1000. */
  readonly maxCookies: number;
  /** URL schemes Navigate accepts. Default `['http:', 'https:', 'about:']`. */
  readonly allowedSchemes: readonly string[];
  /**
   * The resource kinds a Navigate that gives no `block` of its own keeps its tab from loading
   * (see {@link BlockedResource}). Default none. Needs a driver that can block (Playwright's).
   */
  readonly block: readonly BlockedResource[];
}

/** The limits applied when none are given: script, argument, result, cookie and screenshot sizes. */
export const defaultTaskLimits: TaskLimits = {
  maxScriptBytes: 1024 * 1024,
  maxArgsBytes: 1024 * 1024,
  maxResultBytes: 16 * 1024 * 1024,
  maxScreenshotBytes: 16 * 1024 * 1024,
  maxCookies: 1000,
  allowedSchemes: ['http:', 'https:', 'about:'],
  block: [],
};

/**
 * An executor's task limits: `given` over {@link defaultTaskLimits}, checked. Throws
 * {@link InvalidOptionError} naming the limit that is wrong.
 */
export function taskLimits(given: Partial<TaskLimits> | undefined): TaskLimits {
  const limits = { ...defaultTaskLimits, ...given };
  for (const key of ['maxScriptBytes', 'maxArgsBytes', 'maxResultBytes', 'maxScreenshotBytes', 'maxCookies'] as const)
    positive(`limits.${key}`, limits[key]);
  if (!Array.isArray(limits.block)) throw badOption('limits.block', `a list of ${BLOCKED_RESOURCES.join(', ')}`, limits.block);
  const block = limits.block.map((kind, i) => oneOf(`limits.block[${i}]`, kind, BLOCKED_RESOURCES));
  return { ...limits, block: [...new Set(block)] };
}

/**
 * The task to send to another process for `valid`: `task` as given, with the submitting side's
 * default `block` written in when it is a Navigate that gives none (the receiving side fills in
 * only its own defaults).
 */
export function withSubmitterDefaults(task: Task, valid: ValidTask): Task {
  if (valid.type !== 'Navigate' || valid.block.length === 0 || (task as NavigateTask).block !== undefined) return task;
  return { ...(task as NavigateTask), block: valid.block };
}

/** A task after validation: defaults filled in, inputs copied so later caller mutations cannot reach it. */
export type ValidTask =
  | { readonly type: 'Navigate'; readonly url: string; readonly waitUntil: WaitUntil; readonly block: readonly BlockedResource[] }
  | { readonly type: 'GetCookies'; readonly names: readonly string[] | undefined }
  | { readonly type: 'ExecuteJS'; readonly script: string; readonly argsJson: string; readonly idempotent: boolean }
  | { readonly type: 'Screenshot'; readonly fullPage: boolean }
  | { readonly type: 'ExportCookies'; readonly format: CookieFormat }
  | { readonly type: 'ImportCookies'; readonly cookies: readonly CookieInput[] }
  | { readonly type: 'CurrentUrl' };

const fieldsByType: Readonly<Record<TaskType, readonly string[]>> = {
  Navigate: ['url', 'waitUntil', 'block'],
  GetCookies: ['names'],
  ExecuteJS: ['script', 'args', 'idempotent', '__result'],
  Screenshot: ['fullPage'],
  ExportCookies: ['format'],
  ImportCookies: ['cookies'],
  CurrentUrl: [],
};

export const taskTypes = Object.keys(fieldsByType) as TaskType[];
const waitUntilValues: readonly WaitUntil[] = ['commit', 'domcontentloaded', 'load', 'networkidle'];
const cookieFormats: readonly CookieFormat[] = ['json', 'netscape', 'storage-state'];
const sameSiteValues = ['Strict', 'Lax', 'None'] as const;
const cookieFields = ['name', 'value', 'url', 'domain', 'path', 'expires', 'httpOnly', 'secure', 'sameSite'];
// RFC 6265 cookie-name token: no controls, whitespace or separators.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Cookie values: no control characters and no ';' (it ends the value).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const COOKIE_VALUE_BAD = /[\u0000-\u001f\u007f;]/;

/**
 * Check a task before it is queued. Throws {@link InvalidTaskError} (or {@link PayloadTooLargeError})
 * naming the field and what was wrong; never echoes script text or cookie values.
 */
export function validateTask(input: unknown, limits: TaskLimits): ValidTask {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidTaskError(`A task must be an object with a "type" field, got ${describeType(input)}`);
  }
  const task = input as Record<string, unknown>;
  const type = task['type'];
  if (typeof type !== 'string' || !(taskTypes as string[]).includes(type)) {
    throw new InvalidTaskError(
      `Unknown task type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 60)) : describeType(type)}; expected one of ${taskTypes.join(', ')}`,
    );
  }
  const allowed = fieldsByType[type as TaskType];
  for (const key of Object.keys(task)) {
    if (key !== 'type' && !allowed.includes(key)) {
      throw new InvalidTaskError(
        `${type} has an unknown field ${JSON.stringify(key)}; its fields are ${allowed.filter((f) => !f.startsWith('__')).join(', ') || '(none)'}`,
      );
    }
  }
  switch (type as TaskType) {
    case 'Navigate':
      return validateNavigate(task, limits);
    case 'GetCookies':
      return { type: 'GetCookies', names: optionalNames(task['names']) };
    case 'ExecuteJS':
      return validateExecuteJs(task, limits);
    case 'Screenshot':
      return { type: 'Screenshot', fullPage: optionalBoolean(task, 'Screenshot', 'fullPage') ?? false };
    case 'ExportCookies': {
      const format = task['format'] ?? 'json';
      if (!cookieFormats.includes(format as CookieFormat)) {
        throw new InvalidTaskError(`ExportCookies.format must be one of ${cookieFormats.join(', ')}, got ${describeValue(format)}`);
      }
      return { type: 'ExportCookies', format: format as CookieFormat };
    }
    case 'ImportCookies':
      return { type: 'ImportCookies', cookies: validateCookies(task['cookies'], limits) };
    case 'CurrentUrl':
      return { type: 'CurrentUrl' };
  }
}

/** Check a URL for Navigate; returns the normalised URL. Exported for managers that navigate. */
export function validateUrl(url: unknown, limits: Pick<TaskLimits, 'allowedSchemes'>, field = 'Navigate.url'): string {
  if (typeof url !== 'string') throw new InvalidTaskError(`${field} must be a string, got ${describeType(url)}`);
  if (url.trim() === '') throw new InvalidTaskError(`${field} is empty; give an absolute URL such as https://example.com/`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidTaskError(
      `${field} ${redactUrl(url)} is not an absolute URL; give one with a scheme and host, such as https://example.com/page`,
    );
  }
  if (!limits.allowedSchemes.includes(parsed.protocol)) {
    throw new InvalidTaskError(
      `${field} uses the "${parsed.protocol}" scheme, which is not allowed (allowed: ${limits.allowedSchemes.join(' ')}); add it to the allowedSchemes option to permit it`,
    );
  }
  if ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname === '') {
    throw new InvalidTaskError(`${field} ${redactUrl(url)} has no host`);
  }
  return parsed.href;
}

function validateNavigate(task: Record<string, unknown>, limits: TaskLimits): ValidTask {
  const url = validateUrl(task['url'], limits);
  const waitUntil = task['waitUntil'] ?? 'load';
  if (!waitUntilValues.includes(waitUntil as WaitUntil)) {
    throw new InvalidTaskError(`Navigate.waitUntil must be one of ${waitUntilValues.join(', ')}, got ${describeValue(waitUntil)}`);
  }
  const block = task['block'] ?? limits.block;
  if (!Array.isArray(block)) {
    throw new InvalidTaskError(`Navigate.block must be a list of ${BLOCKED_RESOURCES.join(', ')}, got ${describeValue(block)}`);
  }
  const kinds = block.map((kind: unknown, i) => {
    if (!(BLOCKED_RESOURCES as readonly unknown[]).includes(kind))
      throw new InvalidTaskError(`Navigate.block[${i}] must be one of ${BLOCKED_RESOURCES.join(', ')}, got ${describeValue(kind)}`);
    return kind as BlockedResource;
  });
  return { type: 'Navigate', url, waitUntil: waitUntil as WaitUntil, block: [...new Set(kinds)] };
}

const AsyncFunction = (Object.getPrototypeOf(async function () {}) as { constructor: new (body: string) => unknown }).constructor;

/**
 * The script must parse as a function body on its own (compiled here, never run). Drivers place
 * it inside a wrapper that checks its result; a text that closes that wrapper early (`}) …`) could
 * otherwise return an answer of its own past the result checks. Syntax newer than this Node.js
 * knows is refused the same way.
 */
function checkFunctionBody(script: string): void {
  try {
    new AsyncFunction(script);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new ScriptError(
      `The script threw SyntaxError: ${error.message.slice(0, 300)} (it must be a function body on its own; checked before it reached the browser)`,
      {
        details: { errorName: 'SyntaxError', maybeExecuted: false },
      },
    );
  }
}

function validateExecuteJs(task: Record<string, unknown>, limits: TaskLimits): ValidTask {
  const script = task['script'];
  if (typeof script !== 'string') {
    throw new InvalidTaskError(`ExecuteJS.script must be a string (a function body), got ${describeType(script)}`);
  }
  const scriptBytes = utf8Length(script);
  if (scriptBytes > limits.maxScriptBytes) {
    throw new PayloadTooLargeError(
      `ExecuteJS.script is ${scriptBytes} bytes, over the ${limits.maxScriptBytes}-byte limit (maxScriptBytes)`,
      {
        details: { bytes: scriptBytes, limit: limits.maxScriptBytes },
      },
    );
  }
  checkFunctionBody(script);
  const args = task['args'] ?? [];
  if (!Array.isArray(args)) throw new InvalidTaskError(`ExecuteJS.args must be an array, got ${describeType(args)}`);
  const bad = findNonPlain(args, 'ExecuteJS.args');
  if (bad) throw new InvalidTaskError(`${bad}; arguments must be plain JSON data`);
  const argsJson = JSON.stringify(args);
  const argsBytes = utf8Length(argsJson);
  if (argsBytes > limits.maxArgsBytes) {
    throw new PayloadTooLargeError(
      `ExecuteJS.args is ${argsBytes} bytes as JSON, over the ${limits.maxArgsBytes}-byte limit (maxArgsBytes)`,
      {
        details: { bytes: argsBytes, limit: limits.maxArgsBytes },
      },
    );
  }
  return { type: 'ExecuteJS', script, argsJson, idempotent: optionalBoolean(task, 'ExecuteJS', 'idempotent') ?? false };
}

function optionalNames(names: unknown): readonly string[] | undefined {
  if (names === undefined) return undefined;
  if (!Array.isArray(names)) throw new InvalidTaskError(`GetCookies.names must be an array of cookie names, got ${describeType(names)}`);
  names.forEach((name, i) => {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidTaskError(`GetCookies.names[${i}] must be a non-empty string, got ${describeType(name)}`);
    }
  });
  return [...(names as string[])];
}

function optionalBoolean(task: Record<string, unknown>, type: string, field: string): boolean | undefined {
  const value = task[field];
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidTaskError(`${type}.${field} must be a boolean, got ${describeType(value)}`);
}

function validateCookies(cookies: unknown, limits: TaskLimits): CookieInput[] {
  if (!Array.isArray(cookies)) throw new InvalidTaskError(`ImportCookies.cookies must be an array, got ${describeType(cookies)}`);
  if (cookies.length > limits.maxCookies) {
    throw new PayloadTooLargeError(`ImportCookies has ${cookies.length} cookies, over the limit of ${limits.maxCookies} (maxCookies)`);
  }
  return cookies.map((cookie, i) => validateCookie(cookie, `ImportCookies.cookies[${i}]`));
}

function validateCookie(input: unknown, at: string): CookieInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidTaskError(`${at} must be a cookie object, got ${describeType(input)}`);
  }
  const c = input as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!cookieFields.includes(key))
      throw new InvalidTaskError(`${at} has an unknown field ${JSON.stringify(key)}; cookie fields are ${cookieFields.join(', ')}`);
  }
  const { name, value, url, domain, path, expires, httpOnly, secure, sameSite } = c;
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
    throw new InvalidTaskError(
      `${at}.name must be a non-empty cookie token (letters, digits and !#$%&'*+-.^_\`|~), got ${describeType(name)}`,
    );
  }
  // Values are secrets: say what is wrong with them, never what they are.
  if (typeof value !== 'string') throw new InvalidTaskError(`${at}.value (cookie ${name}) must be a string, got ${describeType(value)}`);
  if (COOKIE_VALUE_BAD.test(value)) throw new InvalidTaskError(`${at}.value (cookie ${name}) contains a control character or ';'`);
  const out: { -readonly [K in keyof CookieInput]: CookieInput[K] } = { name, value };
  if (url !== undefined && domain !== undefined) throw new InvalidTaskError(`${at} (cookie ${name}) has both url and domain; give one`);
  if (url !== undefined) {
    out.url = validateUrl(url, { allowedSchemes: ['http:', 'https:'] }, `${at}.url`);
    if (path !== undefined) throw new InvalidTaskError(`${at} (cookie ${name}) has url and path; the path comes from the url`);
  } else if (typeof domain === 'string' && domain !== '') {
    out.domain = domain;
    if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
      throw new InvalidTaskError(`${at}.path (cookie ${name}) must be a string starting with "/", got ${describeValue(path)}`);
    }
    out.path = path ?? '/';
  } else {
    throw new InvalidTaskError(`${at} (cookie ${name}) needs a url or a non-empty domain`);
  }
  if (expires !== undefined) {
    if (typeof expires !== 'number' || !Number.isFinite(expires) || (expires !== -1 && expires <= 0)) {
      throw new InvalidTaskError(
        `${at}.expires (cookie ${name}) must be -1 (session cookie) or seconds since the epoch, got ${describeValue(expires)}`,
      );
    }
    out.expires = expires;
  }
  for (const [field, v] of [
    ['httpOnly', httpOnly],
    ['secure', secure],
  ] as const) {
    if (v !== undefined && typeof v !== 'boolean')
      throw new InvalidTaskError(`${at}.${field} (cookie ${name}) must be a boolean, got ${describeType(v)}`);
    if (v !== undefined) out[field] = v;
  }
  if (sameSite !== undefined) {
    if (!sameSiteValues.includes(sameSite as (typeof sameSiteValues)[number])) {
      throw new InvalidTaskError(`${at}.sameSite (cookie ${name}) must be Strict, Lax or None, got ${describeValue(sameSite)}`);
    }
    if (sameSite === 'None' && secure !== true) {
      throw new InvalidTaskError(`${at} (cookie ${name}) has sameSite None without secure: true; browsers drop such cookies`);
    }
    out.sameSite = sameSite as CookieInput['sameSite'];
  }
  return out;
}

/** The type of a value, for messages that must not echo the value itself. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** A short rendering of a non-secret option value for an error message. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return describeType(value);
}
