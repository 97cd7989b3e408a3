import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LARGE_GEDCOM_BYTES, readGedcomFile } from '../../../src/cli/files.js';
import { readGedcom } from '../../support/gedcom-round-trip.js';
import { gedcomLines, generateTree } from '../../../src/genealogy/synthetic.js';
import { textSink } from '../../support/text-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'gedcom-progress-'));
const file = join(dir, 'tree.ged');
writeFileSync(file, [...gedcomLines(generateTree({ people: 3000, seed: 7 }).tree)].join('\n'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('progress while loading a GEDCOM file', () => {
  it('readGedcom reports the bytes read after each chunk, up to the size of the file', async () => {
    const seen: number[] = [];
    const read = await readGedcom(file, { onProgress: (n) => seen.push(n) });
    expect(read.tree.size).toBe(3000);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((n, i) => i === 0 || n > (seen[i - 1] as number))).toBe(true);
    expect(seen.at(-1)).toBe(statSync(file).size);
  });

  it('shows megabytes read with rate and time left for a large file, nothing for a small one or with --quiet', async () => {
    const size = statSync(file).size;
    expect(size).toBeLessThan(LARGE_GEDCOM_BYTES);
    const run = async (options: { quiet: boolean; minBytes?: number }): Promise<string> => {
      const sink = textSink();
      const read = await readGedcomFile(file, { ...options, write: (t) => void sink.stream.write(t), tty: false });
      expect(read.tree.size).toBe(3000);
      return sink.text();
    };
    const mb = (size / 1_048_576).toFixed(1).replace('.', '\\.');
    expect(await run({ quiet: false, minBytes: 0 })).toMatch(
      new RegExp(`^${mb}/${mb} MB of tree\\.ged read \\(100%\\), [\\d.]+/s, in \\d+ s\\n$`),
    );
    expect(await run({ quiet: false })).toBe(''); // under 16 MB: it loads in about a second
    expect(await run({ quiet: true, minBytes: 0 })).toBe('');
  });
});
