/**
 * Run another benchmark of ours as a child process with `--json`, within a deadline, and read its
 * JSON answer: how `bench:gates` and `npm run bench` reuse the benchmarks without copying them.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { descendantsOf, signalGroup, signalProcess } from '../src/drivers/process-tree.js';
import type { MachineInfo } from './report.js';

export interface ChildBench {
  /** The script's name in build/bench, without `.js`, e.g. `lanes-bench`. */
  readonly script: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  /** Node's own flags for the child, e.g. `--expose-gc`. */
  readonly nodeArgs?: readonly string[];
  /** Extra environment for the child (secrets go here, never on its command line). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ChildResult {
  readonly command: string;
  readonly seconds: number;
  readonly json?: unknown;
  readonly error?: string;
}

/** One benchmark's entry in `npm run bench`'s report. */
export interface BenchEntry extends ChildResult {
  readonly name: string;
  readonly title: string;
}

/** What `npm run bench` writes as report.json and renders as Markdown and HTML. */
export interface BenchReport {
  readonly generatedAt: string;
  readonly profile: 'standard' | 'smoke';
  readonly machine: MachineInfo;
  readonly totalSeconds: number;
  readonly benches: readonly BenchEntry[];
}

/** The command line a user would type for `bench` (how reports record it). */
export function commandOf(bench: Pick<ChildBench, 'script' | 'args' | 'nodeArgs'>): string {
  return ['node', ...(bench.nodeArgs ?? []), `build/bench/${bench.script}.js`, '--json', ...bench.args].join(' ');
}

/**
 * Run `bench` and parse what it printed as JSON. A run that fails, prints no JSON, or passes its
 * deadline (then its process group is killed) comes back with `error` instead of `json`, and the
 * last lines it wrote to stderr.
 */
export function runChildBench(bench: ChildBench, onLine?: (line: string) => void): Promise<ChildResult> {
  const started = performance.now();
  const path = fileURLToPath(new URL(`./${bench.script}.js`, import.meta.url));
  // --quiet: the child's own progress display would only fill the stderr tail kept for errors.
  const child = spawn(process.execPath, [...(bench.nodeArgs ?? []), path, '--json', '--quiet', ...bench.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...bench.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    if (onLine) for (const line of chunk.split('\n')) if (line.trim()) onLine(line.trim());
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(child.pid as number);
  }, bench.timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const command = commandOf(bench);
      const tail = stderr.trim().split('\n').slice(-5).join(' | ');
      if (timedOut)
        return resolve({
          command,
          seconds,
          error: `did not finish within ${Math.round(bench.timeoutMs / 1000)} s${tail ? ` (${tail})` : ''}`,
        });
      if (code !== 0) return resolve({ command, seconds, error: `exited with ${code ?? signal}${tail ? `: ${tail}` : ''}` });
      try {
        resolve({ command, seconds, json: JSON.parse(stdout) as unknown });
      } catch {
        resolve({ command, seconds, error: `printed no JSON${tail ? ` (${tail})` : ''}` });
      }
    });
  });
}

/** SIGKILL `pid` and everything it started, including browsers that lead process groups of their own. */
function killTree(pid: number): void {
  const doomed = descendantsOf(pid);
  for (const p of doomed) if (p.pgid === p.pid) signalGroup(p.pid, 'SIGKILL');
  signalGroup(pid, 'SIGKILL');
  for (const p of doomed) signalProcess(p.pid, 'SIGKILL');
}
