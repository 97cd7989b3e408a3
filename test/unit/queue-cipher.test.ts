import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, QueuePayloadError } from '../../src/errors.js';
import {
  MAX_SEALED_CHARS,
  answerContext,
  createQueueCipher,
  defaultQueueKeyFile,
  resolveQueueKey,
  taskContext,
} from '../../src/runtime/dispatch/queue-cipher.js';

const dir = mkdtempSync(join(tmpdir(), 'queue-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY_A = Buffer.alloc(32, 7);
const KEY_B = Buffer.alloc(32, 9);

describe('the queue cipher (AES-256-GCM, bound to its job)', () => {
  const a = createQueueCipher(KEY_A);

  it('seals so that the secret is not in the sealed text, and opens it again for the same job', () => {
    const secret = 'password=hunter2-and-a-long-tail';
    const sealed = a.seal(secret, taskContext('q', 'job-1'));
    expect(sealed).not.toContain('hunter2');
    expect(Buffer.from(sealed.slice(4), 'base64').toString('latin1')).not.toContain('hunter2');
    expect(a.open(sealed, taskContext('q', 'job-1'))).toBe(secret);
    // A fresh IV each time: the same text seals differently.
    expect(a.seal(secret, taskContext('q', 'job-1'))).not.toBe(sealed);
  });

  it('refuses, with ERR_QUEUE_PAYLOAD and without the plain text, a payload altered, moved to another job, sealed under another key, or not sealed', () => {
    const sealed = a.seal('{"sid":"s3cr3t"}', answerContext('q', 'job-1'));
    const raw = Buffer.from(sealed.slice(4), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    const altered = `ba1.${raw.toString('base64')}`;
    const cases: [unknown, string][] = [
      [altered, answerContext('q', 'job-1')],
      [sealed, answerContext('q', 'job-2')],
      [sealed, taskContext('q', 'job-1')],
      ['{"sid":"s3cr3t"}', answerContext('q', 'job-1')],
      [undefined, answerContext('q', 'job-1')],
      ['ba1.AAAA', answerContext('q', 'job-1')],
    ];
    for (const [payload, context] of cases) {
      const error = (() => {
        try {
          a.open(payload, context);
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(QueuePayloadError);
      expect((error as QueuePayloadError).message).not.toContain('s3cr3t');
      expect((error as QueuePayloadError).details['keyFingerprint']).toBe(a.fingerprint);
    }
    expect(() => createQueueCipher(KEY_B).open(sealed, answerContext('q', 'job-1'))).toThrow(QueuePayloadError);
    expect(createQueueCipher(KEY_B).fingerprint).not.toBe(a.fingerprint);
  });
});

describe('where the queue key comes from', () => {
  it('refuses unopened a payload larger than any of ours (a foreign job of 96 MiB and more), with ERR_QUEUE_PAYLOAD', () => {
    const a = createQueueCipher(KEY_A);
    const sealed = a.seal('x'.repeat(1000), taskContext('q', 'job-big'));
    const huge = sealed + 'A'.repeat(MAX_SEALED_CHARS);
    const error = (() => {
      try {
        a.open(huge, taskContext('q', 'job-big'));
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(QueuePayloadError);
    expect((error as Error).message).toMatch(/more than any payload of ours \(100663296\); it was not opened/);
    expect(a.open(sealed, taskContext('q', 'job-big'))).toBe('x'.repeat(1000));
  });

  it('the option first, then BROWSER_ACTOR_QUEUE_KEY, then the file it names; hex or base64', () => {
    expect(resolveQueueKey(KEY_A, {})).toEqual(KEY_A);
    expect(resolveQueueKey(KEY_A.toString('hex'), {})).toEqual(KEY_A);
    expect(resolveQueueKey(undefined, { BROWSER_ACTOR_QUEUE_KEY: KEY_B.toString('base64') })).toEqual(KEY_B);
    const file = join(dir, 'named.key');
    writeFileSync(file, `${KEY_B.toString('hex')}\n`);
    expect(resolveQueueKey(undefined, { BROWSER_ACTOR_QUEUE_KEY_FILE: file })).toEqual(KEY_B);
  });

  it('refuses a key of the wrong size or form with a ConfigError that does not repeat it', () => {
    for (const bad of ['short-secret-value', 'ab'.repeat(31), 'zz'.repeat(32)]) {
      const error = (() => {
        try {
          resolveQueueKey(undefined, { BROWSER_ACTOR_QUEUE_KEY: bad });
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain('BROWSER_ACTOR_QUEUE_KEY');
      expect((error as ConfigError).message).not.toContain(bad);
    }
    expect(() => resolveQueueKey(new Uint8Array(16), {})).toThrow(ConfigError);
    expect(() => resolveQueueKey(undefined, { BROWSER_ACTOR_QUEUE_KEY_FILE: join(dir, 'missing.key') })).toThrow(
      /Cannot read the queue key file/,
    );
  });

  it('without any, makes ~/.config/browser-actor/queue.key once (mode 600) and uses it from then on', () => {
    const env = { XDG_CONFIG_HOME: join(dir, 'config') };
    const file = defaultQueueKeyFile(env);
    expect(file).toBe(join(dir, 'config', 'browser-actor', 'queue.key'));
    const first = resolveQueueKey(undefined, env);
    expect(first).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('hex'));
    expect(resolveQueueKey(undefined, env)).toEqual(first);
    expect(readdirSync(join(dir, 'config', 'browser-actor'))).toEqual(['queue.key']); // the draft it was written to is gone
  });
});
