#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { isBrowserActorError } from '../errors.js';
import { DRIVER_FLAGS, driverEnv } from './driver-flags.js';
import { environmentHelp } from './environment.js';
import { describeCliError, exitStatusFor } from './exit-codes.js';
import { packageVersion } from '../internal/version.js';

const HELP = `browser-actor — automate a logged-in web session in a real browser, safely and quickly.

Usage:
  browser-actor <command> [options]

Commands:
  start                The main job (npm start): start the reference tree site, run a short
                       batch of research through supervised headless Chromium, print the
                       results, relationship paths and where the time went, stop everything.
  research             Search a tree (a site or a GEDCOM file), score every candidate, show
                       family and relationship paths; \`browser-actor research --help\`.
  demo                 Start a BrowserActor on real headless Chromium against a local page,
                       run each task type once and print what it returned; then kill a
                       supervised browser and show its tasks and session surviving.
  worker               Start a worker host: worker processes with their own browsers serving a
                       BullMQ queue on Redis (--redis URL); \`browser-actor worker --help\`.
  serve                Start the reference family-tree site on 127.0.0.1 (sign-in, JSON API,
                       rate limits); \`browser-actor serve --help\` for its options.
  status               Show the live status of a job started with --metrics-port: each actor
                       and worker, its state, restarts, queue, task in flight, last fault;
                       \`browser-actor status --help\`.
  help                 Show this help.

Options for demo:
  --actor-mode <on|off>  Route tasks through the actor's mailbox (on) or run them directly (off).
                         Default: ACTOR_MODE if set, else on for the demo.
  --screenshot <file>    Where to save the demo's screenshot. Default: a file in the temp directory.
  --driver, --webdriver  As for research: playwright (default) or webdriver, and a WebDriver URL.

Global options:
  -h, --help           Show this help.
  -v, --version        Show the version.

${environmentHelp()}

Exit codes: 0 success, 1 internal error, 2 bad usage, 3 configuration or input (variables, .env,
files, Redis), 4 the site (sign-in, HTTP, network), 5 the browser. An error prints its code, the
message and what to do; every code is explained in docs/errors.md.`;

function usageError(message: string): never {
  process.stderr.write(`browser-actor: ${message}\nRun \`browser-actor --help\` for usage.\n`);
  process.exit(2);
}

/**
 * A command with its own options: `--help` prints its help; options it refuses are bad usage
 * (exit 2, before anything starts); then it runs.
 */
async function subcommand<O>(
  args: string[],
  help: string,
  parse: (args: string[]) => O,
  run: (options: O) => Promise<void>,
): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(help);
    return;
  }
  let options: O;
  try {
    options = parse(args);
  } catch (error) {
    usageError((error as Error).message);
  }
  await run(options);
}

const START_HELP = `Usage:
  browser-actor start        (what npm start runs)

The main job on the embedded default: start the reference tree site on a free loopback port (a
synthetic tree of 10 000 people, a generated demo account with a second factor), run a short batch
of research through supervised headless Chromium, print the results, the relationship paths and
where the time went, write the same as an HTML report (its path is printed last), and stop
everything it started. It takes no options.`;

async function main(argv: string[]): Promise<void> {
  // `browser-actor help <command>` is `browser-actor <command> --help`.
  if (argv[0] === 'help' && argv[1] !== undefined && !argv[1].startsWith('-')) return main([argv[1], '--help', ...argv.slice(2)]);
  const args = argv.slice(1);
  switch (argv[0]) {
    case 'research': {
      const { RESEARCH_HELP, parseResearchArgs, runResearchCli } = await import('./research.js');
      return subcommand(args, RESEARCH_HELP, parseResearchArgs, async (options) => {
        // Ctrl-C (or SIGTERM): no further search starts, what was done is saved and summed up,
        // and the run ends with 128 + the signal's number. A second one ends it at once.
        const interrupt = new AbortController();
        let received: NodeJS.Signals | undefined;
        const onSignal = (signal: NodeJS.Signals): void => {
          if (received !== undefined) process.exit(signal === 'SIGTERM' ? 143 : 130);
          received = signal;
          interrupt.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          const summary = await runResearchCli({ ...options, signal: interrupt.signal });
          // Some searches failed, or the --export file could not be written (each is printed): exit with the class of the first error.
          const first = summary.failed[0] ?? summary.exportError;
          if (summary.interrupted) process.exitCode = received === 'SIGTERM' ? 143 : 130;
          else if (first) process.exitCode = exitStatusFor(first.code);
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    }
    case 'start': {
      return subcommand(
        args,
        START_HELP,
        (rest) => {
          if (rest.length > 0) throw new Error(`start takes no options, got ${JSON.stringify(rest[0])}`);
          return undefined;
        },
        async () => {
          const { runStart } = await import('./start.js');
          await runStart();
        },
      );
    }
    case 'worker': {
      const { WORKER_HELP, parseWorkerArgs, runWorker } = await import('./worker.js');
      return subcommand(args, WORKER_HELP, parseWorkerArgs, runWorker);
    }
    case 'status': {
      const { STATUS_HELP, parseStatusArgs, runStatus } = await import('./status.js');
      return subcommand(args, STATUS_HELP, parseStatusArgs, (options) => runStatus(options));
    }
    case 'serve': {
      const { SERVE_HELP, parseServeArgs, runServe } = await import('./serve.js');
      return subcommand(args, SERVE_HELP, parseServeArgs, () => runServe(args));
    }
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        'actor-mode': { type: 'string' },
        screenshot: { type: 'string' },
        ...DRIVER_FLAGS,
      },
    });
  } catch (error) {
    usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    console.log(packageVersion());
    return;
  }
  const [command = 'help', ...rest] = positionals;
  if (values.help || command === 'help') {
    console.log(HELP);
    return;
  }
  if (rest.length > 0) usageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  switch (command) {
    case 'demo': {
      const flag = values['actor-mode'];
      if (flag !== undefined && !['on', 'off', 'true', 'false'].includes(flag))
        usageError(`--actor-mode must be on or off, got ${JSON.stringify(flag)}`);
      let env: NodeJS.ProcessEnv;
      try {
        env = { ...process.env, ...driverEnv(values, process.env) };
      } catch (error) {
        usageError((error as Error).message);
      }
      const config = loadConfig(env);
      const actorMode = flag !== undefined ? flag === 'on' || flag === 'true' : process.env['ACTOR_MODE'] ? config.actorMode : true;
      // Loaded on demand: --help and bad usage answer without loading the browser driver.
      const { runDemo } = await import('./demo.js');
      await runDemo({ actorMode, env, ...(values.screenshot ? { screenshotPath: values.screenshot } : {}) });
      return;
    }
    default:
      usageError(`unknown command ${JSON.stringify(command)}; commands: start, research, worker, serve, status, demo, help`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const code = isBrowserActorError(error) ? error.code : 'ERR_UNEXPECTED';
  process.stderr.write(describeCliError(code, error instanceof Error ? error.message : String(error)));
  process.exit(exitStatusFor(code));
});
