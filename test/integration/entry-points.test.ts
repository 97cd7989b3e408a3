import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/source-files.js';

/**
 * The package as a user meets it: a project of its own with browser-actor in node_modules,
 * importing each entry point by name (ESM, in a fresh Node process) and type-checking a program
 * against the published declarations. Needs the build (`npm test` builds first).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
const ENTRY_POINTS = [
  'browser-actor',
  'browser-actor/session',
  'browser-actor/genealogy',
  'browser-actor/research',
  'browser-actor/site',
  'browser-actor/observability',
  'browser-actor/testing',
];
let project: string;
let exported: Record<string, string[]>;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'entry-points-'));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(root, join(project, 'node_modules', 'browser-actor'), 'dir');
  // A Node project has Node's types; ours are the ones the package is built against.
  mkdirSync(join(project, 'node_modules', '@types'));
  symlinkSync(join(root, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', type: 'module', private: true }));
  writeFileSync(
    join(project, 'list.mjs'),
    `const out = {};\nfor (const name of ${JSON.stringify(ENTRY_POINTS)}) out[name] = Object.keys(await import(name)).sort();\nconsole.log(JSON.stringify(out));\n`,
  );
  exported = JSON.parse(execFileSync(process.execPath, ['list.mjs'], { cwd: project, encoding: 'utf8', timeout: 60_000 })) as Record<
    string,
    string[]
  >;
}, 90_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('entry points, imported by name from the built package', () => {
  it('package.json exports exactly these entry points', () => {
    expect(
      Object.keys(pkg.exports)
        .map((k) => (k === '.' ? 'browser-actor' : `browser-actor/${k.slice(2)}`))
        .sort(),
    ).toEqual([...ENTRY_POINTS].sort());
  });

  it('each loads in plain Node and exports what its concern needs', () => {
    expect(exported['browser-actor']).toEqual(
      expect.arrayContaining([
        'createBrowserActor',
        'createSessionSupervisor',
        'createWorkDispatcher',
        'createRedisDispatcher',
        'Navigate',
        'ExecuteJS',
        'BrowserActorError',
        'ErrorCode',
        'PlaywrightDriver',
        'WebDriverDriver',
        'PriorityMailbox',
      ]),
    );
    expect(exported['browser-actor/session']).toEqual(
      expect.arrayContaining(['SessionManager', 'BrowserManager', 'ApiClient', 'RateLimiter', 'SignInError', 'SessionErrorCode']),
    );
    expect(exported['browser-actor/genealogy']).toEqual(
      expect.arrayContaining([
        'readGedcom',
        'writeGedcom7File',
        'relationship',
        'ladder',
        'FamilyTree',
        'rankCandidates',
        'InvalidGedcomError',
      ]),
    );
    expect(exported['browser-actor/research']).toEqual(
      expect.arrayContaining(['research', 'GedcomSource', 'SiteSource', 'renderReport', 'InvalidCriteriaError']),
    );
    expect(exported['browser-actor/site']).toEqual(expect.arrayContaining(['startTreeSite', 'totpCode']));
    expect(exported['browser-actor/observability']).toEqual(
      expect.arrayContaining(['createLogger', 'createMetrics', 'startMetricsServer', 'createStatusBoard']),
    );
    expect(exported['browser-actor/testing']).toEqual(expect.arrayContaining(['FakeDriver', 'ManualClock']));
  });

  it('the root holds the runtime only: nothing of the application layers or of observability', () => {
    const root = new Set(exported['browser-actor']);
    for (const entry of ENTRY_POINTS.filter((e) => e !== 'browser-actor' && e !== 'browser-actor/testing')) {
      const layerOwn = (exported[entry] ?? []).filter((name) => root.has(name));
      expect(layerOwn, `${entry} names also exported at the root`).toEqual([]);
    }
  });

  it('a TypeScript program using every entry point type-checks against the published declarations', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['use.ts'],
      }),
    );
    writeFileSync(
      join(project, 'use.ts'),
      [
        "import { type ErrorCode, type TaskExecutor, BrowserActorError, Navigate, createSessionSupervisor, isBrowserActorError } from 'browser-actor';",
        "import { SessionManager, SignInError } from 'browser-actor/session';",
        "import { type FamilyTree, readGedcom, relationship } from 'browser-actor/genealogy';",
        "import { GedcomSource, research } from 'browser-actor/research';",
        "import { startTreeSite } from 'browser-actor/site';",
        "import { createLogger, createMetrics } from 'browser-actor/observability';",
        "import { FakeDriver } from 'browser-actor/testing';",
        'export const supervisor: TaskExecutor = createSessionSupervisor({ lanes: 2 });',
        "export const task = Navigate('http://127.0.0.1:8080/');",
        "export const code: ErrorCode = 'ERR_SIGN_IN'; // a layer's code joins the union once the layer is imported",
        "export const typed: boolean = isBrowserActorError(new SignInError('no'), 'ERR_SIGN_IN') && new SignInError('x') instanceof BrowserActorError;",
        'export async function names(file: string): Promise<string> {',
        '  const { tree }: { tree: FamilyTree } = await readGedcom(file);',
        '  return relationship(tree, 0, 1).name;',
        '}',
        'export const parts = [SessionManager, GedcomSource, research, startTreeSite, createLogger, createMetrics, FakeDriver];',
        '// @ts-expect-error -- not a code of any layer',
        "export const wrong: ErrorCode = 'ERR_NO_SUCH_CODE';",
      ].join('\n'),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  }, 150_000);
});

describe('what ships', () => {
  it('npm pack lists the built package, the README and package.json: no benchmark, test, fixture or source file', () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const packed = JSON.parse(
      execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 120_000 }),
    ) as { files: { path: string }[] }[];
    const files = (packed[0]?.files ?? []).map((f) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/cli/main.js');
    // browser-actor/testing (the Fake driver for users' own tests) is an entry point, not a test.
    const stray = files.filter(
      (f) => !/^dist\/testing\.(js|d\.ts|js\.map)$/.test(f) && /bench|test|fixture|\.ts$(?<!\.d\.ts)|^src\//.test(f),
    );
    expect(stray).toEqual([]);
    expect(files.filter((f) => !f.startsWith('dist/') && !['README.md', 'package.json', 'LICENSE'].includes(f))).toEqual([]);
    // Every entry point's files are in the package.
    for (const target of Object.values(pkg.exports) as { types: string; default: string }[]) {
      expect(files).toContain(target.default.slice(2));
      expect(files).toContain(target.types.slice(2));
    }
  }, 150_000);

  it('every production dependency is imported by the shipped code (none is there only for benchmarks or tests)', () => {
    const deps = Object.keys(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies,
    );
    const source = sourceFiles(join(root, 'src'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(deps.filter((d) => !new RegExp(`from '${d}(/[^']*)?'|import\\('${d}(/[^']*)?'\\)`).test(source))).toEqual([]);
  });
});
