import { describe, expect, it } from 'vitest';
import { DeadlineScheduler } from '../../src/internal/deadlines.js';
import { ManualClock } from '../../src/internal/manual-clock.js';

describe('DeadlineScheduler', () => {
  it('fires deadlines in due order on one platform timer', async () => {
    const clock = new ManualClock();
    const s = new DeadlineScheduler(clock);
    const fired: string[] = [];
    s.at(300, () => fired.push('c'));
    s.at(100, () => fired.push('a'));
    s.at(200, () => fired.push('b'));
    s.at(100, () => fired.push('a2'));
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(150);
    expect(fired).toEqual(['a', 'a2']);
    await clock.advance(200);
    expect(fired).toEqual(['a', 'a2', 'b', 'c']);
    expect(s.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('never fires a cancelled deadline and re-arms for the next live one', async () => {
    const clock = new ManualClock();
    const s = new DeadlineScheduler(clock);
    const fired: number[] = [];
    const first = s.at(10, () => fired.push(10));
    s.at(20, () => fired.push(20));
    first.cancel();
    first.cancel();
    expect(s.size).toBe(1);
    await clock.advance(15);
    expect(fired).toEqual([]);
    await clock.advance(10);
    expect(fired).toEqual([20]);
  });

  it('keeps the process alive only while a deadline is live, so an idle process can exit', async () => {
    const clock = new ManualClock();
    const s = new DeadlineScheduler(clock);
    const a = s.at(5000, () => undefined);
    const b = s.at(9000, () => undefined);
    expect(clock.keepAliveTimers).toBe(1);
    b.cancel();
    expect(clock.keepAliveTimers).toBe(1); // a is still live
    a.cancel();
    expect(clock.keepAliveTimers).toBe(0);
    expect(s.size).toBe(0);
    const fired: number[] = [];
    s.at(7000, () => fired.push(7000)); // later than the armed timer: it is re-referenced
    expect(clock.keepAliveTimers).toBe(1);
    await clock.advance(7000);
    expect(fired).toEqual([7000]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stays bounded when most deadlines are cancelled (tasks that finish early)', async () => {
    const clock = new ManualClock();
    const s = new DeadlineScheduler(clock);
    for (let i = 0; i < 10_000; i++) s.at(30_000 + i, () => undefined).cancel();
    expect(s.size).toBe(0);
    const fired: number[] = [];
    s.at(5, () => fired.push(5));
    await clock.advance(10);
    expect(fired).toEqual([5]);
  });

  it('a throwing callback does not stop later deadlines', async () => {
    const clock = new ManualClock();
    const s = new DeadlineScheduler(clock);
    const fired: number[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    s.at(1, () => {
      throw new Error('boom');
    });
    s.at(1, () => fired.push(1));
    await clock.advance(2);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(fired).toEqual([1]);
    expect(warnings.some((w) => w.includes('boom'))).toBe(true);
  });

  it('clear() cancels everything', async () => {
    const clock = new ManualClock();
    const s = new DeadlineScheduler(clock);
    const fired: number[] = [];
    s.at(1, () => fired.push(1));
    s.clear();
    await clock.advance(5);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });
});
