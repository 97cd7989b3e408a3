import type { Clock, TimerHandle } from './clock.js';

/** A scheduled deadline; `cancel()` is idempotent. */
export interface Deadline {
  cancel(): void;
}

class Entry implements Deadline {
  cancelled = false;
  constructor(
    readonly at: number,
    readonly seq: number,
    readonly callback: () => void,
    readonly owner: DeadlineScheduler,
  ) {}
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.owner.noteCancelled();
  }
}

/**
 * Many deadlines, one timer. Tasks each need a deadline, and arming a platform timer per task
 * costs more than the task's own bookkeeping; a binary heap keyed by due time with lazy deletion
 * keeps scheduling at O(log n) and re-arms the single timer only when the earliest deadline changes.
 */
export class DeadlineScheduler {
  readonly #clock: Clock;
  #heap: Entry[] = [];
  #seq = 0;
  #cancelled = 0;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #timerKeepsAlive = true;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Call `callback` once `clock.now() >= at`, unless cancelled first. */
  at(at: number, callback: () => void): Deadline {
    const entry = new Entry(at, this.#seq++, callback, this);
    this.#push(entry);
    if (at < this.#timerAt) this.#arm(at);
    else this.#keepAlive(true);
    return entry;
  }

  /** Number of live (not cancelled, not fired) deadlines. */
  get size(): number {
    return this.#heap.length - this.#cancelled;
  }

  /** Entries held, cancelled ones not yet dropped included (bounded: see {@link noteCancelled}). */
  get stored(): number {
    return this.#heap.length;
  }

  /** @internal */
  noteCancelled(): void {
    this.#cancelled++;
    // Nothing live: the timer stays armed (re-arming per task costs microseconds) but no longer
    // keeps the process alive, so an idle runtime never delays its process's exit.
    if (this.#cancelled === this.#heap.length) this.#keepAlive(false);
    // Lazy deletion keeps cancel O(1); compact when tombstones dominate so memory stays bounded.
    if (this.#cancelled > 64 && this.#cancelled * 2 > this.#heap.length) this.#compact();
  }

  /** Cancel everything and release the timer. */
  clear(): void {
    for (const e of this.#heap) e.cancelled = true;
    this.#heap = [];
    this.#cancelled = 0;
    this.#disarm();
  }

  #arm(at: number): void {
    this.#disarm();
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), at - this.#clock.now());
    this.#timerKeepsAlive = true;
  }

  #keepAlive(keep: boolean): void {
    if (this.#timer !== undefined && this.#timerKeepsAlive !== keep) {
      this.#timerKeepsAlive = keep;
      this.#clock.setKeepAlive?.(this.#timer, keep);
    }
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    for (;;) {
      const top = this.#heap[0];
      if (!top) break;
      if (top.cancelled) {
        this.#pop();
        this.#cancelled--;
        continue;
      }
      if (top.at > now) break;
      this.#pop();
      top.cancelled = true; // fired: a later cancel() must not count it as a tombstone
      try {
        top.callback();
      } catch (error) {
        process.emitWarning(`A deadline callback threw: ${String(error)}`);
      }
    }
    this.#skipCancelledTop();
    const next = this.#heap[0];
    if (next) this.#arm(next.at);
  }

  #skipCancelledTop(): void {
    while (this.#heap[0]?.cancelled) {
      this.#pop();
      this.#cancelled--;
    }
  }

  #compact(): void {
    this.#heap = this.#heap.filter((e) => !e.cancelled);
    this.#cancelled = 0;
    for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry;
      if (!this.#less(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last && heap.length > 0) {
      heap[0] = last;
      this.#down(0);
    }
  }

  #down(start: number): void {
    const heap = this.#heap;
    const n = heap.length;
    let i = start;
    const item = heap[i] as Entry;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#less(heap[r] as Entry, heap[l] as Entry)) c = r;
      const child = heap[c] as Entry;
      if (!this.#less(child, item)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = item;
  }
}
