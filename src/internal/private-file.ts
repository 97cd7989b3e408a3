import { closeSync, constants, fchmodSync, lstatSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * Write secrets to `path` readable by this user only (mode 600), whatever was there: a symbolic
 * link at the path is refused (never followed), a new file is created exclusively, and an
 * existing regular file is truncated and re-moded before the secrets go in.
 */
export function writePrivateFile(path: string, text: string): void {
  let existing: ReturnType<typeof lstatSync> | undefined;
  try {
    existing = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ConfigError(`Cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (existing?.isSymbolicLink())
    throw new ConfigError(`${path} is a symbolic link; secrets are never written through one. Remove it or choose another path`);
  if (existing && !existing.isFile()) throw new ConfigError(`${path} exists and is not a regular file; choose another path`);
  const flags = constants.O_WRONLY | constants.O_NOFOLLOW | (existing ? constants.O_TRUNC : constants.O_CREAT | constants.O_EXCL);
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP: a symbolic link appeared after the check; EEXIST: a file did.
    throw new ConfigError(
      `Cannot write ${path} safely (${code ?? (error as Error).message}); something changed it while it was being written. Try again or choose another path`,
      { cause: error },
    );
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** A new directory only this user can enter (mode 700), with an unpredictable name under the temp directory. */
export function privateTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
