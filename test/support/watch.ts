/** Settle state of a promise: its outcome and how many times it settled, recorded without unhandled rejections. */
export function watch<T>(promise: Promise<T>): { readonly settled: boolean; readonly value?: T; readonly error?: unknown; count: number } {
  const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown, count: 0 };
  promise.then(
    (value) => Object.assign(state, { settled: true, value, count: state.count + 1 }),
    (error: unknown) => Object.assign(state, { settled: true, error, count: state.count + 1 }),
  );
  return state;
}
