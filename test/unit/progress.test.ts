import { describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/internal/clock.js';
import { createProgress } from '../../src/internal/progress.js';
import { textSink } from '../support/text-sink.js';

/** A clock whose time the test sets (progress only reads `now()`). */
function settable(): Clock & { set(ms: number): void } {
  let t = 0;
  return { now: () => t, set: (ms: number) => (t = ms) } as unknown as Clock & { set(ms: number): void };
}

describe('progress of a long command', () => {
  it('on a terminal: a bar redrawn in place with rate and time left, at most 10 times a second, and a last line', () => {
    const clock = settable();
    const sink = textSink();
    const p = createProgress({ unit: 'searches', total: 4, write: (text) => void sink.stream.write(text), tty: true, clock });
    clock.set(500);
    p.tick();
    p.tick(); // within 100 ms of the last redraw: not drawn
    clock.set(1000);
    p.tick();
    clock.set(2000);
    p.tick();
    p.end();
    // Each frame ends by clearing the rest of the line (ESC [K); drop that to compare the text.
    const frames = sink
      .text()
      .split('\r')
      .filter(Boolean)
      .map((f) => f.replace('\u001b[K', ''));
    expect(frames[0]).toMatch(/^\[#{8}\.{22}\] 1\/4 searches \(25%\), 2\.0\/s, about 2 s left$/);
    expect(frames).toHaveLength(4);
    expect(frames.at(-1)).toMatch(/^\[#{30}\] 4\/4 searches \(100%\), 2\.0\/s, in 2 s\n$/);
  });

  it('elsewhere: a plain line every interval and one at the end, no carriage returns', () => {
    const clock = settable();
    const sink = textSink();
    const p = createProgress({
      unit: 'searches',
      total: 100,
      write: (text) => void sink.stream.write(text),
      tty: false,
      everyMs: 10_000,
      clock,
    });
    for (let i = 1; i <= 100; i++) {
      clock.set(i * 250);
      p.tick();
    }
    p.end();
    expect(sink.text()).not.toContain('\r');
    expect(sink.text().trim().split('\n')).toEqual([
      '40/100 searches (40%), 4.0/s, about 15 s left',
      '80/100 searches (80%), 4.0/s, about 5 s left',
      '100/100 searches (100%), 4.0/s, in 25 s',
    ]);
  });

  it('--quiet (and an empty total) shows nothing', () => {
    const sink = textSink();
    const p = createProgress({ unit: 'searches', total: 3, write: (text) => void sink.stream.write(text), tty: true, quiet: true });
    p.tick();
    p.end();
    createProgress({ unit: 'searches', total: 0, write: (text) => void sink.stream.write(text), tty: false }).end();
    expect(sink.text()).toBe('');
  });

  it('set(), a label, and lines printed between frames that do not break the bar', () => {
    const clock = settable();
    const sink = textSink();
    const p = createProgress({
      unit: 's planned',
      total: 100,
      rate: false,
      write: (text) => void sink.stream.write(text),
      tty: true,
      clock,
    });
    p.label('peers (1/2)');
    clock.set(1000);
    p.set(40);
    p.print('[2/2] gates\n');
    p.set(30); // never goes back
    clock.set(2000);
    p.set(100);
    p.end();
    const frames = sink
      .text()
      .split('\r')
      .filter(Boolean)
      .map((f) => f.replace('\u001b[K', ''));
    expect(frames).toEqual([
      '[############..................] 40/100 s planned (40%), about 2 s left: peers (1/2)',
      '[2/2] gates\n', // the bar cleared first …
      '[############..................] 40/100 s planned (40%), about 2 s left: peers (1/2)', // … and drawn again below
      '[##############################] 100/100 s planned (100%), in 2 s: peers (1/2)',
      '[##############################] 100/100 s planned (100%), in 2 s: peers (1/2)\n', // end() leaves the line
    ]);
  });

  it('heartbeat: a plain line every interval while a long step runs, even with no tick', async () => {
    vi.useFakeTimers();
    try {
      const clock = settable();
      const sink = textSink();
      const p = createProgress({
        unit: 'gates',
        total: 2,
        write: (text) => void sink.stream.write(text),
        tty: false,
        everyMs: 10_000,
        heartbeat: true,
        clock,
      });
      p.label('Gate 2');
      p.tick();
      clock.set(12_000);
      await vi.advanceTimersByTimeAsync(1000);
      clock.set(15_000);
      await vi.advanceTimersByTimeAsync(1000); // within 10 s of the last line: nothing
      p.end();
      expect(sink.text().trim().split('\n')).toEqual([
        '1/2 gates (50%), 0.1/s, about 12 s left: Gate 2',
        '1/2 gates (50%), 0.1/s, about 15 s left: Gate 2',
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
