import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { generateTree } from '../../src/genealogy/synthetic.js';
import { backoffCeilingMs, nextDelayMs } from '../../src/internal/backoff.js';
import { mapConcurrent } from '../../src/internal/map-concurrent.js';
import { badOption, oneOf, shown } from '../../src/internal/options.js';
import { TokenBucket } from '../../src/internal/token-bucket.js';
import { totpCode } from '../../src/internal/totp.js';
import { ApiClient } from '../../src/session/api-client.js';
import { AuthCheckPolicy } from '../../src/session/auth-policy.js';
import { ProbeCoalescer } from '../../src/session/probe-coalescer.js';
import { RedisWorkDispatcher } from '../../src/runtime/dispatch/redis-dispatcher.js';
import { RateLimiter } from '../../src/session/rate-limiter.js';
import { startTreeSite } from '../../src/site/server.js';

/**
 * The README promises typed errors: a public function given a bad option or argument throws
 * InvalidOptionError (ERR_INVALID_OPTION) saying what was expected and what came, never a
 * RangeError or TypeError.
 */
function typed(run: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidOptionError);
  expect((thrown as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
  expect((thrown as Error).message).toMatch(message);
}

describe('option errors are typed, and say what was expected and what came', () => {
  it('the rate limiter, the API client, the probe coalescer and the auth-check policy', () => {
    typed(() => new RateLimiter({ capacity: 0 }), /^capacity must be a number ≥ 1, got 0$/);
    typed(() => new RateLimiter({ refillPerSecond: -2 }), /^refillPerSecond must be a positive number, got -2$/);
    typed(() => new RateLimiter({ successDecay: 1 }), /^successDecay must be a number between 0 and 1 \(both excluded\), got 1$/);
    typed(() => new RateLimiter({ penaltyFactor: 0.5 }), /^penaltyFactor must be a number ≥ 1, got 0\.5$/);
    typed(
      () => new ApiClient({ baseUrl: 'http://127.0.0.1:1', requestTimeoutMs: 0 }),
      /^requestTimeoutMs must be a positive number, got 0$/,
    );
    typed(() => new ProbeCoalescer(async () => {}, { baseMs: 100, maxMs: 50 }), /^maxMs must be a number ≥ 100, got 50$/);
    typed(() => new ProbeCoalescer(async () => {}, { factor: Number.NaN }), /^factor must be a number ≥ 1, got NaN$/);
    typed(
      () => new AuthCheckPolicy(0, { baseIntervalMs: 10, maxIntervalMs: 5 }),
      /^maxIntervalMs must be at least baseIntervalMs \(10\), got 5$/,
    );
    typed(() => new AuthCheckPolicy(0, { earlyWarningMs: -1 }), /^earlyWarningMs must be a number ≥ 0, got -1$/);
  });

  it('backoff, the token bucket, mapConcurrent and the TOTP secret (which never shows)', async () => {
    typed(() => nextDelayMs(-1, { baseMs: 1, factor: 2, maxMs: 10 }), /^attempt must be an integer ≥ 0, got -1$/);
    typed(() => backoffCeilingMs(0, { baseMs: 10, factor: 2, maxMs: 5 }), /^maxMs must be a number ≥ baseMs \(10\), got 5$/);
    typed(() => new TokenBucket(1, 0, 0), /^refillPerSecond must be a positive number, got 0$/);
    await expect(mapConcurrent([1], 0, async (x) => x)).rejects.toThrow(InvalidOptionError);
    typed(() => totpCode('NOT-BASE32-!!hunter2'), /^the TOTP secret must be base32 text/);
    expect(() => totpCode('!!hunter2')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') as unknown }));
  });

  it('the Redis dispatcher checks its mailbox policy like the mailbox does, before it connects', () => {
    typed(
      () => new RedisWorkDispatcher({ redis: 'redis://127.0.0.1:1', mailbox: { overflow: 'drop' as never } }),
      /^mailbox\.overflow must be one of 'reject', 'shed-lowest', 'defer', got "drop"$/,
    );
  });

  it('the family tree and the synthetic tree', () => {
    const { tree } = generateTree({ people: 5, seed: 1 });
    typed(() => tree.person(7), /^person number must be an integer from 0 to 4 \(the tree has 5 people\), got 7$/);
    typed(() => generateTree({ people: 1, seed: 1 }), /^people must be an integer ≥ 2, got 1$/);
  });

  it('the reference site: person, users and knobs', async () => {
    const { tree } = generateTree({ people: 10, seed: 1 });
    const users = [{ username: 'ann', password: 'pw-123456789' }];
    await expect(startTreeSite({ tree, referencePerson: 10, users })).rejects.toThrow(
      /^referencePerson must be an integer from 0 to 9, got 10$/,
    );
    await expect(startTreeSite({ tree, referencePerson: 0, users: [] })).rejects.toThrow(InvalidOptionError);
    await expect(startTreeSite({ tree, referencePerson: 0, users, knobs: { errorRate: 2 } })).rejects.toThrow(
      /^knobs: knob errorRate must be a number from 0 to 1$/,
    );
  });

  it('the helper shows values without dumping them', () => {
    expect(shown('x'.repeat(100))).toBe(JSON.stringify(`${'x'.repeat(40)}…`));
    expect(shown({ secret: 'hunter2' })).toBe('an object');
    expect(shown([1])).toBe('an array');
    expect(badOption('a.b', 'a positive number', undefined).message).toBe('a.b must be a positive number, got undefined');
    expect(() => oneOf('overflow', 'drop', ['reject', 'defer'])).toThrow("overflow must be one of 'reject', 'defer', got \"drop\"");
  });
});
