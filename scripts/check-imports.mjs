#!/usr/bin/env node
/**
 * Import-boundary check (docs/architecture.md, "Boundaries"). Rules, by the importing file's folder under src/:
 *  - runtime/ and drivers/ never import session/, genealogy/, research/ or site/;
 *  - runtime/ never imports a concrete driver (drivers/<adapter>/): only drivers/*.ts interfaces;
 *  - only the composition root (src/compose.ts), src/index.ts (re-exports), src/testing.ts (the
 *    Fake), the adapters themselves and bench/ (which compares drivers side by side) import
 *    concrete drivers; the CLI and everything else go through the composition root;
 *  - site/ never imports runtime/ (the reference site stands alone);
 *  - internal/ imports only internal/ and errors.ts;
 *  - nothing under src/ imports from outside it (benchmarks and test helpers do not ship);
 *  - the package root (src/index.ts, src/testing.ts) reaches, through all its imports, nothing of
 *    the application layers or of the other entry points (session/, genealogy/, research/, site/,
 *    cli/, observability/): a runtime user loads none of them;
 * and, in src/ and bench/ alike, no import cycle.
 * Usage: node scripts/check-imports.mjs [srcDir [benchDir]]   (exit 1 and one line per violation)
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
  const graph = importGraph([srcDir]);
  for (const [file, edges] of graph) {
    const from = relative(srcDir, file);
    const fromArea = area(from);
    for (const { spec, path } of edges) {
      const target = relative(srcDir, path);
      if (target.startsWith('..')) {
        violations.push(`${from} imports ${spec}: src/ must not import from outside src/ (it would not ship)`);
        continue;
      }
      const toArea = area(target);
      const toAdapter = adapterOf(target);
      const say = (rule) => violations.push(`${from} imports ${spec}: ${rule}`);
      if ((fromArea === 'runtime' || fromArea === 'drivers') && ['session', 'genealogy', 'research', 'site'].includes(toArea)) {
        say(`${fromArea}/ must not depend on ${toArea}/ (the runtime knows nothing of sessions or genealogy)`);
      }
      if (fromArea === 'runtime' && toAdapter) say('runtime/ may use only the Driver interface, never a concrete driver');
      if (toAdapter && adapterOf(from) !== toAdapter) {
        const allowed = ['compose.ts', 'index.ts'].includes(from) || (toAdapter === 'fake' && from === 'testing.ts');
        if (!allowed && fromArea !== 'drivers') say(`only the composition root (src/compose.ts) picks concrete drivers`);
        if (fromArea === 'drivers' && adapterOf(from) && adapterOf(from) !== toAdapter) say('one driver adapter must not import another');
      }
      if (fromArea === 'site' && toArea === 'runtime') say('site/ must not depend on runtime/ (the reference site stands alone)');
      if (fromArea === 'internal' && toArea !== 'internal' && toArea !== 'errors') say('internal/ may import only internal/ and errors.ts');
    }
  }
  violations.push(
    ...rootReaches(srcDir, graph).map(
      (chain) =>
        `the package root reaches ${chain.at(-1)} (${chain.join(' → ')}): the root entry point must load no application layer; export it from its own entry point`,
    ),
  );
  return violations;
}

/**
 * The import graph of the files under `dirs`: file → its relative imports, each as written
 * (`spec`) and as the source path it names (`path`: `.js` written, `.ts` on disk).
 */
function importGraph(dirs) {
  const graph = new Map();
  for (const dir of dirs) {
    for (const file of walk(dir)) {
      const edges = importsOf(readFileSync(file, 'utf8')).map((spec) => ({
        spec,
        path: resolve(dirname(file), spec.replace(/\.js$/, '.ts')),
      }));
      graph.set(file, edges);
    }
  }
  return graph;
}

/** The areas the root entry points must never load, directly or through other modules. */
const NOT_FROM_ROOT = ['session', 'genealogy', 'research', 'site', 'cli', 'observability'];

/** For each forbidden module the root entry points reach (in `graph`, the import graph of `srcDir`): the chain of imports that gets there. */
function rootReaches(srcDir, graph) {
  const chains = [];
  const seen = new Set();
  const queue = ['index.ts', 'testing.ts'].map((f) => [join(srcDir, f)]).filter(([f]) => graph.has(f));
  for (const [f] of queue) seen.add(f);
  while (queue.length > 0) {
    const chain = queue.shift();
    const file = chain.at(-1);
    if (NOT_FROM_ROOT.includes(area(relative(srcDir, file)))) {
      chains.push(chain.map((f) => relative(srcDir, f)));
      continue;
    }
    for (const { path: next } of graph.get(file) ?? []) {
      if (seen.has(next) || !graph.has(next)) continue;
      seen.add(next);
      queue.push([...chain, next]);
    }
  }
  return chains;
}

/**
 * Import cycles among the files under `dirs` (each cycle once, as paths relative to `base`,
 * first file repeated at the end). Type-only imports count too: a cycle of types is still two
 * modules that cannot be understood one without the other.
 */
export function findCycles(dirs, base = process.cwd()) {
  const graph = importGraph(dirs);
  const cycles = [];
  const state = new Map(); // file → 1 on the current path, 2 done
  const path = [];
  const visit = (file) => {
    state.set(file, 1);
    path.push(file);
    for (const { path: next } of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 1) cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(base, f)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 2);
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const src = resolve(process.argv[2] ?? join(root, 'src'));
  const bench = resolve(process.argv[3] ?? join(root, 'bench'));
  const violations = checkImports(src);
  for (const v of violations) console.error(`boundary violation: ${v}`);
  const cycles = findCycles([src, bench], root);
  for (const c of cycles) console.error(`import cycle: ${c.join(' → ')}`);
  if (violations.length + cycles.length > 0) process.exit(1);
  console.log(
    `import boundaries: ${walk(src).length} files checked, no violations; no import cycle in src/ or bench/ (${walk(bench).length} bench files)`,
  );
}
