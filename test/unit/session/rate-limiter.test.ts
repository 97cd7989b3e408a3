import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks } from '../../../src/internal/manual-clock.js';
import { RateLimiter } from '../../../src/session/rate-limiter.js';
import { withRetry } from '../../../src/session/retry.js';

/** Start `n` acquires at once and record the clock time each is granted. */
async function grants(limiter: RateLimiter, clock: ManualClock, n: number, stepMs: number, maxMs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) void limiter.acquire().then(() => times.push(clock.now()));
  for (let t = 0; t <= maxMs && times.length < n; t += stepMs) await clock.advance(stepMs);
  await flushMicrotasks();
  return times;
}

describe('RateLimiter', () => {
  it('lets a burst of `capacity` through, then one request per 1/rate seconds, in arrival order', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ capacity: 3, refillPerSecond: 2, clock });
    const order: number[] = [];
    const all = [0, 1, 2, 3, 4, 5].map((i) => limiter.acquire().then(() => order.push(i)));
    await flushMicrotasks();
    expect(order).toEqual([0, 1, 2]);
    await clock.advance(499);
    expect(order).toHaveLength(3);
    await clock.advance(1);
    expect(order).toEqual([0, 1, 2, 3]);
    await clock.advance(1000);
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(limiter.stats()).toMatchObject({ acquired: 6, throttled: 0, penaltyMs: 0 });
  });

  it('a 429 honours Retry-After and widens the spacing; successes narrow it back gradually', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      capacity: 100,
      refillPerSecond: 100,
      minPenaltyMs: 1000,
      penaltyFactor: 2,
      successDecay: 0.5,
      clock,
    });
    await limiter.acquire();
    limiter.on429(5000);
    const times = await grants(limiter, clock, 3, 100, 20_000);
    expect(times[0]).toBeGreaterThanOrEqual(5000); // Retry-After first
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(1000); // then the spacing
    limiter.on429(); // a second 429 without Retry-After: the spacing doubles
    expect(limiter.stats().penaltyMs).toBe(2000);
    for (let i = 0; i < 8; i++) limiter.onSuccess();
    expect(limiter.stats().penaltyMs).toBe(0); // 2000 → 1000 → … → below 10 ms: back to full speed
    expect(limiter.stats().throttled).toBe(2);
  });

  it('a waiting caller can be cancelled', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ capacity: 1, refillPerSecond: 0.1, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    await clock.advance(10_000);
    await expect(limiter.acquire()).resolves.toBeGreaterThanOrEqual(0); // the queue goes on
  });
});

describe('withRetry (the one retry layer)', () => {
  it('retries retryable errors with backoff, honours a requested delay, and stops at maxAttempts', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const done = withRetry(
      async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error('503'), { status: 503 });
        return 'ok';
      },
      () => ({ retry: true, delayMs: 700 }),
      { clock, random: () => 0, maxAttempts: 4 },
    );
    await clock.advance(699);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(calls).toBe(2);
    await clock.advance(700);
    await expect(done).resolves.toBe('ok');
    expect(calls).toBe(3);

    let attempts = 0;
    const failing = withRetry(
      () => {
        attempts++;
        return Promise.reject(new Error('still down'));
      },
      () => ({ retry: true }),
      { clock, random: () => 0, maxAttempts: 3 },
    );
    const outcome = failing.catch((e: unknown) => e);
    await clock.advance(10_000);
    expect(await outcome).toMatchObject({ message: 'still down' });
    expect(attempts).toBe(3);
  });

  it('does not retry what the decision refuses', async () => {
    let attempts = 0;
    await expect(
      withRetry(
        () => {
          attempts++;
          return Promise.reject(new Error('401'));
        },
        () => ({ retry: false }),
      ),
    ).rejects.toThrow('401');
    expect(attempts).toBe(1);
  });
});
