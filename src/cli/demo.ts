import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBrowserActor, createSessionSupervisor } from '../compose.js';
import { signalProcess } from '../drivers/process-tree.js';
import { pngSize } from '../internal/png.js';
import type { Cookie } from '../drivers/browser-types.js';
import { isBrowserActorError } from '../errors.js';
import type { BrowserActor } from '../runtime/actor/browser-actor.js';
import { CurrentUrl, ExecuteJS, ExportCookies, GetCookies, ImportCookies, Navigate, Screenshot } from '../runtime/tasks/constructors.js';
import type { Task } from '../runtime/tasks/types.js';
import { startDemoSite } from './demo-site.js';

export interface DemoOptions {
  readonly actorMode: boolean;
  readonly screenshotPath?: string;
  readonly out?: (line: string) => void;
  /** Where `DRIVER`, `WEBDRIVER_URL`, `HEADLESS` and `CHROMIUM_PATH` are read. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Cookie values are secrets: show that one is there and how long it is, never what it is. */
function maskCookies(cookies: readonly Cookie[]): string {
  return cookies
    .map((c) => `${c.name}=<${c.value.length} chars hidden>${c.httpOnly ? ' HttpOnly' : ''} ${c.sameSite} domain=${c.domain}`)
    .join('; ');
}

/**
 * The demo behind `npm start`: a local page, a BrowserActor on real headless Chromium, and each
 * task type once, with what it returned. It shows a script stopped at its deadline and bad input
 * refused, then the actor's stats, and shuts everything down.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const out = options.out ?? ((line: string) => console.log(line));
  const site = await startDemoSite();
  const actor = createBrowserActor({ actorMode: options.actorMode, ...(options.env ? { env: options.env } : {}) });
  const onSignal = (): void => void actor.kill('interrupted').finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let started = performance.now();
    await actor.start();
    out(`browser-actor demo — ${actor.browser?.name} ${actor.browser?.version} (pid ${actor.browser?.pid}), started in ${ms(started)}`);
    out(
      `mode: ${options.actorMode ? 'actor (bounded priority mailbox, one worker loop)' : 'direct (tasks run on the caller, no mailbox)'}`,
    );
    out(`site: ${site.origin}/ (local, 127.0.0.1)\n`);

    const run = async <T extends Task>(
      label: string,
      task: T,
      show: (result: Awaited<ReturnType<BrowserActor['submit']>>) => string,
      timeoutMs?: number,
    ) => {
      started = performance.now();
      try {
        const result = await actor.submit(task, timeoutMs === undefined ? {} : { timeoutMs });
        out(`  ${label.padEnd(34)} ${ms(started).padStart(7)}  → ${show(result)}`);
      } catch (error) {
        const code = isBrowserActorError(error) ? error.code : 'ERROR';
        out(`  ${label.padEnd(34)} ${ms(started).padStart(7)}  ✗ ${code}: ${(error as Error).message}`);
      }
    };
    const json = (r: unknown): string => JSON.stringify(r);

    await run('Navigate(/)', Navigate(`${site.origin}/`), json);
    await run('CurrentUrl()', CurrentUrl(), json);
    await run(
      'ExecuteJS(title and people)',
      ExecuteJS(`return { title: document.title, people: [...document.querySelectorAll('#people li')].map((li) => li.textContent) }`),
      json,
    );
    await run('GetCookies()', GetCookies(), (r) => maskCookies(r as Cookie[]));
    await run(
      'ExportCookies({format: netscape})',
      ExportCookies({ format: 'netscape' }),
      (r) => `${(r as string).trim().split('\n').length} lines of cookies.txt (values not shown)`,
    );
    await run('ImportCookies([demo_pref])', ImportCookies([{ name: 'demo_pref', value: 'dark', url: `${site.origin}/` }]), json);
    await run('GetCookies([demo_pref])', GetCookies(['demo_pref']), (r) => maskCookies(r as Cookie[]));
    const screenshotPath = options.screenshotPath ?? join(tmpdir(), `browser-actor-demo-${process.pid}.png`);
    await run('Screenshot({fullPage: true})', Screenshot({ fullPage: true }), (r) => {
      const png = r as Uint8Array;
      writeFileSync(screenshotPath, png);
      const size = pngSize(png);
      return `${png.byteLength} bytes PNG ${size?.width}×${size?.height}, saved to ${screenshotPath}`;
    });
    await run('ExecuteJS(while(true){}) 500ms', ExecuteJS('while (true) {}'), json, 500);
    await run('ExecuteJS(1 + 1) after the timeout', ExecuteJS('return 1 + 1'), json);
    await run('Navigate(javascript:…)', Navigate('javascript:alert(1)'), json);

    const stats = actor.stats();
    out(
      `\nstats: ${stats.submitted} submitted, ${stats.completed} completed, ${stats.failed} failed, ${stats.timedOut} timed out, ` +
        `${stats.rejected} refused at submit, ${stats.queued} queued, ${stats.inFlight} in flight`,
    );
    await crashDemo(site.origin, out, options.env);
  } finally {
    const stopping = performance.now();
    await actor.stop();
    await site.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    out(`stopped: browser closed and its profile removed in ${ms(stopping)}`);
  }
}

/**
 * The SessionSupervisor part: sign in, SIGKILL the browser while tasks are queued, and show that
 * every task is still answered by the new browser with the session restored.
 */
async function crashDemo(origin: string, out: (line: string) => void, env: NodeJS.ProcessEnv | undefined): Promise<void> {
  out('\nSurviving a browser crash (SessionSupervisor)');
  const supervisor = createSessionSupervisor(env ? { env } : {});
  try {
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/`)); // the site sets the session cookie
    const before = await supervisor.submit(GetCookies(['session_id']));
    const pid = supervisor.browser?.pid;
    out(`  signed in: ${maskCookies(before)} (browser pid ${pid})`);
    if (!pid) {
      out('  the browser runs on another host (a WebDriver endpoint): there is no process here to kill');
      return;
    }
    const queued = [1, 2, 3].map((i) => supervisor.submit(ExecuteJS('return arguments[0] * 10', [i], { idempotent: true })));
    const killed = performance.now();
    signalProcess(pid, 'SIGKILL');
    out(`  SIGKILL sent to the browser with 3 tasks queued`);
    const results = await Promise.all(queued);
    const after = await supervisor.submit(GetCookies(['session_id']));
    const health = supervisor.health();
    out(`  all 3 answered by the new browser (pid ${supervisor.browser?.pid}) ${ms(killed)} after the kill → ${JSON.stringify(results)}`);
    out(
      `  session after the restart: ${maskCookies(after)} (${after[0]?.value === before[0]?.value ? 'the same session' : 'NOT the same session'})`,
    );
    out(`  health: ${health.state}, ${health.restarts} restart, last fault: ${health.lastFault?.kind ?? 'none'}`);
  } finally {
    await supervisor.stop();
  }
}

function ms(since: number): string {
  return `${Math.round(performance.now() - since)}ms`;
}
