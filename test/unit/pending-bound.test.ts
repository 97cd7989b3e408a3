import { describe, expect, it } from 'vitest';
import { ActorStoppedError, InvalidOptionError, MailboxFullError, TaskTimeoutError } from '../../src/errors.js';
import { ManualClock, flushMicrotasks } from '../../src/internal/manual-clock.js';
import { PendingBound } from '../../src/runtime/dispatch/pending-bound.js';
import { watch } from '../support/watch.js';

/** The Redis dispatcher's bound on pending answers: refuse, or defer within each submit's deadline and signal. */
describe('PendingBound', () => {
  it('reject: a submit beyond the capacity is refused with a typed error; a freed slot takes the next one', async () => {
    const bound = new PendingBound({ capacity: 2 }, new ManualClock());
    await bound.acquire(5, 1000, undefined, 'a');
    await bound.acquire(5, 1000, undefined, 'b');
    await expect(bound.acquire(9, 1000, undefined, 'c')).rejects.toBeInstanceOf(MailboxFullError);
    bound.release();
    await bound.acquire(5, 1000, undefined, 'd');
    expect(bound.held).toBe(2);
  });

  it('defer: waiting submits get slots highest priority first, in arrival order within one, after the low-water mark', async () => {
    const clock = new ManualClock();
    const bound = new PendingBound({ capacity: 2, overflow: 'defer', lowWaterMark: 1, maxDeferred: 3 }, clock);
    await bound.acquire(5, 10_000, undefined, 'a');
    await bound.acquire(5, 10_000, undefined, 'b');
    const order: string[] = [];
    const waiting = (['low', 'high-1', 'high-2'] as const).map((name) =>
      watch(bound.acquire(name === 'low' ? 1 : 9, 10_000, undefined, name).then(() => order.push(name))),
    );
    await expect(bound.acquire(9, 10_000, undefined, 'e')).rejects.toBeInstanceOf(MailboxFullError); // maxDeferred reached
    expect(bound.deferred).toBe(3);
    bound.release(); // 1 held: not below the low-water mark yet
    await flushMicrotasks();
    expect(order).toEqual([]);
    bound.release(); // 0 held: two slots go to the waiting, highest priority first
    await flushMicrotasks();
    expect(order).toEqual(['high-1', 'high-2']);
    expect(bound.held).toBe(2);
    bound.release();
    bound.release();
    await flushMicrotasks();
    expect(order).toEqual(['high-1', 'high-2', 'low']);
    expect(waiting.every((w) => w.settled)).toBe(true);
  });

  it('defer: a waiting submit ends at its deadline or its signal, and leaves no slot taken', async () => {
    const clock = new ManualClock();
    const bound = new PendingBound({ capacity: 1, overflow: 'defer' }, clock);
    await bound.acquire(5, 10_000, undefined, 'a');
    const late = watch(bound.acquire(5, 500, undefined, 'late'));
    await clock.advance(600);
    expect(late.error).toBeInstanceOf(TaskTimeoutError);
    const controller = new AbortController();
    const reason = new Error('gave up');
    const aborted = watch(bound.acquire(5, 10_000, controller.signal, 'aborted'));
    controller.abort(reason);
    await flushMicrotasks();
    expect(aborted.error).toBe(reason);
    expect([bound.deferred, bound.held]).toEqual([0, 1]);
    bound.release();
    expect(bound.held).toBe(0);
  });

  it('rejects every waiting submit when the executor stops; refuses bad options', async () => {
    const bound = new PendingBound({ capacity: 1, overflow: 'defer' }, new ManualClock());
    await bound.acquire(5, 10_000, undefined, 'a');
    const waiting = watch(bound.acquire(5, 10_000, undefined, 'b'));
    bound.rejectDeferred(new ActorStoppedError('stopped'));
    await flushMicrotasks();
    expect(waiting.error).toBeInstanceOf(ActorStoppedError);
    expect(() => new PendingBound({ capacity: 2, overflow: 'shed-lowest' as never }, new ManualClock())).toThrow(InvalidOptionError);
    expect(() => new PendingBound({ capacity: 2, lowWaterMark: 3 }, new ManualClock())).toThrow(/lowWaterMark/);
    expect(() => new PendingBound({ capacity: 0 }, new ManualClock())).toThrow(/capacity/);
  });
});
