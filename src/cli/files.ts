import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { type GedcomDiagnostic, type GedcomReadResult, readGedcom } from '../genealogy/gedcom.js';
import { createProgress } from '../internal/progress.js';

/** Refuse a path given with `flag` unless it is a regular file, saying what it is instead. */
export function requireRegularFile(flag: string, path: string, what: string): void {
  let kind: string;
  try {
    const st = statSync(path);
    if (st.isFile()) return;
    kind = st.isDirectory()
      ? 'is a directory'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'is a device, not a file'
        : st.isFIFO()
          ? 'is a pipe, not a file'
          : st.isSocket()
            ? 'is a socket, not a file'
            : 'is not a regular file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    kind =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : `cannot be read (${code ?? (error as Error).message})`;
  }
  throw new ConfigError(`${flag} ${path}: ${kind}; give the path of ${what}`);
}

/**
 * Refuse a path given with `flag` for a file the run will create, before the run starts: one
 * that exists (nothing of the user's is overwritten) or whose directory does not.
 */
export function checkNewFile(flag: string, path: string): void {
  if (existsSync(path))
    throw new ConfigError(`${flag} ${path}: the file exists; choose another name, or remove it first (nothing is overwritten)`);
  const dir = dirname(path);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new ConfigError(`${flag} ${path}: the directory ${dir} does not exist; create it or choose another path`);
}

/** Refuse a `--gedcom` path that is not a file, before any reading starts. */
export function requireGedcomFile(path: string): void {
  requireRegularFile('--gedcom', path, 'a .ged file');
}

/** From this size on, loading a GEDCOM file shows its progress (smaller ones load in about a second). */
export const LARGE_GEDCOM_BYTES = 16 * 1024 * 1024;

/**
 * Read a `--gedcom` file, showing its progress on stderr (a bar on a terminal, periodic lines
 * otherwise, in megabytes) for files of {@link LARGE_GEDCOM_BYTES} or more, unless `quiet`.
 */
export async function readGedcomFile(
  path: string,
  options: { readonly quiet: boolean; readonly minBytes?: number; readonly write?: (text: string) => void; readonly tty?: boolean },
): Promise<GedcomReadResult> {
  const size = statSync(path).size;
  if (options.quiet || size < (options.minBytes ?? LARGE_GEDCOM_BYTES)) return readGedcom(path);
  const progress = createProgress({
    unit: `MB of ${basename(path)} read`,
    total: size,
    format: (bytes) => (bytes / 1_048_576).toFixed(1),
    heartbeat: true,
    ...(options.write ? { write: options.write } : {}),
    ...(options.tty === undefined ? {} : { tty: options.tty }),
  });
  try {
    return await readGedcom(path, { onProgress: (read) => progress.set(read) });
  } finally {
    progress.end();
  }
}

/** What `browser-actor serve` writes to its credentials file, as research reads it. */
export interface SiteCredentials {
  readonly origin?: string;
  readonly username: string;
  readonly password: string;
  readonly totpSecret?: string;
}

/** The largest credentials file read (a few hundred bytes is usual). */
const MAX_CREDENTIALS_BYTES = 64 * 1024;

/**
 * Read a credentials file written by `browser-actor serve --credentials FILE` (JSON: origin,
 * username, password, and totpSecret when the site asks for a second factor). Errors name the
 * flag and the file, never the values.
 */
export function readCredentialsFile(path: string, flag = '--credentials'): SiteCredentials {
  requireRegularFile(flag, path, 'the credentials file `browser-actor serve --credentials FILE` wrote');
  if (statSync(path).size > MAX_CREDENTIALS_BYTES)
    throw new ConfigError(`${flag} ${path}: larger than ${MAX_CREDENTIALS_BYTES / 1024} KiB; it is not a credentials file serve wrote`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new ConfigError(
      `${flag} ${path}: not JSON; give the file \`browser-actor serve --credentials FILE\` wrote (or set SITE_USERNAME, SITE_PASSWORD and TOTP_SECRET instead)`,
    );
  }
  const o = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const text = (key: string, required: boolean): string | undefined => {
    const v = o[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '')
      throw new ConfigError(
        `${flag} ${path}: "${key}" must be ${required ? 'a non-empty text' : 'text when present'}; give the file \`browser-actor serve --credentials FILE\` wrote`,
      );
    return v;
  };
  const origin = text('origin', false);
  const totpSecret = text('totpSecret', false);
  return {
    username: text('username', true) as string,
    password: text('password', true) as string,
    ...(origin ? { origin } : {}),
    ...(totpSecret ? { totpSecret } : {}),
  };
}

/**
 * The reader's diagnostics in a few lines: how many, by kind, then the first `first` with their
 * line numbers (`file:line: message`). Nothing when there are none.
 */
export function summarizeDiagnostics(
  file: string,
  diagnostics: readonly GedcomDiagnostic[],
  first = 5,
  more = 'the rest with --json',
): string[] {
  if (diagnostics.length === 0) return [];
  const counts = new Map<string, number>();
  for (const d of diagnostics) counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
  const byKind = [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const n = diagnostics.length;
  const out = [
    `${file}: ${n} diagnostic${n === 1 ? '' : 's'} while reading (${byKind})${n > first ? `; the first ${first} (${more}):` : ':'}`,
  ];
  for (const d of diagnostics.slice(0, first)) out.push(`  ${file}:${d.line}: ${d.message}`);
  return out;
}
