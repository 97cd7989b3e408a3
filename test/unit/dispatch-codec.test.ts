import { beforeEach, describe, expect, it } from 'vitest';
import {
  ActorCrashedError,
  BrowserActorError,
  NavigationError,
  QueuePayloadError,
  ScriptError,
  TaskTimeoutError,
  deserializeError,
  isBrowserActorError,
  serializeError,
} from '../../src/errors.js';
import { CODES_WITH_CLASS } from '../support/error-codes.js';
import {
  type FromWorker,
  OrderedSender,
  type ToWorker,
  decodeOutcome,
  encodeOutcome,
  frame,
  fromWorkerProblem,
  isFromWorker,
  isToWorker,
  packForQueue,
  unframe,
  unpackFromQueue,
} from '../../src/runtime/dispatch/codec.js';
import { ExecuteJS, Navigate } from '../../src/runtime/tasks/constructors.js';

/** What the dispatcher's IPC channel does: a frame of the value, as JSON (Node's `serialization: 'json'`), decoded. */
const overIpc = <T>(value: T): T => {
  const decoded = unframe(JSON.parse(JSON.stringify(frame(value))));
  if (!('message' in decoded)) throw new Error(decoded.problem);
  return decoded.message as T;
};
/** What BullMQ does with a job's answer: packed to a string, stored as JSON in Redis, read back. */
const overRedis = <T>(value: T): T => unpackFromQueue(JSON.parse(JSON.stringify(packForQueue(value)))) as T;
const transports: [string, <T>(value: T) => T][] = [
  ['IPC', overIpc],
  ['Redis', overRedis],
];
let overTheWire = overIpc;
const roundTrip = (value: unknown, error?: unknown): { value: unknown; error: Error | undefined } =>
  decodeOutcome(overTheWire(encodeOutcome(value, error)));

describe.each(transports)('dispatcher codec over %s: every value a task may return survives the process boundary', (_name, transport) => {
  beforeEach(() => {
    overTheWire = transport;
  });
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255, 7]);
  const values: [string, unknown][] = [
    ['Navigate result', { url: 'http://127.0.0.1:1/x?q=ü', status: 200 }],
    ['Navigate to about:blank (status null)', { url: 'about:blank', status: null }],
    ['CurrentUrl', 'http://127.0.0.1:1/'],
    ['ExecuteJS undefined', undefined],
    ['ExecuteJS null', null],
    ['ExecuteJS numbers', [0, 1.5, -2, Number.MAX_SAFE_INTEGER, 1e-300]],
    ['ExecuteJS nested plain data', { a: [1, { b: 'c', d: [true, false, null] }], 'key with spaces': '' }],
    ['ExecuteJS strings beyond ASCII', ['Zoë Brontë', '家系図', '\u0000\n\t', '😀']],
    [
      'GetCookies',
      [{ name: 'sid', value: 'v', domain: '127.0.0.1', path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' }],
    ],
    [
      'ExportCookies storage-state',
      { cookies: [], origins: [{ origin: 'http://127.0.0.1:1', localStorage: [{ name: 'k', value: 'v' }] }] },
    ],
    ['ExportCookies netscape', '# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\tv\n'],
  ];

  it.each(values)('%s', (_label, value) => {
    expect(roundTrip(value)).toEqual({ value, error: undefined });
  });

  it('a screenshot arrives as bytes (a Node Buffer as a plain Uint8Array), not as an object of indices', () => {
    const { value } = roundTrip(png);
    expect(value).toBeInstanceOf(Uint8Array);
    expect([...(value as Uint8Array)]).toEqual([...png]);
    const fromBuffer = roundTrip(Buffer.from(png)).value;
    expect(fromBuffer).toBeInstanceOf(Uint8Array);
    expect([...(fromBuffer as Uint8Array)]).toEqual([...png]);
  });

  it('undefined inside arrays and objects stays undefined (JSON would have dropped or nulled it)', () => {
    const { value } = roundTrip({ list: [1, undefined, 3], missing: undefined });
    expect(value).toEqual({ list: [1, undefined, 3], missing: undefined });
    expect(Object.keys(value as object)).toEqual(['list', 'missing']);
  });
});

