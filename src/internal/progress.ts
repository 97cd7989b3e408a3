import { type Clock, systemClock } from './clock.js';

/** Progress of a long command: `tick()` per unit done, `end()` once. */
export interface Progress {
  tick(units?: number): void;
  end(): void;
}

export interface ProgressOptions {
  /** What is counted, e.g. "searches". */
  readonly unit: string;
  readonly total: number;
  /** Where the text goes (lines end in a newline; bar frames start with a carriage return). Default: stderr. */
  readonly write?: (text: string) => void;
  /** A bar redrawn in place (terminal) or plain periodic lines. Default: whether stderr is a terminal. */
  readonly tty?: boolean;
  /** Plain mode: a line at most this often. Default 10 000 ms. */
  readonly everyMs?: number;
  /** Nothing at all (`--quiet`). */
  readonly quiet?: boolean;
  readonly clock?: Clock;
}

const silent: Progress = { tick: () => undefined, end: () => undefined };

/**
 * A progress display with rate and time left: on a terminal a bar redrawn in place (at most 10
 * times a second), otherwise a plain line every `everyMs` and one at the end, so that logs and
 * pipes get a few lines, not a stream of carriage returns.
 */
export function createProgress(options: ProgressOptions): Progress {
  if (options.quiet || options.total <= 0) return silent;
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  const tty = options.tty ?? process.stderr.isTTY === true;
  const clock = options.clock ?? systemClock;
  const everyMs = options.everyMs ?? 10_000;
  const started = clock.now();
  let done = 0;
  let shownAt = tty ? Number.NEGATIVE_INFINITY : started;
  let ended = false;
  const line = (): string => {
    const elapsed = (clock.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const left = rate > 0 ? Math.ceil((options.total - done) / rate) : undefined;
    const pct = Math.floor((done / options.total) * 100);
    const eta = done >= options.total ? `in ${formatSeconds(elapsed)}` : left === undefined ? 'time left unknown' : `about ${formatSeconds(left)} left`;
    return `${done}/${options.total} ${options.unit} (${pct}%), ${rate.toFixed(1)}/s, ${eta}`;
  };
  const show = (final: boolean): void => {
    if (tty) {
      const width = 30;
      const filled = Math.round((done / options.total) * width);
      write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line()}\u001b[K${final ? '\n' : ''}`);
    } else {
      write(`${line()}\n`);
    }
    shownAt = clock.now();
  };
  return {
    tick(units = 1) {
      if (ended) return;
      done = Math.min(options.total, done + units);
      if (clock.now() - shownAt >= (tty ? 100 : everyMs)) show(false);
    },
    end() {
      if (ended) return;
      ended = true;
      show(true);
    },
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
