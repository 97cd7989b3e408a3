/**
 * Every environment variable the `browser-actor` command reads: one list, printed by
 * `browser-actor --help` and copied into the README (a test keeps the two the same).
 *
 * The names are not under one prefix on purpose: the session variables (`BASE_URL`,
 * `SITE_USERNAME`, `RATE_LIMIT`, …) are those of the tool browser-actor replaces, so that its
 * `.env` files keep working, and `CHROMIUM_PATH`/`CHROMEDRIVER_PATH`/`REDIS_URL` are the names
 * such tools commonly use. Only variables whose plain name could mean something else to another
 * program carry the `BROWSER_ACTOR_` prefix.
 */
export interface EnvironmentVariable {
  readonly name: string;
  /** What it sets, with its default. */
  readonly what: string;
}

export const ENVIRONMENT: readonly { readonly group: string; readonly variables: readonly EnvironmentVariable[] }[] = [
  {
    group: 'Browsers',
    variables: [
      {
        name: 'CHROMIUM_PATH',
        what: 'Chromium executable (default: headless, the headless shell when installed, else /usr/bin/chromium and similar). Never read from .env.',
      },
      { name: 'HEADLESS', what: 'true/false: run Chromium headless (default true).' },
      { name: 'DRIVER', what: 'playwright (default) or webdriver: how browsers are driven.' },
      { name: 'WEBDRIVER_URL', what: 'A WebDriver endpoint such as Selenium Grid (implies DRIVER=webdriver).' },
      { name: 'CHROMEDRIVER_PATH', what: 'chromedriver for DRIVER=webdriver without a URL (default: on PATH). Never read from .env.' },
      { name: 'BROWSER_ACTOR_TMPDIR', what: 'Where per-browser profile directories go (default: <tmp>/browser-actor).' },
      { name: 'ACTOR_MODE', what: 'true/false: route tasks through the actor (the library default is false; demo: on).' },
    ],
  },
  {
    group: 'The site and its session (research --site)',
    variables: [
      { name: 'BASE_URL', what: 'The site, e.g. http://127.0.0.1:8377 (research takes it from --site or --credentials).' },
      { name: 'SITE_USERNAME', what: 'The account (or research --credentials FILE).' },
      { name: 'SITE_PASSWORD', what: 'Its password (or research --credentials FILE). Never printed.' },
      { name: 'TOTP_SECRET', what: 'The second factor’s secret, when the site asks for one. Never printed.' },
      { name: 'RATE_LIMIT', what: 'Requests to the site: burst/per second (default 5/2).' },
      { name: 'MAX_PAGES', what: 'Most result pages fetched per search (default 5).' },
      { name: 'PAGE_SIZE', what: 'Results per page (default 50).' },
      { name: 'AUTH_CHECK_INTERVAL_SECONDS', what: 'How long a good session is trusted before it is checked again (default 300).' },
      { name: 'AUTH_CHECK_MAX_INTERVAL_SECONDS', what: 'The longest that trust grows to (default 1800).' },
      { name: 'REQUEST_TIMEOUT_SECONDS', what: 'Deadline of each API request, answer included (default 30).' },
      { name: 'SIGN_IN_TIMEOUT_SECONDS', what: 'Deadline of a whole sign-in (default 120).' },
      { name: 'SESSION_MODE', what: 'optimised (default) or naive (the original tool’s behaviour, for comparison).' },
    ],
  },
  {
    group: 'Runs',
    variables: [
      { name: 'RESEARCH_CONCURRENCY', what: 'Searches of a batch at once, 1–16 (default 4; --concurrency).' },
      { name: 'LOG_LEVEL', what: 'silent, error, warn (default), info, debug or trace (--log-level).' },
      { name: 'REDIS_URL', what: 'Redis for `worker` (default: none; research takes --redis).' },
      {
        name: 'BROWSER_ACTOR_QUEUE_KEY',
        what: 'The Redis mode’s shared key: 32 bytes as 64 hex digits or base64 (default: a key file of this user).',
      },
      {
        name: 'BROWSER_ACTOR_QUEUE_KEY_FILE',
        what: 'Where that key file is (default: browser-actor/queue.key under XDG_CONFIG_HOME, else ~/.config).',
      },
    ],
  },
];

/** The list as `--help` prints it. */
export function environmentHelp(): string {
  const width = Math.max(...ENVIRONMENT.flatMap((g) => g.variables.map((v) => v.name.length))) + 2;
  const lines: string[] = [
    'Environment (research also reads these from a .env file in the working directory; the environment',
    'wins, and executable paths are never read from .env):',
  ];
  for (const g of ENVIRONMENT) {
    lines.push(`  ${g.group}:`);
    for (const v of g.variables) lines.push(`    ${v.name.padEnd(width)}${v.what}`);
  }
  return lines.join('\n');
}

/** The list as the README shows it (a Markdown table per group). */
export function environmentMarkdown(): string {
  const out: string[] = [];
  for (const g of ENVIRONMENT) {
    out.push(`**${g.group}**`, '', '| Variable | What it sets |', '|---|---|');
    for (const v of g.variables) out.push(`| \`${v.name}\` | ${v.what.replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  return out.join('\n').trimEnd();
}
