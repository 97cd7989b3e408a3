import { type Clock, systemClock } from './clock.js';

/** Progress of a long command: `tick()` per unit done (or `set()` the amount done), `end()` once. */
export interface Progress {
  tick(units?: number): void;
  /** The amount done so far (it never goes back). */
  set(done: number): void;
  /** What is being done now, shown after the figures (e.g. the benchmark running). */
  label(text: string): void;
  /** Print a line of one's own (it ends in a newline) without breaking the bar: on a terminal the bar is cleared first and redrawn after. */
  print(line: string): void;
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
  /** How the amounts read: by default `done/total unit`; e.g. megabytes for bytes. */
  readonly format?: (amount: number) => string;
  /** Show the rate (units per second). Default true; off when units are not meaningful per second. */
  readonly rate?: boolean;
  /**
   * Also show when nothing ticks, for steps that take minutes: a plain line every `everyMs`, a
   * terminal bar redrawn every second. Uses an unref'd timer, cleared by `end()`.
   */
  readonly heartbeat?: boolean;
}

const silent = (write: (text: string) => void): Progress => ({
  tick: () => undefined,
  set: () => undefined,
  label: () => undefined,
  print: (line) => write(line),
  end: () => undefined,
});

/**
 * A progress display with rate and time left: on a terminal a bar redrawn in place (at most 10
 * times a second), otherwise a plain line every `everyMs` and one at the end, so that logs and
 * pipes get a few lines, not a stream of carriage returns.
 */
export function createProgress(options: ProgressOptions): Progress {
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  if (options.quiet || options.total <= 0) return silent(write);
  const tty = options.tty ?? process.stderr.isTTY === true;
  const clock = options.clock ?? systemClock;
  const everyMs = options.everyMs ?? 10_000;
  const started = clock.now();
  const amount = options.format ?? ((n: number) => String(n));
  let done = 0;
  let shownAt = tty ? Number.NEGATIVE_INFINITY : started;
  let ended = false;
  let now = '';
  const line = (): string => {
    const elapsed = (clock.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const left = rate > 0 ? Math.ceil((options.total - done) / rate) : undefined;
    const pct = Math.floor((done / options.total) * 100);
    const eta =
      done >= options.total
        ? `in ${formatSeconds(elapsed)}`
        : left === undefined
          ? 'time left unknown'
          : `about ${formatSeconds(left)} left`;
    const perSecond = options.rate === false ? '' : `, ${options.format ? amount(rate) : rate.toFixed(1)}/s`;
    return `${amount(done)}/${amount(options.total)} ${options.unit} (${pct}%)${perSecond}, ${eta}${now === '' ? '' : `: ${now}`}`;
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
  const maybeShow = (): void => {
    if (clock.now() - shownAt >= (tty ? 100 : everyMs)) show(false);
  };
  const timer = options.heartbeat ? setInterval(() => maybeShow(), tty ? 1000 : Math.min(everyMs, 1000)) : undefined;
  timer?.unref();
  return {
    tick(units = 1) {
      if (ended) return;
      done = Math.min(options.total, done + units);
      maybeShow();
    },
    set(value) {
      if (ended || value <= done) return;
      done = Math.min(options.total, value);
      maybeShow();
    },
    label(text) {
      now = text;
    },
    print(text) {
      if (tty && !ended && shownAt !== Number.NEGATIVE_INFINITY) {
        write(`\r\u001b[K${text}`);
        show(false);
      } else {
        write(text);
      }
    },
    end() {
      if (ended) return;
      ended = true;
      if (timer) clearInterval(timer);
      show(true);
    },
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
