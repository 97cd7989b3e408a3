import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { PriorityMailbox } from '../../src/runtime/mailbox/mailbox.js';

const takeAll = <T>(m: PriorityMailbox<T>): T[] => {
  const out: T[] = [];
  for (let x = m.take(); x !== undefined; x = m.take()) out.push(x);
  return out;
};

describe('PriorityMailbox', () => {
  it('takes the highest priority first and keeps FIFO order within a priority', () => {
    const m = new PriorityMailbox<string>({ capacity: 10 });
    m.offer('low-1', 1);
    m.offer('high-1', 8);
    m.offer('low-2', 1);
    m.offer('mid', 5);
    m.offer('high-2', 8);
    expect(m.sizes()).toEqual([0, 2, 0, 0, 0, 1, 0, 0, 2, 0]);
    expect(takeAll(m)).toEqual(['high-1', 'high-2', 'mid', 'low-1', 'low-2']);
  });

  it('reject: refuses a task when full and never exceeds capacity', () => {
    const m = new PriorityMailbox<number>({ capacity: 2 });
    expect(m.offer(1, 5)?.state).toBe('queued');
    expect(m.offer(2, 5)?.state).toBe('queued');
    expect(m.offer(3, 9)).toBeUndefined();
    expect(m.size).toBe(2);
  });

  it('shed-lowest: drops the newest task of the lowest priority for one that outranks it', () => {
    const shed: string[] = [];
    const m = new PriorityMailbox<string>({ capacity: 3, overflow: 'shed-lowest', onShed: (x) => shed.push(x) });
    m.offer('a-low', 1);
    m.offer('b-low', 1);
    m.offer('c-mid', 5);
    const ticket = m.offer('d-high', 9);
    expect(ticket?.state).toBe('queued');
    expect(shed).toEqual(['b-low']);
    expect(m.size).toBe(3);
    // Not outranking the lowest queued priority: refused, nothing shed.
    expect(m.offer('e-low', 1)).toBeUndefined();
    expect(shed).toEqual(['b-low']);
    expect(takeAll(m)).toEqual(['d-high', 'c-mid', 'a-low']);
  });

  it('defer: once full, new tasks wait until depth falls below the low-water mark, then enter by priority', () => {
    const m = new PriorityMailbox<string>({ capacity: 4, overflow: 'defer', lowWaterMark: 2, maxDeferred: 3 });
    for (const x of ['q1', 'q2', 'q3', 'q4']) m.offer(x, 5);
    expect(m.hasRoom()).toBe(false);
    expect(m.offer('d-low', 1)?.state).toBe('deferred');
    expect(m.offer('d-high', 9)?.state).toBe('deferred');
    expect(m.offer('d-mid', 5)?.state).toBe('deferred');
    expect(m.offer('refused', 9)).toBeUndefined(); // maxDeferred reached
    expect(m.deferredSize).toBe(3);
    expect(m.take()).toBe('q1'); // depth 3: still above the low-water mark, so no admission
    expect(m.deferredSize).toBe(3);
    expect(m.offer('late', 9)).toBeUndefined();
    expect(m.take()).toBe('q2'); // depth 2: still not below 2
    expect(m.deferredSize).toBe(3);
    expect(m.take()).toBe('q3'); // depth 1 < 2: deferred tasks enter, highest priority first, up to capacity
    expect(m.deferredSize).toBe(0);
    expect(m.size).toBe(4);
    expect(takeAll(m)).toEqual(['d-high', 'q4', 'd-mid', 'd-low']);
  });

  it('removes queued and deferred tasks by ticket, once', () => {
    const m = new PriorityMailbox<string>({ capacity: 1, overflow: 'defer', lowWaterMark: 1 });
    const a = m.offer('a', 5);
    const b = m.offer('b', 5);
    expect(b?.state).toBe('deferred');
    expect(m.remove(b!)).toBe(true);
    expect(m.remove(b!)).toBe(false);
    expect(m.remove(a!)).toBe(true);
    expect(a?.state).toBe('removed');
    expect(m.size).toBe(0);
    expect(m.take()).toBeUndefined();
  });

  it('drain empties queued then deferred tasks', () => {
    const m = new PriorityMailbox<string>({ capacity: 1, overflow: 'defer', lowWaterMark: 1, maxDeferred: 2 });
    m.offer('a', 1);
    m.offer('b', 2);
    m.offer('c', 9);
    expect(m.drain()).toEqual(['a', 'c', 'b']);
    expect(m.size + m.deferredSize).toBe(0);
    expect(m.offer('d', 1)?.state).toBe('queued');
  });

  it('onCapacity and whenBelow resolve when room appears, and honour abort', async () => {
    const m = new PriorityMailbox<number>({ capacity: 2 });
    m.offer(1, 5);
    m.offer(2, 5);
    let room = false;
    const capacity = m.onCapacity().then(() => (room = true));
    const below1 = m.whenBelow(1);
    const controller = new AbortController();
    const aborted = m.whenBelow(1, { signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    await Promise.resolve();
    expect(room).toBe(false);
    m.take();
    await capacity;
    expect(room).toBe(true);
    m.take();
    await expect(below1).resolves.toBeUndefined();
    await expect(m.whenBelow(0)).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it.each([
    [{ capacity: 0 }, /capacity must be an integer ≥ 1, got 0/],
    [{ capacity: 1.5 }, /capacity must be an integer/],
    [{ capacity: 4, overflow: 'drop' as never }, /^Mailbox overflow must be one of 'reject', 'shed-lowest', 'defer', got "drop"$/],
    [{ capacity: 4, lowWaterMark: 0 }, /^Mailbox lowWaterMark must be an integer from 1 to 4, got 0$/],
    [{ capacity: 4, lowWaterMark: 5 }, /^Mailbox lowWaterMark must be an integer from 1 to 4, got 5$/],
    [{ capacity: 4, maxDeferred: -1 }, /maxDeferred must be an integer ≥ 0/],
  ])('rejects bad options %j', (options, message) => {
    expect(() => new PriorityMailbox(options)).toThrow(message);
    expect(() => new PriorityMailbox(options)).toThrow(InvalidOptionError);
  });
});
