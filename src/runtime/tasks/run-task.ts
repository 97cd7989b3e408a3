import type { Driver, DriverOpOptions, EvaluateOutcome, PageId } from '../../drivers/driver.js';
import { ResultNotSerializableError, ResultTooLargeError, ScriptError } from '../../errors.js';
import { toNetscape } from './cookie-formats.js';
import type { ValidTask, TaskLimits } from './validate.js';

/** What a task needs while it runs: the driver, the actor's tab (made on first use), the limits. */
export interface TaskEnv {
  readonly driver: Driver;
  /** The actor's tab, created lazily; cookie tasks never ask for it. */
  page(op: DriverOpOptions): Promise<PageId>;
  /** Which context cookie tasks address: `undefined` for the shared one, or a tab with a context of its own. */
  scope(op: DriverOpOptions): Promise<PageId | undefined>;
  readonly limits: TaskLimits;
  /** Fresh deadline/cancellation for the next driver call (the remaining task budget). */
  op(): DriverOpOptions;
}

const idempotentTypes: Readonly<Record<ValidTask['type'], boolean>> = {
  Navigate: true,
  GetCookies: true,
  ExecuteJS: false,
  Screenshot: true,
  ExportCookies: true,
  ImportCookies: true,
  CurrentUrl: true,
};

/** Whether running the task twice is safe (ExecuteJS: only when the caller declares it). */
export function isIdempotent(task: ValidTask): boolean {
  return task.type === 'ExecuteJS' ? task.idempotent : idempotentTypes[task.type];
}

/** Run one validated task against the driver and return its plain-data result. */
export async function runTask(task: ValidTask, env: TaskEnv): Promise<unknown> {
  const { driver } = env;
  switch (task.type) {
    case 'Navigate':
      return driver.navigate(await env.page(env.op()), task.url, task.waitUntil, env.op(), task.block);
    case 'CurrentUrl':
      return driver.currentUrl(await env.page(env.op()), env.op());
    case 'ExecuteJS': {
      const pageId = await env.page(env.op());
      const outcome = await driver.evaluate(
        pageId,
        { script: task.script, argsJson: task.argsJson, maxResultBytes: env.limits.maxResultBytes },
        env.op(),
      );
      return decodeOutcome(outcome, env.limits);
    }
    case 'Screenshot': {
      const png = await driver.screenshot(await env.page(env.op()), { fullPage: task.fullPage }, env.op());
      const limit = env.limits.maxScreenshotBytes;
      if (png.byteLength > limit) {
        throw new ResultTooLargeError(
          `The ${task.fullPage ? 'full-page ' : ''}screenshot is ${png.byteLength} bytes, over the ${limit}-byte limit (limits.maxScreenshotBytes); ${task.fullPage ? 'take the viewport only (fullPage: false), ' : ''}use a smaller viewport, or raise the limit`,
          { details: { bytes: png.byteLength, limit, fullPage: task.fullPage } },
        );
      }
      return png;
    }
    case 'GetCookies': {
      const cookies = await driver.cookies(env.op(), await env.scope(env.op()));
      if (task.names === undefined) return cookies;
      const wanted = new Set(task.names);
      return cookies.filter((c) => wanted.has(c.name));
    }
    case 'ExportCookies': {
      const scope = await env.scope(env.op());
      switch (task.format) {
        case 'json':
          return driver.cookies(env.op(), scope);
        case 'netscape':
          return toNetscape(await driver.cookies(env.op(), scope));
        case 'storage-state':
          return driver.storageState(env.op(), scope);
      }
      break;
    }
    case 'ImportCookies':
      await driver.addCookies(task.cookies, env.op(), await env.scope(env.op()));
      return { imported: task.cookies.length };
  }
}

function decodeOutcome(outcome: EvaluateOutcome, limits: TaskLimits): unknown {
  switch (outcome.kind) {
    case 'value':
      return JSON.parse(outcome.json) as unknown;
    case 'undefined':
      return undefined;
    case 'script-error':
      return Promise.reject(
        new ScriptError(`The script threw ${outcome.name}: ${outcome.message}`, { details: { errorName: outcome.name } }),
      );
    case 'not-serializable':
      return Promise.reject(
        new ResultNotSerializableError(
          `The script's ${outcome.description}; return plain JSON data instead (convert with String(x), Array.from(x), x.toISOString(), or pick the fields you need)`,
        ),
      );
    case 'too-large':
      return Promise.reject(
        new ResultTooLargeError(
          `The script's result is ${outcome.bytes} bytes as JSON, over the ${limits.maxResultBytes}-byte limit (maxResultBytes); return less data`,
          {
            details: { bytes: outcome.bytes, limit: limits.maxResultBytes },
          },
        ),
      );
  }
}
