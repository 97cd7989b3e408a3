import { describe, expect, it } from 'vitest';
import { AuthCheckPolicy } from '../../../src/session/auth-policy.js';

const S = 1000;

describe('AuthCheckPolicy (adaptive auth checks)', () => {
  it('checks at once, then every base interval, doubling after K successes in a row up to the maximum', () => {
    const p = new AuthCheckPolicy(0, { baseIntervalMs: 300 * S, maxIntervalMs: 1800 * S, successesToWiden: 3, earlyWarningMs: 0 });
    expect(p.isDue(0)).toBe(true);
    const intervals: number[] = [];
    let now = 0;
    for (let i = 0; i < 12; i++) {
      const o = p.recordSuccess(now);
      intervals.push(o.intervalMs / S);
      expect(o.nextCheckAt).toBe(now + o.intervalMs);
      expect(p.isDue(o.nextCheckAt - 1)).toBe(false);
      expect(p.isDue(o.nextCheckAt)).toBe(true);
      now = o.nextCheckAt;
    }
    expect(intervals).toEqual([300, 300, 600, 600, 600, 1200, 1200, 1200, 1800, 1800, 1800, 1800]);
  });

  it('a failure resets to the short interval and asks for one re-sign-in; widening starts over from the base', () => {
    const p = new AuthCheckPolicy(0, { baseIntervalMs: 300 * S, maxIntervalMs: 1800 * S, failureIntervalMs: 120 * S, earlyWarningMs: 0 });
    for (let i = 0; i < 6; i++) p.recordSuccess(i);
    expect(p.intervalMs).toBe(1200 * S);
    const f = p.recordFailure(10_000);
    expect(f).toEqual({ nextCheckAt: 10_000 + 120 * S, intervalMs: 120 * S, resignIn: true });
    expect(p.recordSuccess(20_000).intervalMs).toBe(300 * S);
    expect(p.recordSuccess(30_000).intervalMs).toBe(300 * S);
    expect(p.recordSuccess(40_000).intervalMs).toBe(600 * S);
  });

  it('moves the next check to the early-warning window before a known expiry, and checks often inside it', () => {
    const p = new AuthCheckPolicy(0, { baseIntervalMs: 300 * S, failureIntervalMs: 60 * S, earlyWarningMs: 120 * S });
    p.setExpiry(1000 * S, 0);
    for (let i = 0; i < 3; i++) p.recordSuccess(0); // interval widened to 600 s
    expect(p.recordSuccess(100 * S).nextCheckAt).toBe(700 * S); // 100 + 600 < 880 (= expiry − warning)
    expect(p.recordSuccess(700 * S).nextCheckAt).toBe(880 * S); // would be 1300: pulled to the warning window
    expect(p.recordSuccess(880 * S).nextCheckAt).toBe(940 * S); // inside the window: the short interval
    p.setExpiry(5000 * S, 940 * S); // the session was renewed
    expect(p.nextCheckAt).toBe(940 * S + p.intervalMs);
  });

  it('rejects nonsense options', () => {
    expect(() => new AuthCheckPolicy(0, { baseIntervalMs: 0 })).toThrow(/baseIntervalMs/);
    expect(() => new AuthCheckPolicy(0, { baseIntervalMs: 10, maxIntervalMs: 5 })).toThrow(/maxIntervalMs/);
    expect(() => new AuthCheckPolicy(0, { earlyWarningMs: -1 })).toThrow(/earlyWarningMs/);
  });
});