describe.each(transports)('dispatcher codec over %s: errors come back as our classes, by code, with their details', (_name, transport) => {
  beforeEach(() => {
    overTheWire = transport;
  });
  it.each(CODES_WITH_CLASS)('%s', (code) => {
    const original = new BrowserActorError(code, `failed with ${code}`, {
      details: { taskId: 'd:1', maybeExecuted: true, count: 3, none: null },
    });
    const { value, error } = roundTrip(undefined, original);
    expect(value).toBeUndefined();
    expect(isBrowserActorError(error, code)).toBe(true);
    expect(error).toMatchObject({
      code,
      message: `failed with ${code}`,
      details: { taskId: 'd:1', maybeExecuted: true, count: 3, none: null },
    });
  });

  it('subclasses and causes survive: an ActorCrashedError caused by a NavigationError', () => {
    const cause = new NavigationError('Navigation to http://127.0.0.1:1/ failed: net::ERR_CONNECTION_REFUSED', {
      details: { netError: 'net::ERR_CONNECTION_REFUSED' },
    });
    const { error } = roundTrip(undefined, new ActorCrashedError('lost', { cause, details: { maybeExecuted: true } }));
    expect(error).toBeInstanceOf(ActorCrashedError);
    expect((error as ActorCrashedError).details['maybeExecuted']).toBe(true);
    expect(error?.cause).toBeInstanceOf(NavigationError);
    expect((error?.cause as NavigationError).details['netError']).toBe('net::ERR_CONNECTION_REFUSED');
  });

  it('script errors and timeouts keep their class; foreign errors keep name and message; thrown non-errors are described, not copied', () => {
    expect(roundTrip(undefined, new ScriptError('TypeError: x is undefined')).error).toBeInstanceOf(ScriptError);
    expect(roundTrip(undefined, new TaskTimeoutError('late')).error).toBeInstanceOf(TaskTimeoutError);
    const foreign = roundTrip(undefined, new RangeError('out of range')).error;
    expect(foreign).toMatchObject({ name: 'RangeError', message: 'out of range', code: 'ERR_UNKNOWN' });
    const thrown = roundTrip(undefined, 'password=hunter2').error;
    expect(thrown?.message).toBe('Non-error value thrown (string)');
  });
});

describe('dispatcher codec: messages', () => {
  it('every message survives the channel and is recognised; anything else is not', () => {
    const toWorker: ToWorker[] = [
      { t: 'init', config: { index: 0, incarnation: 1, supervisor: { lanes: 2 }, browser: { headless: true } } },
      { t: 'task', id: 'd:1', task: Navigate('http://127.0.0.1:1/'), priority: 5, timeoutMs: 1000, handle: 'h1' },
      { t: 'task', id: 'd:2', task: ExecuteJS('return arguments[0]', [{ a: [1] }], { idempotent: true }), priority: 9, timeoutMs: 5 },
      { t: 'cancel', id: 'd:1' },
      { t: 'release', handle: 'h1' },
      { t: 'ping', seq: 3 },
      { t: 'stop', timeoutMs: 100 },
    ];
    for (const m of toWorker) expect(isToWorker(overIpc(m))).toBe(true);
    expect(overIpc(toWorker[2])).toEqual(toWorker[2]);
    const fromWorker: FromWorker[] = [
      { t: 'ready', browserPid: 12 },
      { t: 'started', id: 'd:1', attempt: 1 },
      { t: 'done', id: 'd:1', value: undefined },
      { t: 'failed', id: 'd:1', error: { name: 'ScriptError', code: 'ERR_SCRIPT', message: 'x' } },
      { t: 'pong', seq: 3, health: { state: 'healthy', restarts: 0, browserPid: 12, inFlight: 1, queueDepth: 0 } },
      { t: 'fatal', error: { name: 'BrowserNotFoundError', code: 'ERR_BROWSER_NOT_FOUND', message: 'none' } },
    ];
    for (const m of fromWorker) expect(isFromWorker(overIpc(m))).toBe(true);
    for (const junk of [null, 1, 'done', {}, { t: 'done' }, { t: 'task', id: 5 }, { t: 'nope', id: 'x' }]) {
      expect(isFromWorker(junk)).toBe(false);
      expect(isToWorker(junk)).toBe(false);
    }
  });
});

