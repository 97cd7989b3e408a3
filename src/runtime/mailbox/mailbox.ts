import { badOption, integerIn, oneOf } from '../../internal/options.js';

/** What happens when a task arrives at a full mailbox. */
export const OverflowPolicy = {
  /** The new task is refused (`ERR_MAILBOX_FULL`). */
  REJECT: 'reject',
  /** The newest task of the lowest queued priority is dropped (`ERR_SHED`) if the new one outranks it; otherwise the new one is refused. */
  SHED_LOWEST: 'shed-lowest',
  /** New tasks wait outside the mailbox until its depth falls below the low-water mark, then enter highest priority first. */
  DEFER: 'defer',
} as const;
export type OverflowPolicy = (typeof OverflowPolicy)[keyof typeof OverflowPolicy];

/** Priorities are integers `0 … PRIORITY_LEVELS - 1`; a higher number runs first. */
export const PRIORITY_LEVELS = 10;

/** Named priorities for readability; any integer in range is allowed. */
export const Priority = { LOWEST: 0, LOW: 2, NORMAL: 5, HIGH: 8, HIGHEST: 9 } as const;

/** Options of a {@link PriorityMailbox}: its capacity, overflow policy and bounds, and how to rank and answer entries. */
export interface MailboxOptions<T> {
  /** Most tasks queued at once. Must be ≥ 1. */
  readonly capacity: number;
  /** Default `'reject'`. */
  readonly overflow?: OverflowPolicy;
  /** `defer` only: once full, direct admission resumes when depth falls below this (1…capacity). Default `max(1, ⌊capacity / 2⌋)`. */
  readonly lowWaterMark?: number;
  /** `defer` only: most tasks waiting outside the mailbox; beyond it new tasks are refused. Default `capacity`. */
  readonly maxDeferred?: number;
  /** Called with a task dropped by `shed-lowest`, after it has left the mailbox. */
  readonly onShed?: (item: T) => void;
}

/**
 * The `defer` policy's bounds, checked, with their defaults: direct admission resumes below
 * `lowWaterMark` (default half the capacity), and at most `maxDeferred` wait (default the capacity).
 */
export function deferralBounds(
  capacity: number,
  lowWaterMark: number | undefined,
  maxDeferred: number | undefined,
): { readonly lowWaterMark: number; readonly maxDeferred: number } {
  const low = lowWaterMark ?? Math.max(1, Math.floor(capacity / 2));
  integerIn('Mailbox lowWaterMark', low, 1, capacity);
  const max = maxDeferred ?? capacity;
  integerIn('Mailbox maxDeferred', max, 0);
  return { lowWaterMark: low, maxDeferred: max };
}

/** Where a task is in the mailbox's life. */
export type TicketState = 'queued' | 'deferred' | 'taken' | 'removed' | 'shed' | 'drained';

/** A handle on an offered task, used to remove it (on cancel or timeout). */
export interface Ticket<T> {
  readonly item: T;
  readonly priority: number;
  readonly state: TicketState;
}

class Node<T> implements Ticket<T> {
  state: TicketState;
  constructor(
    readonly item: T,
    readonly priority: number,
    state: TicketState,
  ) {
    this.state = state;
  }
}

/** A FIFO of one priority; removal is O(1) by tombstone, skipped when reached. */
class Lane<T> {
  items: Node<T>[] = [];
  head = 0;
  live = 0;

  push(node: Node<T>): void {
    this.items.push(node);
    this.live++;
  }

  shift(): Node<T> | undefined {
    const items = this.items;
    while (this.head < items.length) {
      const node = items[this.head++] as Node<T>;
      if (node.state === 'queued' || node.state === 'deferred') {
        this.live--;
        this.#afterRemoval();
        return node;
      }
    }
    return undefined;
  }

  pop(): Node<T> | undefined {
    const items = this.items;
    while (items.length > this.head) {
      const node = items.pop() as Node<T>;
      if (node.state === 'queued' || node.state === 'deferred') {
        this.live--;
        this.#afterRemoval();
        return node;
      }
    }
    return undefined;
  }

  /** The node was marked removed by the caller. */
  tombstoned(): void {
    this.live--;
    this.#afterRemoval();
  }

  #afterRemoval(): void {
    if (this.live === 0) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/** Ten FIFO lanes with a bitmask of the non-empty ones, so highest/lowest lookups are O(1). */
class Lanes<T> {
  readonly lanes: Lane<T>[];
  mask = 0;
  size = 0;

  constructor(levels: number) {
    this.lanes = Array.from({ length: levels }, () => new Lane<T>());
  }

  push(node: Node<T>): void {
    (this.lanes[node.priority] as Lane<T>).push(node);
    this.mask |= 1 << node.priority;
    this.size++;
  }

  takeHighest(): Node<T> | undefined {
    if (this.mask === 0) return undefined;
    const p = 31 - Math.clz32(this.mask);
    return this.#taken(p, (this.lanes[p] as Lane<T>).shift());
  }

  popLowest(): Node<T> | undefined {
    if (this.mask === 0) return undefined;
    const p = 31 - Math.clz32(this.mask & -this.mask);
    return this.#taken(p, (this.lanes[p] as Lane<T>).pop());
  }

  lowestPriority(): number {
    return this.mask === 0 ? -1 : 31 - Math.clz32(this.mask & -this.mask);
  }

  tombstone(node: Node<T>): void {
    const lane = this.lanes[node.priority] as Lane<T>;
    lane.tombstoned();
    this.size--;
    if (lane.live === 0) this.mask &= ~(1 << node.priority);
  }

  #taken(p: number, node: Node<T> | undefined): Node<T> | undefined {
    if (!node) return undefined;
    this.size--;
    if ((this.lanes[p] as Lane<T>).live === 0) this.mask &= ~(1 << p);
    return node;
  }
}

