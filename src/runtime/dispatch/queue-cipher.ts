import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, QueuePayloadError } from '../../errors.js';
import { writePrivateFile } from '../../internal/private-file.js';

/**
 * What goes into Redis is sealed: a task (its arguments may hold a password, a one-time code)
 * and its answer (cookies, tokens) are encrypted with AES-256-GCM under a key the submitters and
 * the worker hosts share, and bound to their job, so that a payload copied to another job, or
 * altered, is refused instead of run. Redis (and its AOF and RDB files) sees only ciphertext.
 *
 * The key (32 bytes, written as 64 hex digits or as base64) comes from, in this order: the
 * `queueKey` option; `BROWSER_ACTOR_QUEUE_KEY`; the file named by `BROWSER_ACTOR_QUEUE_KEY_FILE`;
 * the file `browser-actor/queue.key` under `XDG_CONFIG_HOME` (default `~/.config`), created with a
 * new random key (mode 600) the first time. Every machine of one cluster needs the same key: copy
 * that file, or set the variable, on each.
 */

/**
 * The largest sealed payload opened: a task is at most a few MiB, an answer at most its result
 * or screenshot limit (16 MiB each; under 60 MiB once packed and sealed, two-byte text included).
 * Anything larger is refused unopened.
 */
export const MAX_SEALED_CHARS = 96 * 1024 * 1024;
const SEALED_PREFIX = 'ba1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface QueueCipher {
  /** `plain` sealed for `context` (the job it belongs to, and what it is). */
  seal(plain: string, context: string): string;
  /** The plain text of `sealed`; throws {@link QueuePayloadError} when it is not sealed for `context` under this key. */
  open(sealed: unknown, context: string): string;
  /** A short, non-secret fingerprint of the key, to tell machines with different keys apart. */
  readonly fingerprint: string;
}

/** The key's bytes from its text form (64 hex digits, or base64 of 32 bytes); `what` names where it came from. */
export function parseQueueKey(text: string, what: string): Buffer {
  const t = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t)
    ? Buffer.from(t, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(t)
      ? Buffer.from(t, 'base64')
      : undefined;
  if (!bytes || bytes.length !== 32) {
    throw new ConfigError(
      `${what} is not a queue key: it must be 32 bytes written as 64 hex digits or as base64 (make one with \`openssl rand -hex 32\`)`,
    );
  }
  return bytes;
}

/** Where the default key file lives. */
export function defaultQueueKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(config, 'browser-actor', 'queue.key');
}

/** The shared key, from the option, the environment, or the default file (created if missing). */
export function resolveQueueKey(option: string | Uint8Array | undefined, env: NodeJS.ProcessEnv = process.env): Buffer {
  if (option instanceof Uint8Array) {
    if (option.length !== 32) throw new ConfigError(`queueKey must be 32 bytes, got ${option.length}`);
    return Buffer.from(option);
  }
  if (typeof option === 'string') return parseQueueKey(option, 'queueKey');
  const fromEnv = env['BROWSER_ACTOR_QUEUE_KEY'];
  if (fromEnv) return parseQueueKey(fromEnv, 'BROWSER_ACTOR_QUEUE_KEY');
  const named = env['BROWSER_ACTOR_QUEUE_KEY_FILE'];
  const file = named || defaultQueueKeyFile(env);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || named)
      throw new ConfigError(
        `Cannot read the queue key file ${file} (${code ?? 'unreadable'}); set BROWSER_ACTOR_QUEUE_KEY or BROWSER_ACTOR_QUEUE_KEY_FILE`,
        { cause: error },
      );
  }
  if (text !== undefined) return parseQueueKey(text, `the queue key file ${file}`);
  // First use on this machine: a new key, readable by this user only.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // Written whole to a private file of its own, then linked into place: a process that starts at
  // the same moment finds either no key file or a complete one, never a half-written one.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writePrivateFile(draft, `${key.toString('hex')}\n`);
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new ConfigError(
        `Cannot create the queue key file ${file} (${(error as NodeJS.ErrnoException).code ?? 'unwritable'}); set BROWSER_ACTOR_QUEUE_KEY or BROWSER_ACTOR_QUEUE_KEY_FILE`,
        { cause: error },
      );
    return parseQueueKey(readFileSync(file, 'utf8'), `the queue key file ${file}`); // another process made it first: theirs
  } finally {
    rmSync(draft, { force: true });
  }
  return key;
}

/** A cipher under `key` (32 bytes). */
export function createQueueCipher(key: Uint8Array): QueueCipher {
  if (key.length !== 32) throw new ConfigError(`a queue key must be 32 bytes, got ${key.length}`);
  const k = Buffer.from(key);
  const fingerprint = createHash('sha256').update('browser-actor queue key').update(k).digest('hex').slice(0, 12);
  return {
    fingerprint,
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', k, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed, context) {
      const refuse = (why: string): QueuePayloadError =>
        new QueuePayloadError(
          `A queued payload (${context.split('|')[0] ?? 'payload'}) was refused: ${why}. Nothing was run with it. Check that every submitter and worker host uses the same queue key (fingerprint here: ${fingerprint})`,
          {
            details: { context: context.slice(0, 200), keyFingerprint: fingerprint },
          },
        );
      if (typeof sealed !== 'string' || !sealed.startsWith(SEALED_PREFIX))
        throw refuse('it is not sealed (written by another program, or by a version without encryption)');
      if (sealed.length > MAX_SEALED_CHARS)
        throw refuse(`it is ${sealed.length} characters, more than any payload of ours (${MAX_SEALED_CHARS}); it was not opened`);
      const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
      if (raw.length < IV_BYTES + TAG_BYTES) throw refuse('it is too short to be sealed');
      try {
        const decipher = createDecipheriv('aes-256-gcm', k, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw refuse('it does not authenticate (sealed under another key, for another job, or altered)');
      }
    },
  };
}

/** What a job's task is sealed for: the queue and the job, so that it cannot be moved to another job. */
export function taskContext(queue: string, jobId: string): string {
  return `task|${queue}|${jobId}`;
}

/** What a session's snapshot (its cookies) is sealed for: the queue and the session's key in Redis. */
export function snapshotContext(queue: string, key: string): string {
  return `snapshot|${queue}|${key}`;
}

/** What a job's answer is sealed for. */
export function answerContext(queue: string, jobId: string): string {
  return `answer|${queue}|${jobId}`;
}