describe('dispatcher codec: what a broken worker may send is named, never acted on', () => {
  const error = (extra: object = {}) => ({ name: 'Error', code: 'ERR_DRIVER', message: 'm', ...extra });
  const health = { state: 'healthy', restarts: 0, browserPid: 12, inFlight: 1, queueDepth: 0 };
  it.each([
    ['pong without health', { t: 'pong', seq: 1, health: null }, /^pong: health is not an object/],
    [
      'pong with a wrong field type',
      { t: 'pong', seq: 1, health: { ...health, restarts: '1' } },
      /^pong: health restarts, inFlight or queueDepth/,
    ],
    [
      'pong with a lastFault of the wrong shape',
      { t: 'pong', seq: 1, health: { ...health, lastFault: { kind: 1 } } },
      /^pong: health lastFault/,
    ],
    ['failed without error', { t: 'failed', id: 'd:1', error: null }, /^failed: error is not an object/],
    ['fatal without error', { t: 'fatal', error: null }, /^fatal: error is not an object/],
    [
      'an error with object details',
      { t: 'failed', id: 'd:1', error: error({ details: { x: { y: 1 } } }) },
      /detail that is not a short plain value/,
    ],
    [
      'an error with a cause chain deeper than ours',
      { t: 'failed', id: 'd:1', error: [1, 2, 3, 4, 5].reduce<object>((c) => error({ cause: c }), error()) },
      /causes more than 4 deep/,
    ],
    ['started without attempt', { t: 'started', id: 'd:1' }, /^started: attempt/],
    ['ready with a pid that is not one', { t: 'ready', browserPid: -1 }, /^ready: browserPid/],
  ])('%s', (_label, message, problem) => {
    expect(fromWorkerProblem(message)).toMatch(problem);
    expect(isFromWorker(message)).toBe(false);
  });

  it("what our own side sends always passes the check: long error names, messages, codes and details are cut to the wire's limits on the way", () => {
    const long = 'x'.repeat(100_000);
    const script = new ScriptError(long, { details: { errorName: long, url: `http://127.0.0.1/${long}` } });
    script.name = long;
    const foreign = Object.assign(new Error(long), { code: long });
    for (const error of [script, foreign, new ActorCrashedError('lost', { cause: script })]) {
      const message = overIpc({ t: 'failed', id: 'd:1', error: serializeError(error) });
      expect(fromWorkerProblem(message)).toBeUndefined();
    }
    expect(serializeError(script).details?.['url']).toHaveLength(4096);
    expect(serializeError(foreign).code).toBe('ERR_UNKNOWN');
    expect(serializeError(script).message).toHaveLength(64 * 1024);
  });

  it('a frame that is not one, or does not decode, is a problem, not a throw', () => {
    expect(unframe(null)).toEqual({ problem: 'not a frame (no packed message)' });
    expect(unframe({ m: 5 })).toEqual({ problem: 'not a frame (no packed message)' });
    const garbled = unframe({ m: Buffer.from('junk').toString('base64') });
    expect('problem' in garbled && garbled.problem).toMatch(/^a frame that does not decode/);
  });

  it('the error deserializer never follows "__proto__" as a code, and cuts a cause chain at the depth the serializer writes', () => {
    const odd = deserializeError(error({ code: '__proto__' }));
    expect(odd).toBeInstanceOf(Error);
    expect(odd).toMatchObject({ code: '__proto__', message: 'm' });
    let chain = error();
    for (let i = 0; i < 3000; i++) chain = error({ cause: chain });
    let depth = 0;
    for (let e: unknown = deserializeError(chain); e instanceof Error; e = e.cause) depth++;
    expect(depth).toBe(5);
  });
});

describe('OrderedSender: a full channel is backpressure, not loss', () => {
  it('holds messages while the channel is full and sends them in order once it drains', () => {
    const wire: number[] = [];
    const pending: (() => void)[] = [];
    let full = false;
    const sender = new OrderedSender<number>((message, written) => {
      wire.push(message);
      pending.push(written);
      return !full;
    });
    sender.send(1);
    full = true;
    sender.send(2); // accepted by the channel, which now reports it is full
    sender.send(3);
    sender.send(4);
    expect(wire).toEqual([1, 2]); // 3 and 4 wait
    full = false;
    pending[0]?.(); // a write completes: the channel drained
    expect(wire).toEqual([1, 2, 3, 4]);
    sender.send(5);
    expect(wire).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps order when the channel fills again while the held messages go out', () => {
    const wire: number[] = [];
    const pending: (() => void)[] = [];
    let fullAfter = 1; // the channel takes one message, then reports full
    const sender = new OrderedSender<number>((message, written) => {
      wire.push(message);
      pending.push(written);
      return --fullAfter > 0;
    });
    for (let i = 1; i <= 6; i++) sender.send(i);
    expect(wire).toEqual([1]);
    for (let round = 0; round < 6 && wire.length < 6; round++) {
      fullAfter = 2;
      pending.shift()?.();
    }
    expect(wire).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('dispatcher codec: queue data', () => {
  it('a queued value must be the packed string; anything else is refused with a clear error', () => {
    expect(() => unpackFromQueue(42)).toThrow(/a queued value must be base64 text, got number/);
    expect(() => unpackFromQueue(42)).toThrow(QueuePayloadError);
    expect(unpackFromQueue(packForQueue(Navigate('http://127.0.0.1:1/')))).toEqual(Navigate('http://127.0.0.1:1/'));
  });
});
