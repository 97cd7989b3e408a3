import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { privateTempDir, writePrivateFile } from '../../src/internal/private-file.js';

const dir = mkdtempSync(join(tmpdir(), 'private-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writePrivateFile (the credentials file)', () => {
  it('creates a new file with mode 600', () => {
    const path = join(dir, 'new.json');
    writePrivateFile(path, 'secret');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('secret');
  });

  it('a pre-existing world-readable file ends up mode 600 with only the new content', () => {
    const path = join(dir, 'old.json');
    writeFileSync(path, 'old content that is longer than the new one');
    chmodSync(path, 0o644);
    writePrivateFile(path, 'secret');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('secret');
  });

  it('refuses a symbolic link and leaves its target untouched', () => {
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'keep me');
    chmodSync(target, 0o644);
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    expect(() => writePrivateFile(link, 'secret')).toThrow(ConfigError);
    expect(() => writePrivateFile(link, 'secret')).toThrow(/is a symbolic link; secrets are never written through one/);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    expect(statSync(target).mode & 0o777).toBe(0o644);
  });

  it('refuses a directory', () => {
    expect(() => writePrivateFile(dir, 'secret')).toThrow(/is not a regular file/);
  });

  it('the default directory is private (700) and its name is not predictable', () => {
    const a = privateTempDir('browser-actor-site-');
    const b = privateTempDir('browser-actor-site-');
    try {
      expect(statSync(a).mode & 0o777).toBe(0o700);
      expect(a).not.toBe(b);
    } finally {
      rmSync(a, { recursive: true });
      rmSync(b, { recursive: true });
    }
  });
});