interface Waiter {
  readonly test: () => boolean;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * A bounded priority mailbox. Invariants (checked by property tests): depth never exceeds
 * `capacity`; every admitted task leaves exactly once (taken, removed, shed or drained); a take
 * returns a task of the highest queued priority; tasks of one priority leave in arrival order.
 * Nothing here throws on a full mailbox: `offer` reports refusal by returning `undefined`.
 */
export class PriorityMailbox<T> {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly lowWaterMark: number;
  readonly maxDeferred: number;
  readonly #onShed: ((item: T) => void) | undefined;
  readonly #queued: Lanes<T>;
  readonly #deferred: Lanes<T>;
  #saturated = false;
  #waiters: Waiter[] = [];

  constructor(options: MailboxOptions<T>) {
    const { capacity } = options;
    integerIn('Mailbox capacity', capacity, 1);
    const overflow = oneOf('Mailbox overflow', options.overflow ?? OverflowPolicy.REJECT, Object.values(OverflowPolicy));
    const { lowWaterMark, maxDeferred } = deferralBounds(capacity, options.lowWaterMark, options.maxDeferred);
    this.capacity = capacity;
    this.overflow = overflow;
    this.lowWaterMark = lowWaterMark;
    this.maxDeferred = maxDeferred;
    this.#onShed = options.onShed;
    this.#queued = new Lanes(PRIORITY_LEVELS);
    this.#deferred = new Lanes(PRIORITY_LEVELS);
  }

  /** Tasks queued (admitted, not yet taken). */
  get size(): number {
    return this.#queued.size;
  }

  /** Tasks waiting outside the mailbox under the `defer` policy. */
  get deferredSize(): number {
    return this.#deferred.size;
  }

  /** Queued tasks per priority; index = priority. */
  sizes(): number[] {
    return this.#queued.lanes.map((lane) => lane.live);
  }

  /** True when an offer now would be admitted directly (no refusal, shed or deferral). */
  hasRoom(): boolean {
    return this.#queued.size < this.capacity && !this.#saturated;
  }

  /**
   * Offer a task. Returns its ticket (state `queued` or `deferred`), or `undefined` when the
   * overflow policy refuses it. `priority` must be an integer in range (validated by the caller).
   */
  offer(item: T, priority: number): Ticket<T> | undefined {
    if (this.hasRoom()) return this.#admit(new Node(item, priority, 'queued'));
    switch (this.overflow) {
      case OverflowPolicy.REJECT:
        return undefined;
      case OverflowPolicy.SHED_LOWEST: {
        if (priority <= this.#queued.lowestPriority()) return undefined;
        const victim = this.#queued.popLowest() as Node<T>;
        victim.state = 'shed';
        const node = this.#admit(new Node(item, priority, 'queued'));
        this.#onShed?.(victim.item);
        return node;
      }
      case OverflowPolicy.DEFER: {
        if (this.#deferred.size >= this.maxDeferred) return undefined;
        const node = new Node(item, priority, 'deferred');
        this.#deferred.push(node);
        return node;
      }
    }
  }

  /** Take the oldest task of the highest queued priority. */
  take(): T | undefined {
    const node = this.#queued.takeHighest();
    if (!node) return undefined;
    node.state = 'taken';
    this.#afterDecrease();
    return node.item;
  }

  /** Remove a queued or deferred task (cancel, timeout). Returns false if it already left. */
  remove(ticket: Ticket<T>): boolean {
    const node = ticket as Node<T>;
    if (node.state === 'queued') {
      node.state = 'removed';
      this.#queued.tombstone(node);
      this.#afterDecrease();
      return true;
    }
    if (node.state === 'deferred') {
      node.state = 'removed';
      this.#deferred.tombstone(node);
      return true;
    }
    return false;
  }

  /** Empty the mailbox, returning queued then deferred tasks, each highest priority first. */
  drain(): T[] {
    const out: T[] = [];
    for (const lanes of [this.#queued, this.#deferred]) {
      for (let node = lanes.takeHighest(); node; node = lanes.takeHighest()) {
        node.state = 'drained';
        out.push(node.item);
      }
    }
    this.#saturated = false;
    this.#settleWaiters();
    return out;
  }

  /** Resolves when an offer would be admitted directly. */
  onCapacity(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#wait(() => this.hasRoom(), options.signal);
  }

  /** Resolves when fewer than `n` tasks are queued. */
  whenBelow(n: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!Number.isInteger(n) || n < 1) return Promise.reject(badOption('whenBelow(n)', 'an integer ≥ 1', n));
    return this.#wait(() => this.#queued.size < n, options.signal);
  }

  /** Reject every pending `onCapacity`/`whenBelow` promise (the owner is shutting down). */
  rejectWaiters(reason: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(reason);
    }
  }

  #admit(node: Node<T>): Node<T> {
    this.#queued.push(node);
    if (this.overflow === OverflowPolicy.DEFER && this.#queued.size >= this.capacity) this.#saturated = true;
    return node;
  }

  #afterDecrease(): void {
    if (this.#saturated && this.#queued.size < this.lowWaterMark) {
      this.#saturated = false;
      while (this.#deferred.size > 0 && !this.#saturated) {
        const node = this.#deferred.takeHighest() as Node<T>;
        node.state = 'queued';
        this.#admit(node);
      }
    }
    if (this.#waiters.length > 0) this.#settleWaiters();
  }

  #settleWaiters(): void {
    const keep: Waiter[] = [];
    const ready: Waiter[] = [];
    for (const w of this.#waiters) (w.test() ? ready : keep).push(w);
    this.#waiters = keep;
    for (const w of ready) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
  }

  #wait(test: () => boolean, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (test()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        test,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }
}
