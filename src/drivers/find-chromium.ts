import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromiumPathFrom } from '../config.js';
import { BrowserNotFoundError } from '../errors.js';

/** Where a system Chromium usually lives, in the order we look. */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
] as const;

/**
 * Where Chromium's headless shell usually lives (Debian's `chromium-headless-shell` package), in
 * the order we look. A headless browser that no option or variable names is started from the
 * first of these that exists: the shell is the same engine without the desktop browser around it,
 * and it spends about half the CPU per page that full Chromium spends running headless (see
 * docs/benchmarks.md, "Where a page's time goes"). Playwright's own downloads make the same
 * choice for headless runs.
 */
export const HEADLESS_SHELL_CANDIDATES = ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium-headless-shell'] as const;

/** How {@link findChromium} chooses when no option or variable names the executable. */
export interface ChromiumChoice {
  /**
   * Prefer the headless shell when one of {@link HEADLESS_SHELL_CANDIDATES} exists. Set it only
   * for a browser that runs headless. Default `false`.
   */
  readonly headlessShell?: boolean;
}

/**
 * Flags every browser we start gets. The closed network of our machines refuses Chromium's
 * background connections (sync, component updates, QUIC probes) in floods unless these are off.
 */
export const REQUIRED_CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;

const INSTALL_HINT =
  'Install Chromium with `sudo apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to the path of a Chromium or Chrome executable.';
const CHROMEDRIVER_HINT =
  'Install it with `sudo apt-get install chromium-driver` (Debian/Ubuntu; it must match the Chromium version), or set CHROMEDRIVER_PATH to a chromedriver executable.';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * An executable: `explicit` (an option) if given, else the configured path (an environment
 * variable), else the first executable candidate. Throws {@link BrowserNotFoundError} saying
 * where we looked and how to install it.
 */
function findExecutable(
  what: { name: string; option: string; variable: string; hint: string; nowhere: string },
  explicit: string | undefined,
  configured: string | undefined,
  candidates: readonly string[],
): string {
  const chosen = explicit ?? configured;
  if (chosen) {
    if (isExecutable(chosen)) return chosen;
    throw new BrowserNotFoundError(
      `${what.name} not found at ${chosen} (${explicit ? what.option : what.variable}): no executable file there. ${what.hint}`,
    );
  }
  for (const candidate of candidates) {
    if (isExecutable(candidate)) return candidate;
  }
  throw new BrowserNotFoundError(`No ${what.name} found: ${what.variable} is unset and ${what.nowhere}. ${what.hint}`);
}

/**
 * The Chromium to launch: `explicit` if given, else `$CHROMIUM_PATH`, else (with
 * `choice.headlessShell`) the first headless shell installed, else the first executable
 * candidate. Throws {@link BrowserNotFoundError} saying where we looked and how to install one.
 */
export function findChromium(explicit?: string, env: NodeJS.ProcessEnv = process.env, choice: ChromiumChoice = {}): string {
  const shells = choice.headlessShell === true ? HEADLESS_SHELL_CANDIDATES : [];
  return findExecutable(
    {
      name: 'Chromium',
      option: 'executablePath option',
      variable: 'CHROMIUM_PATH',
      hint: INSTALL_HINT,
      nowhere: `none of ${CHROMIUM_CANDIDATES.join(', ')} exists`,
    },
    explicit,
    chromiumPathFrom(env),
    [...shells, ...CHROMIUM_CANDIDATES],
  );
}

/**
 * The chromedriver to start: `explicit` if given, else `$CHROMEDRIVER_PATH`, else `chromedriver`
 * on `PATH`. Throws {@link BrowserNotFoundError} saying where we looked and how to install it.
 */
export function findChromedriver(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const onPath = (env['PATH'] ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'chromedriver'));
  return findExecutable(
    {
      name: 'chromedriver',
      option: 'chromedriverPath option',
      variable: 'CHROMEDRIVER_PATH',
      hint: CHROMEDRIVER_HINT,
      nowhere: 'there is none on PATH',
    },
    explicit,
    env['CHROMEDRIVER_PATH']?.trim() || undefined,
    onPath,
  );
}
