/** Poll until `done()` holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(done: () => boolean, timeoutMs: number, intervalMs = 25): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    if (done()) return true;
    if (performance.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Whether a process with this pid exists (signal 0: a zombie not yet reaped still counts). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
