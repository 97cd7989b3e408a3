import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_GUIDE, EXIT, describeCliError, exitStatusFor } from '../../src/cli/exit-codes.js';
import { ALL_ERROR_CODES } from '../support/error-codes.js';
import { sourceFiles } from '../support/source-files.js';

const srcDir = fileURLToPath(new URL('../../src', import.meta.url));
/** Codes of other programs that our code reads (never produces). */
const FOREIGN_CODES = new Set(['ERR_SCRIPT_EXECUTION_TIMEOUT']);

/** docs/errors.md, the codes the source defines and the CLI's hints and exit statuses agree. */
const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const sections = new Map(
  doc
    .split(/^### /m)
    .slice(1)
    .map((s) => [s.split('\n')[0]?.trim() ?? '', s] as const),
);

describe('docs/errors.md', () => {
  it('has one entry for every error code the source defines, and none for codes that do not exist', () => {
    expect([...sections.keys()].sort()).toEqual([...ALL_ERROR_CODES].sort());
    expect(Object.keys(ERROR_GUIDE).sort()).toEqual([...ALL_ERROR_CODES].sort());
  });

  it('every code the source writes is in the code list, and every code in the list is written somewhere besides its definition', () => {
    const sources = new Map(sourceFiles(srcDir).map((file) => [file, readFileSync(file, 'utf8')] as const));
    const written = new Map<string, Set<string>>();
    for (const [file, text] of sources) {
      for (const m of text.matchAll(/['"`](ERR_[A-Z0-9_]+)['"`]|\b(\w*ErrorCode)\.([A-Z_]+)\b/g)) {
        const code = m[1] ?? `ERR_${m[3] ?? ''}`;
        if (!written.has(code)) written.set(code, new Set());
        written.get(code)?.add(file);
      }
    }
    const listed = new Set<string>(ALL_ERROR_CODES);
    expect([...written.keys()].filter((c) => !listed.has(c) && !FOREIGN_CODES.has(c))).toEqual([]);
    // Used by a class, a throw or a comparison somewhere besides the list that defines it and the CLI's guide.
    const unused = ALL_ERROR_CODES.filter(
      (c) => ![...(written.get(c) ?? [])].some((f) => !f.endsWith('errors.ts') && !f.endsWith('exit-codes.ts')),
    );
    const classes = ALL_ERROR_CODES.filter((c) => {
      const key = c.slice('ERR_'.length);
      return [...sources].some(([f, text]) => f.endsWith('errors.ts') && new RegExp(`super\\(\\w*ErrorCode\\.${key}\\b`).test(text));
    });
    // A code with a class is produced wherever the class is thrown; the others must be written where they are produced.
    expect(unused.filter((c) => !classes.includes(c))).toEqual([]);
  });

  it.each(ALL_ERROR_CODES)('%s: meaning, likely cause, the hint the CLI prints, and the exit status the CLI uses', (code) => {
    const section = sections.get(code) ?? '';
    expect(section).toMatch(/- \*\*Meaning:\*\* \S/);
    expect(section).toMatch(/- \*\*Likely cause:\*\* \S/);
    const hint = ERROR_GUIDE[code].hint;
    expect(section).toContain(`- **What to do:** ${hint.charAt(0).toUpperCase()}${hint.slice(1)}.`);
    expect(section).toContain(`- **Exit status:** ${exitStatusFor(code)} (${ERROR_GUIDE[code].class})`);
  });

  it('lists each exit status of the classes', () => {
    for (const [name, status] of Object.entries(EXIT)) {
      if (name !== 'ok') expect(doc).toContain(`| ${status} | ${name} |`);
    }
  });
});

describe('the CLI error line', () => {
  it('prints the code, the message and what to do, with the place in docs/errors.md', () => {
    expect(describeCliError('ERR_SIGN_IN', 'the site refused the password')).toBe(
      `browser-actor: ERR_SIGN_IN: the site refused the password\n  what to do: ${ERROR_GUIDE.ERR_SIGN_IN.hint} (docs/errors.md#err_sign_in)\n`,
    );
  });

  it('prints a message from elsewhere (a WebDriver endpoint, a site) inert, with its secrets redacted', () => {
    const line = describeCliError('ERR_DRIVER', 'Grid said: \u001b]0;pwned\u0007\u001b[2J session http://u:hunter2@grid:4444 gone');
    expect(line.includes('\u001b') || line.includes('\u0007')).toBe(false);
    expect(line).not.toContain('hunter2');
    expect(line).toContain('\uFFFD]0;pwned');
  });

  it('gives distinct statuses per class, and an unknown code the internal one', () => {
    expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length);
    expect(exitStatusFor('ERR_INVALID_CONFIG')).toBe(EXIT.config);
    expect(exitStatusFor('ERR_SIGN_IN')).toBe(EXIT.site);
    expect(exitStatusFor('ERR_BROWSER_LAUNCH')).toBe(EXIT.browser);
    expect(exitStatusFor('ERR_UNEXPECTED')).toBe(EXIT.internal);
    expect(describeCliError('ERR_UNEXPECTED', 'boom')).toMatch(/this is a bug in browser-actor/);
  });
});
