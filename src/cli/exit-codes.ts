import { printable } from '../internal/printable.js';
import { redactText } from '../internal/redact.js';
import type { ErrorCode } from '../errors.js';

/**
 * The `browser-actor` command's exit status, one per class of error, so that a script can tell a
 * mistake on its own side (usage, configuration) from a site that refuses it and from a browser
 * that failed. docs/errors.md documents every code with its class; a test keeps the two in step.
 */
export const EXIT = {
  ok: 0,
  /** A bug or an unexpected state in browser-actor itself. */
  internal: 1,
  /** The command line was wrong (unknown command or flag, bad flag value). */
  usage: 2,
  /** A setting, an input file or a service we were pointed at (Redis) is wrong or missing. */
  config: 3,
  /** The site refused or failed: sign-in, HTTP errors, network, pages that do not load. */
  site: 4,
  /** The browser could not be found, started or kept running, or a task in it failed. */
  browser: 5,
} as const;

export type ExitClass = Exclude<keyof typeof EXIT, 'ok'>;

/** Each error code's class, and what a user should try first (printed under the error). */
export const ERROR_GUIDE: Readonly<Record<ErrorCode, { readonly class: ExitClass; readonly hint: string }>> = {
  ERR_INVALID_TASK: { class: 'internal', hint: 'fix the field of the task the message names; nothing was sent to the browser' },
  ERR_INVALID_OPTION: { class: 'config', hint: 'fix the option the message names; it lists the accepted values' },
  ERR_INVALID_CONFIG: { class: 'config', hint: 'fix the variable, .env entry, flag or file the message names' },
  ERR_PAYLOAD_TOO_LARGE: {
    class: 'internal',
    hint: 'a script, its arguments or imported cookies exceed the size limit; send less, or raise the limit',
  },
  ERR_SCRIPT: {
    class: 'browser',
    hint: "read the script error's name and message, then fix the script or check that the page is the one it expects",
  },
  ERR_TASK_TIMEOUT: {
    class: 'browser',
    hint: 'the task did not finish in time; check that the site answers, or give the task a longer timeout',
  },
  ERR_RESULT_NOT_SERIALIZABLE: {
    class: 'browser',
    hint: 'return plain data from the script (objects, arrays, strings, finite numbers, booleans, null)',
  },
  ERR_RESULT_TOO_LARGE: {
    class: 'browser',
    hint: 'return less from the script (or take the viewport only, not the full page), or raise the size limit',
  },
  ERR_NAVIGATION: { class: 'site', hint: 'check the address and that the site is up; details.netError says what failed' },
  ERR_MAILBOX_FULL: {
    class: 'internal',
    hint: 'too many tasks were queued at once; submit fewer at a time, or raise the mailbox capacity',
  },
  ERR_SHED: { class: 'internal', hint: 'a lower-priority task was dropped for a higher-priority one; submit it again later' },
  ERR_ACTOR_STOPPED: { class: 'internal', hint: 'start a new actor: one that was stopped takes no new work' },
  ERR_ACTOR_CRASHED: {
    class: 'browser',
    hint: 'the browser or tab died; if details.maybeExecuted is true, check whether the task took effect before repeating it',
  },
  ERR_RESTART_LIMIT: {
    class: 'browser',
    hint: 'the browser kept dying before doing any work; run `browser-actor demo` to check Chromium, and look for low memory',
  },
  ERR_BROWSER_NOT_FOUND: {
    class: 'browser',
    hint: 'install Chromium (apt-get install chromium) or set CHROMIUM_PATH; for DRIVER=webdriver also chromedriver (CHROMEDRIVER_PATH)',
  },
  ERR_BROWSER_LAUNCH: {
    class: 'browser',
    hint: 'Chromium (or the WebDriver endpoint) did not start; the message says why; check free memory and WEBDRIVER_URL',
  },
  ERR_INVALID_GEDCOM: { class: 'config', hint: 'the file is not a GEDCOM file; give the .ged file your genealogy program exported' },
  ERR_NOT_SIGNED_IN: {
    class: 'site',
    hint: 'sign in on the site by hand to check the account; the site refused the session even after a new sign-in',
  },
  ERR_SIGN_IN: {
    class: 'site',
    hint: 'check SITE_USERNAME, SITE_PASSWORD and TOTP_SECRET (environment or .env) and the clock of this machine',
  },
  ERR_HTTP: {
    class: 'site',
    hint: 'the site answered an HTTP error (details.status); 429 means slow down (RATE_LIMIT), 5xx that the site has trouble',
  },
  ERR_NETWORK: { class: 'site', hint: 'the site could not be reached; check the URL, that it is up, and the network' },
  ERR_INVALID_CRITERIA: { class: 'config', hint: 'give a given name or a surname, years as four digits, sex as M or F' },
  ERR_PAGE_GONE: { class: 'site', hint: 'look the record up on the site: it was removed or merged (404/410)' },
  ERR_DRIVER_TIMEOUT: {
    class: 'browser',
    hint: 'give the machine room (fewer lanes or workers) and try again; the browser was overloaded or hung',
  },
  ERR_DRIVER: { class: 'browser', hint: 'try again; if it repeats, report it with the message, which names the operation and the reason' },
  ERR_QUEUE_UNAVAILABLE: {
    class: 'config',
    hint: 'Redis did not answer, or no worker host is alive; check --redis/REDIS_URL and start `browser-actor worker`',
  },
  ERR_QUEUE_PAYLOAD: {
    class: 'config',
    hint: 'a task or answer in Redis did not authenticate under this queue key; give every submitter and worker host the same key (BROWSER_ACTOR_QUEUE_KEY, or the same queue.key file)',
  },
  ERR_SEQUENCE_CUT: {
    class: 'browser',
    hint: "the page a lane's sequence was on was lost between two of its tasks and could not be reopened; the task did not run: run the sequence again from its Navigate",
  },
  ERR_UNKNOWN: {
    class: 'internal',
    hint: "an error without a code of ours came from a driver, a worker or a page; report it with the message, which is that error's own",
  },
  ERR_UNEXPECTED: { class: 'internal', hint: 'this is a bug in browser-actor; please report it with the message above' },
};

/** The exit status for an error code (an unknown code is an internal error). */
export function exitStatusFor(code: string): number {
  const guide = (ERROR_GUIDE as Readonly<Record<string, { class: ExitClass }>>)[code];
  return EXIT[guide?.class ?? 'internal'];
}

/** What the CLI prints to stderr for an error: the code and message, then what to try. */
export function describeCliError(code: string, message: string): string {
  const guide = (ERROR_GUIDE as Readonly<Record<string, { hint: string }>>)[code];
  const hint = guide?.hint ?? ERROR_GUIDE.ERR_UNEXPECTED.hint;
  // A message may carry text from elsewhere (a WebDriver endpoint's error, a site's answer):
  // printed inert, with its secrets by shape redacted.
  return `browser-actor: ${printable(code)}: ${printable(redactText(message))}\n  what to do: ${hint} (docs/errors.md#${code.toLowerCase()})\n`;
}
