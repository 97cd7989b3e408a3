import { describe, expect, it } from 'vitest';
import { createDeferred } from '../../../src/internal/deferred.js';
import { ManualClock, flushMicrotasks } from '../../../src/internal/manual-clock.js';
import { ProbeCoalescer } from '../../../src/session/probe-coalescer.js';

describe('ProbeCoalescer', () => {
  it('concurrent callers share one in-flight probe', async () => {
    const clock = new ManualClock();
    const gate = createDeferred<void>();
    let runs = 0;
    const c = new ProbeCoalescer(
      () => {
        runs++;
        return gate.promise;
      },
      { clock },
    );
    const callers = Array.from({ length: 10 }, () => c.check());
    gate.resolve();
    await Promise.all(callers);
    expect(runs).toBe(1);
    expect(c.stats()).toEqual({ probes: 1, coalesced: 9, skipped: 0, failures: 0 });
  });

  it('reuses a success for a window that grows exponentially (capped), and an error resets it', async () => {
    const clock = new ManualClock();
    let fail = false;
    let runs = 0;
    const c = new ProbeCoalescer(
      async () => {
        runs++;
        if (fail) throw new Error('network down');
      },
      { clock, baseMs: 100, factor: 2, maxMs: 350 },
    );
    const windows: number[] = [];
    for (let i = 0; i < 5; i++) {
      await c.check();
      windows.push(c.windowMs);
      await clock.advance(c.windowMs - 1);
      await c.check(); // still inside the window: skipped
      await clock.advance(1);
    }
    expect(windows).toEqual([100, 200, 350, 350, 350]);
    expect(runs).toBe(5);
    expect(c.stats().skipped).toBe(5);
    fail = true;
    await expect(c.check()).rejects.toThrow('network down');
    expect(c.windowMs).toBe(0);
    await expect(c.check()).rejects.toThrow('network down'); // no reuse after an error: probes again
    expect(runs).toBe(7);
    fail = false;
    await c.check();
    expect(c.windowMs).toBe(100);
    c.invalidate();
    await c.check();
    expect(runs).toBe(9);
    await flushMicrotasks();
  });

  it('a failed shared probe rejects every caller that joined it', async () => {
    const gate = createDeferred<void>();
    const c = new ProbeCoalescer(() => gate.promise);
    const a = c.check();
    const b = c.check();
    gate.reject(new Error('boom'));
    await expect(a).rejects.toThrow('boom');
    await expect(b).rejects.toThrow('boom');
  });
});
