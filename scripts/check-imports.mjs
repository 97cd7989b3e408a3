#!/usr/bin/env node
/**
 * Import-boundary check (DESIGN.md §2). Rules, by the importing file's folder under src/:
 *  - runtime/ and drivers/ never import session/, genealogy/, research/ or site/;
 *  - runtime/ never imports a concrete driver (drivers/<adapter>/): only drivers/*.ts interfaces;
 *  - only the composition root (src/compose.ts), src/index.ts (re-exports), src/testing.ts (the
 *    Fake), the adapters themselves and bench/ (which compares drivers side by side) import
 *    concrete drivers; the CLI and everything else go through the composition root;
 *  - site/ never imports runtime/ (the reference site stands alone);
 *  - internal/ imports only internal/ and errors.ts.
 * Usage: node scripts/check-imports.mjs [srcDir]   (exit 1 and one line per violation)
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ADAPTERS = ['playwright', 'webdriver', 'grid', 'fake'];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative import specifiers of a module (static and dynamic imports, re-exports). */
export function importsOf(source) {
  const specs = [];
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) specs.push(m[1]);
  return specs.filter((s) => s.startsWith('.'));
}

function area(relPath) {
  const parts = relPath.split(sep);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.[^.]+$/, '');
}

function adapterOf(relPath) {
  const parts = relPath.split(sep);
  return parts[0] === 'drivers' && parts.length > 2 && ADAPTERS.includes(parts[1]) ? parts[1] : undefined;
}

/** All boundary violations under `srcDir`, as human-readable lines. */
export function checkImports(srcDir) {
  const violations = [];
  for (const file of walk(srcDir)) {
    const from = relative(srcDir, file);
    const fromArea = area(from);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = relative(srcDir, resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      if (target.startsWith('..')) continue;
      const toArea = area(target);
      const toAdapter = adapterOf(target);
      const say = (rule) => violations.push(`${from} imports ${spec}: ${rule}`);
      if ((fromArea === 'runtime' || fromArea === 'drivers') && ['session', 'genealogy', 'research', 'site'].includes(toArea)) {
        say(`${fromArea}/ must not depend on ${toArea}/ (the runtime knows nothing of sessions or genealogy)`);
      }
      if (fromArea === 'runtime' && toAdapter) say('runtime/ may use only the Driver interface, never a concrete driver');
      if (toAdapter && adapterOf(from) !== toAdapter) {
        const allowed =
          ['compose.ts', 'index.ts'].includes(from) ||
          (toAdapter === 'fake' && from === 'testing.ts') ||
          // Benchmarks compare drivers and modes side by side, so they construct drivers directly.
          fromArea === 'bench';
        if (!allowed && fromArea !== 'drivers') say(`only the composition root (src/compose.ts) picks concrete drivers`);
        if (fromArea === 'drivers' && adapterOf(from) && adapterOf(from) !== toAdapter) say('one driver adapter must not import another');
      }
      if (fromArea === 'site' && toArea === 'runtime') say('site/ must not depend on runtime/ (the reference site stands alone)');
      if (fromArea === 'internal' && toArea !== 'internal' && toArea !== 'errors') say('internal/ may import only internal/ and errors.ts');
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const src = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));
  const violations = checkImports(src);
  for (const v of violations) console.error(`boundary violation: ${v}`);
  if (violations.length > 0) process.exit(1);
  console.log(`import boundaries: ${walk(src).length} files checked, no violations`);
}
