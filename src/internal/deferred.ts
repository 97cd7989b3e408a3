/** A promise with its settle functions exposed (Node 20 lacks `Promise.withResolvers`). */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function createDeferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Attach a no-op rejection handler so an intentionally ignored promise never reports as unhandled. */
export function ignoreRejection(promise: Promise<unknown>): void {
  promise.catch(() => undefined);
}
