import { statSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** Whether `path` names an existing regular file. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Refuse a `--gedcom` path that is not a file, before any reading starts. */
export function requireGedcomFile(path: string): void {
  if (!isFile(path)) throw new ConfigError(`--gedcom ${path}: no such file; give the path of a .ged file`);
}
