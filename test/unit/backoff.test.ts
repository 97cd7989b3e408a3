import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, nextDelayMs } from '../../src/internal/backoff.js';

const opts = { baseMs: 100, factor: 2, maxMs: 5000 };

describe('nextDelayMs (full jitter)', () => {
  it.each([
    // attempt, random, expected delay
    [0, 0, 0],
    [0, 0.5, 50],
    [0, 0.999, 99],
    [1, 0.5, 100],
    [2, 0.5, 200],
    [3, 0.25, 200],
    [5, 0.5, 1600],
    [6, 0.5, 2500], // ceiling 6400 capped at 5000
    [10, 0.5, 2500],
    [2000, 0.5, 2500], // 2^2000 overflows to Infinity: still capped
    [4, 1, 1599], // random() never reaches 1; a bad source is clamped below the ceiling
    [4, -3, 0],
    [4, Number.NaN, 0],
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(nextDelayMs(attempt, opts, () => random)).toBe(expected);
  });

  it.each([
    [0, 100],
    [1, 200],
    [4, 1600],
    [5, 3200],
    [6, 5000],
  ])('the window of attempt %i ends at %i ms', (attempt, ceiling) => {
    expect(backoffCeilingMs(attempt, opts)).toBe(ceiling);
  });

  it('factor 1 gives a constant window', () => {
    expect(backoffCeilingMs(9, { baseMs: 300, factor: 1, maxMs: 300 })).toBe(300);
  });

  it('stays inside the window with the real random source', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      for (let i = 0; i < 200; i++) {
        const d = nextDelayMs(attempt, opts);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(backoffCeilingMs(attempt, opts));
      }
    }
  });

  it.each([
    [-1, opts, /attempt/],
    [1.5, opts, /attempt/],
    [0, { ...opts, baseMs: 0 }, /baseMs/],
    [0, { ...opts, factor: 0.5 }, /factor/],
    [0, { ...opts, maxMs: 50 }, /maxMs/],
    [0, { ...opts, maxMs: Number.POSITIVE_INFINITY }, /maxMs/],
  ])('rejects attempt %d with options %o', (attempt, o, message) => {
    expect(() => nextDelayMs(attempt, o)).toThrow(message);
  });
});
