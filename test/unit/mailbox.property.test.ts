import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OverflowPolicy, PRIORITY_LEVELS, PriorityMailbox, type Ticket } from '../../src/runtime/mailbox/mailbox.js';

interface Item {
  readonly seq: number;
  readonly priority: number;
}

type Op = { kind: 'offer'; priority: number } | { kind: 'take' } | { kind: 'remove'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: PRIORITY_LEVELS - 1 }).map((priority) => ({ kind: 'offer' as const, priority })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'take' as const }) },
  { weight: 1, arbitrary: fc.nat(1000).map((pick) => ({ kind: 'remove' as const, pick })) },
);

const configArb = fc.record({
  capacity: fc.integer({ min: 1, max: 8 }),
  overflow: fc.constantFrom<OverflowPolicy>('reject', 'shed-lowest', 'defer'),
  lowWaterFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  maxDeferred: fc.integer({ min: 0, max: 6 }),
});

/**
 * Model-free invariants of the mailbox, over random sequences of offers, takes and removals with
 * every overflow policy: never above capacity; every admitted task leaves exactly once; a take
 * returns a task of the highest queued priority; FIFO within a priority.
 */
describe('PriorityMailbox properties', () => {
  it('holds its invariants under any sequence of operations', () => {
    fc.assert(
      fc.property(configArb, fc.array(opArb, { maxLength: 200 }), (config, ops) => {
        const left = new Map<number, string>(); // seq → how it left
        const leave = (item: Item, how: string): void => {
          expect(left.has(item.seq), `task ${item.seq} left twice (${left.get(item.seq)}, then ${how})`).toBe(false);
          left.set(item.seq, how);
        };
        const lowWaterMark = Math.max(1, Math.ceil(config.lowWaterFraction * config.capacity));
        const m = new PriorityMailbox<Item>({
          capacity: config.capacity,
          overflow: config.overflow,
          lowWaterMark,
          maxDeferred: config.maxDeferred,
          onShed: (item) => leave(item, 'shed'),
        });
        const tickets: Ticket<Item>[] = [];
        const inside = new Map<number, Item>(); // admitted or deferred, not yet left
        let seq = 0;
        const lastTakenSeqByPriority = new Map<number, number>();

        for (const op of ops) {
          if (op.kind === 'offer') {
            const item = { seq: seq++, priority: op.priority };
            const ticket = m.offer(item, op.priority);
            if (ticket) {
              tickets.push(ticket);
              inside.set(item.seq, item);
            }
          } else if (op.kind === 'take') {
            const queuedBefore = m.sizes();
            const item = m.take();
            if (item) {
              leave(item, 'taken');
              inside.delete(item.seq);
              // Highest priority: nothing queued outranked it.
              const higher = queuedBefore.slice(item.priority + 1).reduce((a, b) => a + b, 0);
              expect(higher).toBe(0);
              // FIFO within a priority.
              const last = lastTakenSeqByPriority.get(item.priority) ?? -1;
              expect(item.seq).toBeGreaterThan(last);
              lastTakenSeqByPriority.set(item.priority, item.seq);
            } else {
              expect(m.size).toBe(0);
            }
          } else if (tickets.length > 0) {
            const ticket = tickets[op.pick % tickets.length] as Ticket<Item>;
            const wasInside = ticket.state === 'queued' || ticket.state === 'deferred';
            expect(m.remove(ticket)).toBe(wasInside);
            if (wasInside) {
              leave(ticket.item, 'removed');
              inside.delete(ticket.item.seq);
            }
          }
          for (const [s] of left) inside.delete(s); // shed during an offer
          // Never above capacity; deferral bounded.
          expect(m.size).toBeLessThanOrEqual(config.capacity);
          expect(m.deferredSize).toBeLessThanOrEqual(config.maxDeferred);
          expect(m.size + m.deferredSize).toBe(inside.size);
          expect(m.sizes().reduce((a, b) => a + b, 0)).toBe(m.size);
        }
        // Everything still inside leaves exactly once when drained.
        for (const item of m.drain()) {
          leave(item, 'drained');
          inside.delete(item.seq);
        }
        expect(inside.size).toBe(0);
        expect(m.size + m.deferredSize).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('under defer, every deferred task is eventually admitted and taken when the consumer keeps up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 60 }), (capacity, priorities) => {
        const m = new PriorityMailbox<number>({ capacity, overflow: 'defer', maxDeferred: priorities.length });
        const accepted: number[] = [];
        priorities.forEach((p, i) => {
          if (m.offer(i, p)) accepted.push(i);
        });
        const taken: number[] = [];
        for (let x = m.take(); x !== undefined; x = m.take()) taken.push(x);
        expect(taken.sort((a, b) => a - b)).toEqual(accepted);
      }),
      { numRuns: 300 },
    );
  });
});
