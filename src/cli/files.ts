import { statSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** Refuse a path given with `flag` unless it is a regular file, saying what it is instead. */
export function requireRegularFile(flag: string, path: string, what: string): void {
  let kind: string;
  try {
    const st = statSync(path);
    if (st.isFile()) return;
    kind = st.isDirectory() ? 'is a directory' : st.isCharacterDevice() || st.isBlockDevice() ? 'is a device, not a file' : st.isFIFO() ? 'is a pipe, not a file' : st.isSocket() ? 'is a socket, not a file' : 'is not a regular file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    kind = code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? (error as Error).message})`;
  }
  throw new ConfigError(`${flag} ${path}: ${kind}; give the path of ${what}`);
}

/** Refuse a `--gedcom` path that is not a file, before any reading starts. */
export function requireGedcomFile(path: string): void {
  requireRegularFile('--gedcom', path, 'a .ged file');
}
