import { fileURLToPath } from 'node:url';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { checkImports, findCycles } from '../../scripts/check-imports.mjs';

// import.meta.dirname needs Node 20.11; the package supports Node 20.3 and later.
const here = dirname(fileURLToPath(import.meta.url));

const check = checkImports as (srcDir: string) => string[];
const cycles = findCycles as (dirs: string[], base: string) => string[][];
const roots: string[] = [];

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'boundaries-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('import-boundary check', () => {
  it('passes on the real source tree', () => {
    expect(check(join(here, '..', '..', 'src'))).toEqual([]);
  });

  it('fails when runtime/ imports research/', () => {
    const root = tree({
      'runtime/actor/a.ts': "import { job } from '../../research/job.js';\nexport const a = job;\n",
      'research/job.ts': 'export const job = 1;\n',
    });
    expect(check(root)).toEqual([
      'runtime/actor/a.ts imports ../../research/job.js: runtime/ must not depend on research/ (the runtime knows nothing of sessions or genealogy)',
    ]);
  });

  it('fails when something other than the composition root picks a concrete driver', () => {
    const root = tree({
      'runtime/actor/a.ts': "export { PlaywrightDriver } from '../../drivers/playwright/playwright-driver.js';\n",
      'cli/main.ts': "const m = await import('../drivers/playwright/playwright-driver.js');\n",
      'compose.ts': "import { PlaywrightDriver } from './drivers/playwright/playwright-driver.js';\n",
      'drivers/playwright/playwright-driver.ts': 'export class PlaywrightDriver {}\n',
      'site/server.ts': "import '../runtime/actor/a.js';\n",
      'drivers/driver.ts': "import type { Session } from '../session/session.js';\n",
    });
    const violations = check(root);
    expect(violations).toContain(
      'runtime/actor/a.ts imports ../../drivers/playwright/playwright-driver.js: runtime/ may use only the Driver interface, never a concrete driver',
    );
    expect(violations).toContain(
      'cli/main.ts imports ../drivers/playwright/playwright-driver.js: only the composition root (src/compose.ts) picks concrete drivers',
    );
    expect(violations).toContain(
      'site/server.ts imports ../runtime/actor/a.js: site/ must not depend on runtime/ (the reference site stands alone)',
    );
    expect(violations.some((v) => v.startsWith('drivers/driver.ts imports ../session/session.js'))).toBe(true);
    expect(violations.some((v) => v.startsWith('compose.ts'))).toBe(false);
  });

  it('fails when the package root reaches an application layer, through however many modules', () => {
    const root = tree({
      'index.ts': "export { a } from './runtime/a.js';\n",
      'runtime/a.ts': "import { b } from '../internal/b.js';\nexport const a = b;\n",
      'internal/b.ts': "import type { S } from '../session/s.js';\nexport const b: S = 1;\n",
      'session/s.ts': 'export type S = number;\n',
    });
    expect(check(root)).toContain(
      'the package root reaches session/s.ts (index.ts → runtime/a.ts → internal/b.ts → session/s.ts): the root entry point must load no application layer; export it from its own entry point',
    );
  });

  it('fails when src/ imports from outside it', () => {
    const root = tree({ 'src/cli/x.ts': "import '../../bench/y.js';\n", 'bench/y.ts': '' });
    expect(check(join(root, 'src'))).toEqual([
      'cli/x.ts imports ../../bench/y.js: src/ must not import from outside src/ (it would not ship)',
    ]);
  });

  it('finds import cycles, type-only ones included, and none in the real tree', () => {
    const root = tree({
      'bench/run-all.ts': "import { render } from './report-render.js';\nexport const r = render;\n",
      'bench/report-render.ts': "import type { Report } from './run-all.js';\nexport const render = (x: Report) => x;\n",
      'bench/ok.ts': "import { r } from './run-all.js';\n",
    });
    expect(cycles([join(root, 'bench')], root)).toEqual([['bench/run-all.ts', 'bench/report-render.ts', 'bench/run-all.ts']]);
    expect(cycles([join(here, '..', '..', 'src'), join(here, '..', '..', 'bench')], join(here, '..', '..'))).toEqual([]);
  });
});
