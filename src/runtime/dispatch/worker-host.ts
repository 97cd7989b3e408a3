import { ResultNotSerializableError, serializeError } from '../../errors.js';
import type { SessionSupervisor } from '../supervisor/session-supervisor.js';
import type { LaneHandle } from '../supervisor/supervisor-types.js';
import {
  type Frame,
  type FromWorker,
  OrderedSender,
  type TaskMessage,
  type WorkerConfig,
  encodeValue,
  frame,
  isToWorker,
  unframe,
} from './codec.js';

/** The worker's end of the IPC channel (a forked child's `process`). */
export interface ParentChannel {
  send(message: Frame, sendHandle: undefined, options: object, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  readonly connected: boolean;
}

/**
 * One worker process of a WorkDispatcher: hosts a SessionSupervisor (built by `makeSupervisor`
 * from the `init` message), runs the tasks it is sent, and answers each once by its id. It exits
 * when told to stop, and on its own when the parent is gone (the IPC channel closes, as it does
 * when the parent is SIGKILLed), killing its browser first.
 */
export function runWorkerHost(
  channel: ParentChannel,
  makeSupervisor: (config: WorkerConfig) => SessionSupervisor,
  exit: (code: number) => void,
): void {
  let supervisor: SessionSupervisor | undefined;
  const running = new Map<string, AbortController>();
  /** Tasks whose start the dispatcher wants to hear of. */
  const reportStart = new Set<string>();
  const handles = new Map<string, LaneHandle>();
  let leaving = false;
  // A full channel is backpressure: the messages wait in order and go once it drains.
  const sender = new OrderedSender<FromWorker>((message, written) =>
    channel.connected ? channel.send(frame(message), undefined, {}, written) : true,
  );
  const send = (message: FromWorker): void => sender.send(message);

  const leave = async (code: number, how: 'stop' | 'kill', timeoutMs = 10_000): Promise<void> => {
    if (leaving) return;
    leaving = true;
    try {
      if (how === 'stop') await supervisor?.stop({ timeoutMs });
      else await supervisor?.kill('the dispatcher is gone');
    } finally {
      exit(code);
    }
  };

  const run = (m: TaskMessage): void => {
    const sup = supervisor;
    if (!sup) {
      send({ t: 'failed', id: m.id, error: serializeError(new Error('The worker got a task before it was initialised')) });
      return;
    }
    const abort = new AbortController();
    running.set(m.id, abort);
    if (m.reportStart) reportStart.add(m.id);
    const options = {
      priority: m.priority,
      timeoutMs: m.timeoutMs,
      signal: abort.signal,
      correlationId: m.id,
      ...(m.restoreUrl === undefined ? {} : { restoreUrl: m.restoreUrl }),
    };
    let answer: Promise<unknown>;
    if (m.handle !== undefined) {
      let handle = handles.get(m.handle);
      try {
        if (!handle) {
          handle = sup.lane({ priority: m.priority, ...(m.resumeUrl === undefined ? {} : { resumeUrl: m.resumeUrl }) });
          handles.set(m.handle, handle);
        }
        const { priority: _ignored, ...rest } = options;
        answer = handle.submit(m.task, rest);
      } catch (error) {
        answer = Promise.reject(error);
      }
    } else {
      answer = sup.submit(m.task, options);
    }
    answer
      .then(
        (value) => {
          try {
            send({ t: 'done', id: m.id, value: encodeValue(value) });
          } catch (error) {
            // A value the structured clone cannot carry (results are plain data, so only a bug gets here).
            send({
              t: 'failed',
              id: m.id,
              error: serializeError(
                new ResultNotSerializableError(`The result of task ${m.id} (${m.task.type}) could not be sent to the dispatcher`, {
                  cause: error,
                }),
              ),
            });
          }
        },
        (error: unknown) => send({ t: 'failed', id: m.id, error: serializeError(error) }),
      )
      .finally(() => {
        running.delete(m.id);
        reportStart.delete(m.id);
      });
  };

  channel.on('message', (raw: unknown) => {
    const decoded = unframe(raw);
    if (!('message' in decoded) || leaving) return;
    const message = decoded.message;
    if (!isToWorker(message)) return;
    switch (message.t) {
      case 'init': {
        if (supervisor) return;
        try {
          const sup = makeSupervisor(message.config);
          supervisor = sup;
          sup.on('task:start', (e) => {
            if (e.correlationId !== undefined && reportStart.delete(e.correlationId))
              send({ t: 'started', id: e.correlationId, attempt: e.attempt });
          });
          sup.startActor().then(
            () => send({ t: 'ready', browserPid: sup.browser?.pid ?? null }),
            (error: unknown) => {
              send({ t: 'fatal', error: serializeError(error) });
              void leave(1, 'kill');
            },
          );
        } catch (error) {
          send({ t: 'fatal', error: serializeError(error) });
          void leave(1, 'kill');
        }
        return;
      }
      case 'task':
        run(message);
        return;
      case 'cancel':
        running.get(message.id)?.abort(new Error('cancelled by the dispatcher'));
        return;
      case 'release':
        handles.get(message.handle)?.release();
        handles.delete(message.handle);
        return;
      case 'ping': {
        const h = supervisor?.health();
        const fault = h?.lastFault ?? null;
        send({
          t: 'pong',
          seq: message.seq,
          health: {
            state: h?.state ?? 'idle',
            restarts: h?.restarts ?? 0,
            recycles: h?.recycles ?? 0,
            browserPid: h?.browserPid ?? null,
            inFlight: h?.inFlight ?? 0,
            queueDepth: h?.queueDepth ?? 0,
            uptimeMs: h?.uptimeMs ?? 0,
            lastFault: fault && { kind: fault.kind, reason: fault.reason, agoMs: Math.max(0, performance.now() - fault.at) },
            lanes: h?.lanes.length ?? 0,
            lanesBusy: h?.lanes.filter((l) => l.taskId !== null).length ?? 0,
          },
        });
        return;
      }
      case 'stop':
        void leave(0, 'stop', message.timeoutMs);
        return;
    }
  });
  // The parent is gone (exited, or SIGKILLed): take the browser down and go.
  channel.on('disconnect', () => void leave(0, 'kill'));
}
