/**
 * One run of one page contender of `npm run bench:peers`, in a process of its own. Workload B
 * runs each contender this way: a library may go on relaunching a killed browser after it was
 * closed (Crawlee does), and once this process has exited nothing of it can start a browser or
 * write a temp file during the next contender's run, where it would be counted against that one.
 *
 * Protocol (Node IPC): the parent sends one {@link ChildWork}; the child answers with `started`,
 * `answered` and one `read` per page read (the parent's killer and counters run on these), then
 * `done` with the answers, and exits.
 */
import { log as crawleeLog } from '@crawlee/playwright';
import { escaped } from './peers-common.js';
import { CONTENDERS } from './peers-contenders.js';
import type { PersonPage } from './person-pages.js';

export interface ChildWork {
  readonly contender: string;
  readonly origin: string;
  readonly sid: string;
  readonly pages: readonly PersonPage[];
  readonly concurrency: number;
  readonly root: string;
  readonly retries?: number;
  readonly deadlineMs: number;
}

/** An answer as it crosses the process boundary: the page's content, or the error's message. */
export type WireAnswer = { readonly name: unknown } | { readonly error: string };

export type ChildMessage =
  | { readonly t: 'started' }
  | { readonly t: 'answered' }
  | { readonly t: 'read'; readonly path: string }
  | {
      readonly t: 'done';
      readonly answers: readonly WireAnswer[];
      readonly wallMs: number;
      readonly leftover: number;
      readonly escaped: readonly string[];
    };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(message, () => resolve());
  });
}

async function runOne(spec: ChildWork): Promise<void> {
  const contender = CONTENDERS.find((c) => c.name === spec.contender);
  if (!contender) throw new Error(`no contender named ${spec.contender}`);
  crawleeLog.setLevel(crawleeLog.LEVELS.OFF);
  const ran = await contender.run({
    site: { origin: spec.origin },
    sid: spec.sid,
    pages: spec.pages,
    concurrency: spec.concurrency,
    root: spec.root,
    deadlineMs: spec.deadlineMs,
    ...(spec.retries === undefined ? {} : { retries: spec.retries }),
    onStarted: () => void send({ t: 'started' }),
    onAnswered: () => void send({ t: 'answered' }),
    onRead: (path) => void send({ t: 'read', path }),
  });
  await send({
    t: 'done',
    answers: ran.answers.map((a) => (a instanceof Error ? { error: a.message } : { name: a.name })),
    wallMs: ran.wallMs,
    leftover: ran.leftover,
    escaped: escaped.map((e) => (e instanceof Error ? e.message : String(e)).slice(0, 200)),
  });
}

if (process.send) {
  // The parent's end of the channel closing means it is gone: so is this run.
  process.once('disconnect', () => process.exit(1));
  process.once('message', (spec: ChildWork) => {
    runOne(spec).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`bench:peers child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
