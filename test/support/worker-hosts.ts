import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isAlive, waitFor } from '../../src/drivers/process-tree.js';

const script = fileURLToPath(new URL('./child-worker-host.mjs', import.meta.url));

/** A worker host running as its own process (test/support/child-worker-host.mjs). */
export interface HostProcess {
  readonly id: string;
  readonly pid: number;
  readonly workerPids: readonly number[];
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM (finish the jobs in hand, then exit); resolves once it exited. */
  stop(): Promise<void>;
  /** SIGKILL; resolves once it is gone. */
  kill(): Promise<void>;
}

export async function spawnWorkerHost(
  redisUrl: string,
  id: string,
  /** `hostDefaults`: the host's own lock and liveness timings (else a 2 s lock and a 1.5 s registry key, to notice a lost host fast). */
  options: {
    workers?: number;
    lanes?: number;
    queue?: string;
    driverModule?: string;
    tmpRoot?: string;
    lockMs?: number;
    liveTtlMs?: number;
    hostDefaults?: boolean;
    supervisor?: Readonly<Record<string, unknown>>;
  } = {},
): Promise<HostProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [script, redisUrl, id, String(options.workers ?? 1), ...(options.driverModule ? [options.driverModule] : [])],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        QUEUE: options.queue ?? 'browser-actor',
        LANES: String(options.lanes ?? 1),
        ...(options.hostDefaults ? {} : { LOCK_MS: String(options.lockMs ?? 2000), LIVE_TTL_MS: String(options.liveTtlMs ?? 1500) }),
        ...(options.tmpRoot ? { BROWSER_ACTOR_TMPDIR: options.tmpRoot } : {}),
        ...(options.supervisor ? { SUPERVISOR: JSON.stringify(options.supervisor) } : {}),
      },
    },
  );
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await Promise.race([waitFor(() => /^ready /m.test(out), 60_000, 20), exited.then(() => false)]);
  const pid = child.pid as number;
  if (!ready) {
    if (isAlive(pid)) child.kill('SIGKILL');
    throw new Error(`worker host ${id} did not start: ${out.slice(0, 1000)}`);
  }
  const line = /^ready (\S+) (\S*)$/m.exec(out) as RegExpExecArray;
  return {
    id: line[1] as string,
    pid,
    workerPids: (line[2] as string).split(',').filter(Boolean).map(Number),
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
