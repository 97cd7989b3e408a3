import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT, environmentHelp, environmentMarkdown } from '../../src/cli/environment.js';
import { ALL_ERROR_CODES } from '../support/error-codes.js';
import { sourceFiles } from '../support/source-files.js';

/** The README is the user's first screen: what it names must exist, and its lists must match the code's. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('shows the same environment variables as --help, generated from one list', () => {
    const block = /<!-- environment:start[^\n]*-->\n([\s\S]*?)\n<!-- environment:end -->/.exec(readme)?.[1];
    expect(block).toBe(environmentMarkdown());
    for (const v of ENVIRONMENT.flatMap((g) => g.variables)) expect(environmentHelp()).toContain(v.name);
  });

  it('the list has every variable the shipped code reads (others are the system’s or the tests’)', () => {
    const listed = new Set(ENVIRONMENT.flatMap((g) => g.variables.map((v) => v.name)));
    const notOurs = new Set(['PATH', 'TMPDIR', 'XDG_CONFIG_HOME', 'HOME', 'SHELL', 'NODE_OPTIONS', 'BROWSER']);
    const read = new Set<string>();
    for (const file of sourceFiles(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(
        /(?:env|process\.env)\[['"]([A-Z][A-Z0-9_]+)['"]\]|\b(?:get|required|flag|number|seconds)\(['"]([A-Z][A-Z0-9_]+)['"]/g,
      ))
        read.add((m[1] ?? m[2]) as string);
    }
    expect([...read]).toEqual(
      expect.arrayContaining(['SITE_USERNAME', 'CHROMIUM_PATH', 'RATE_LIMIT', 'LOG_LEVEL', 'BROWSER_ACTOR_QUEUE_KEY']),
    ); // the scan finds them
    const missing = [...read].filter((name) => !listed.has(name) && !notOurs.has(name));
    expect(missing).toEqual([]);
  });

  it('names no file that the repository does not have, and no error code that does not exist', () => {
    const links = [...readme.matchAll(/\]\((?!https?:|#)([^)\s]+)\)/g)].map((m) => (m[1] as string).split('#')[0] as string);
    const mentioned = [...readme.matchAll(/\b((?:docs|examples|scripts)\/[\w./-]+\.\w+)\b/g)].map((m) => m[1] as string);
    const missing = [...links, ...mentioned, ...(readme.includes('DESIGN.md') ? ['DESIGN.md'] : [])].filter(
      (p) => !existsSync(join(root, p)),
    );
    expect(missing).toEqual([]);
    const codes = new Set<string>(ALL_ERROR_CODES);
    const named = [...readme.matchAll(/(?<!net::)\bERR_[A-Z_]+\b/g)].map((m) => m[0]);
    expect(named.filter((c) => !codes.has(c))).toEqual([]);
  });

  it('docs/architecture.md names only files the repository has (docs/api/ is what `npm run docs` writes)', () => {
    const arch = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
    const paths = [...arch.matchAll(/`((?:src|test|docs|scripts|bench)\/[^`\s*]*)`/g)]
      .map((m) => m[1] as string)
      .filter((p) => p !== 'docs/api/');
    const files = (dir: string): string[] =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => f.split('/').at(-1) as string);
    const known = new Set([...files('src'), ...files('test')]);
    const bare = [...arch.matchAll(/`([\w.-]+\.ts)`/g)].map((m) => m[1] as string);
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((p) => !existsSync(join(root, p)))).toEqual([]);
    expect(bare.filter((n) => !known.has(n))).toEqual([]);
  });
});
