/**
 * Run `fn` over `items` with at most `concurrency` calls in flight, taking items in order.
 * Results come back in input order, each settled on its own (one failure stops nothing).
 * `fn` also gets which of the `concurrency` workers runs it (one call at a time per worker).
 * `onSettled` sees each result as it settles, in completion order. Once `signal` is aborted no
 * further item is started (calls in flight run on; their slots in the result stay empty).
 */
import { integerIn } from './options.js';
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number, worker: number) => Promise<R>,
  onSettled?: (index: number, result: PromiseSettledResult<R>) => void,
  signal?: AbortSignal,
): Promise<PromiseSettledResult<R>[]> {
  integerIn('concurrency', concurrency, 1);
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const work = async (worker: number): Promise<void> => {
    while (next < items.length && signal?.aborted !== true) {
      const i = next++;
      let result: PromiseSettledResult<R>;
      try {
        result = { status: 'fulfilled', value: await fn(items[i] as T, i, worker) };
      } catch (reason) {
        result = { status: 'rejected', reason };
      }
      results[i] = result;
      onSettled?.(i, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, (_, w) => work(w)));
  return results;
}

/**
 * Hands out settled results in input order as soon as every earlier one has settled, so output
 * produced with concurrency reads exactly as a sequential run's.
 */
export class InOrder<R> {
  readonly #pending = new Map<number, R>();
  #next = 0;
  readonly #emit: (index: number, value: R) => void;

  constructor(emit: (index: number, value: R) => void) {
    this.#emit = emit;
  }

  push(index: number, value: R): void {
    this.#pending.set(index, value);
    while (this.#pending.has(this.#next)) {
      const v = this.#pending.get(this.#next) as R;
      this.#pending.delete(this.#next);
      this.#emit(this.#next++, v);
    }
  }
}
