import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The package's version, from the nearest `package.json` named `browser-actor` above this module
 * (the same answer from `dist/`, from the benchmarks' `build/src/` and from a package installed
 * under node_modules); `unknown` when there is none.
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'browser-actor' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // no package.json here (or not ours): look further up
    }
    const parent = dirname(dir);
    if (parent === dir) return (cached = 'unknown');
    dir = parent;
  }
}
