import { spawn, spawnSync } from 'node:child_process';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gedcomLines, generateTree } from '../../src/genealogy/synthetic.js';
import { parseBatch } from '../../src/cli/research.js';
import { waitFor } from '../../src/drivers/process-tree.js';
import { checkGedcom7, readGedcom } from '../support/gedcom-round-trip.js';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'main.js');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 90_000, env: { ...process.env, SITE_PASSWORD: '' } });
const clean = (s: string) => s.replace(/.*unexpected operator\n?/g, '');

describe('browser-actor research and start (built package)', () => {
  it('npm start: searches the embedded reference site through real Chromium, prints paths and the benchmark table, in under a minute', () => {
    const t = Date.now();
    const r = run('start');
    expect(clean(r.stderr)).toBe('');
    expect(r.status).toBe(0);
    expect(Date.now() - t).toBeLessThan(60_000);
    expect(r.stdout).toMatch(/research on the reference tree site at http:\/\/127\.0\.0\.1:\d+\//);
    expect(r.stdout).toMatch(/Relationship path from .* to .*: (grand|great-grand)?father/);
    expect(r.stdout).toMatch(/\n {4}1\. .* - /);
    expect(r.stdout).toMatch(/Where the time went/);
    expect(r.stdout).toMatch(/browser\/actor +launch \+ restore +1/);
    expect(r.stdout).toMatch(/done in \d+\.\d s; the site and the browser are stopped/);
    // The HTML report it wrote, with the same searches.
    const report = /\nreport: (\/\S+\.html) \(open it in a browser\)\n/.exec(r.stdout)?.[1] as string;
    expect(existsSync(report)).toBe(true);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<h1>Research report</h1>');
    expect(html).toContain('Where the time went');
    expect((html.match(/<section id="search-/g) ?? []).length).toBe((r.stdout.match(/^Research: /gm) ?? []).length);
    rmSync(dirname(report), { recursive: true, force: true });
  });

  it('GEDCOM mode with a batch: a bad row is reported with its line number and skipped, the others run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'research-cli-'));
    const { tree, referencePerson } = generateTree({ people: 2000, seed: 4 });
    const file = join(dir, 'tree.ged');
    writeFileSync(file, [...gedcomLines(tree)].join('\n'));
    // A parent of the home person whose name and birth year are unique in the tree, so the best match is certain.
    const unique = tree.parents(referencePerson).find((i) => {
      const q = tree.person(i);
      const has = (a: string, b: string) => a.toLowerCase().includes(b.toLowerCase()); // scoring's "contains"
      return (
        tree.people.filter((o) => has(o.given, q.given) && has(o.surname, q.surname) && o.birth?.date?.year === q.birth?.date?.year)
          .length === 1
      );
    });
    expect(unique).toBeDefined();
    const p = tree.person(unique as number);
    const batch = join(dir, 'batch.csv');
    // The criteria carry the death year when the parent has one, as a careful user's would.
    writeFileSync(
      batch,
      [
        'given,surname,birth_year,death_year',
        `${p.given},${p.surname},${p.birth?.date?.year ?? ''},${p.death?.date?.year ?? ''}`,
        'X,,eighteen,',
        `,${tree.person(5).surname},,`,
      ].join('\n'),
    );
    const r = run('research', '--gedcom', file, '--home', tree.person(referencePerson).id, '--batch', batch, '--ladder-for', '1', '--json');
    expect(r.status).toBe(0);
    expect(clean(r.stderr)).toMatch(/batch\.csv:3: skipped: given needs at least 2 characters/);
    expect(clean(r.stderr)).toMatch(/batch: 2 searched, 1 skipped \(bad rows\), 0 failed/);
    // Not a terminal: the batch's progress is plain lines, the last one at the end; --quiet has none.
    expect(clean(r.stderr)).toMatch(/^2\/2 searches \(100%\), [\d.]+\/s, in \d+ s$/m);
    const quiet = run('research', '--gedcom', file, '--home', tree.person(referencePerson).id, '--batch', batch, '--json', '--quiet');
    expect(quiet.status).toBe(0);
    expect(clean(quiet.stderr)).not.toMatch(/searches \(/);
    expect(clean(quiet.stderr)).not.toMatch(/batch: /); // --quiet: no summary either
    expect(clean(quiet.stderr)).toMatch(/batch\.csv:3: skipped: /); // but a skipped row is still reported
    const json = JSON.parse(r.stdout) as {
      results: { line: number; result: { ranked: { person: { id: string } }[]; details: { ladder: { relationship: string } }[] } }[];
    };
    expect(json.results.map((x) => x.line)).toEqual([2, 4]);
    expect(json.results[0]?.result.ranked[0]?.person.id).toBe(p.id);
    expect(json.results[0]?.result.details[0]?.ladder.relationship).toMatch(/^(father|mother)$/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('--export writes everyone the run found (ranked people, each relationship path, the home person) with their families as GEDCOM 7.0; an existing file is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'research-export-'));
    try {
      const { tree, referencePerson } = generateTree({ people: 2000, seed: 4 });
      const ged = join(dir, 'tree.ged');
      writeFileSync(ged, [...gedcomLines(tree)].join('\n'));
      const home = tree.person(referencePerson).id;
      const out = join(dir, 'found.ged');
      const r = run(
        'research',
        '--gedcom',
        ged,
        '--home',
        home,
        '--surname',
        tree.person(tree.parents(referencePerson)[0] as number).surname,
        '--ladder-for',
        '2',
        '--json',
        '--export',
        out,
      );
      expect(r.status).toBe(0);
      const json = JSON.parse(r.stdout) as {
        exported: { file: string; people: number; families: number };
        results: { result: { ranked: { person: { id: string } }[]; details: { ladder: { steps: { id: string }[] } }[] } }[];
      };
      const text = readFileSync(out, 'utf8');
      checkGedcom7(text);
      const back = (await readGedcom({ text })).tree;
      expect(json.exported).toEqual({ file: out, people: back.size, families: back.families.length });
      expect(clean(r.stderr)).toContain(`exported ${back.size} people and ${back.families.length} families to ${out} (GEDCOM 7.0)`);
      const found = json.results[0]?.result;
      const wanted = [
        home,
        ...(found?.ranked ?? []).map((x) => x.person.id),
        ...(found?.details ?? []).flatMap((d) => d.ladder.steps.map((s) => s.id)),
      ];
      expect(wanted.length).toBeGreaterThan(4);
      for (const id of wanted) expect(back.indexOf(id)).toBeDefined();
      // Each found person's parents came along, with the link, so the path's first step reads the same from the export.
      const best = found?.ranked[0]?.person.id as string;
      for (const parent of tree.parents(tree.indexOf(best) as number)) expect(back.indexOf(tree.person(parent).id)).toBeDefined();
      // Nothing of the user's is overwritten; a name that is not .ged is refused before the run.
      const again = run('research', '--gedcom', ged, '--home', home, '--surname', 'Lee', '--export', out);
      expect(again.status).not.toBe(0);
      expect(clean(again.stderr)).toMatch(/--export .*found\.ged: the file exists; choose another name, or remove it first/);
      expect(readFileSync(out, 'utf8')).toBe(text);
      expect(clean(run('research', '--gedcom', ged, '--surname', 'Lee', '--export', join(dir, 'found.txt')).stderr)).toMatch(
        /--export writes a GEDCOM file: give a name ending in \.ged, got "found\.txt"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad usage with a message that says what to do', () => {
    expect(run('research', '--surname', 'Lee').stderr).toMatch(/say where to search: --site URL .* or --gedcom FILE/);
    // Messages name the flag the user typed, not an internal field or variable.
    expect(run('research', '--gedcom', 'x.ged').stderr).toMatch(/give --given or --surname \(or both\)/);
    expect(run('research', '--gedcom', 'x.ged', '--surname', 'Lee', '--birth-year', 'soon').stderr).toMatch(
      /--birth-year must be a year from 1 to 2100, got "soon"/,
    );
    expect(run('research', '--site', 'localhost:8377', '--surname', 'Lee').stderr).toMatch(
      /--site must be an http:\/\/ or https:\/\/ address/,
    );
    // A mistyped address may carry a password: the message never repeats the value.
    for (const site of ['ftp://ann:hunter2-secret@127.0.0.1/', 'http//ann:hunter2-secret@127.0.0.1']) {
      const r = run('research', '--site', site, '--surname', 'Lee');
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--site (must be an http:\/\/ or https:\/\/ address|is not a URL)/);
      expect(r.stderr).not.toContain('hunter2-secret');
    }
    expect(run('research', '--gedcom', 'x.ged', '--credentials', 'c.json', '--surname', 'Lee').stderr).toMatch(
      /--credentials signs in to a site/,
    );
    expect(run('research', '--gedcom', 'x.ged', '--surname', 'Lee', '--resume').stderr).toMatch(
      /--resume continues an output file: give it with --out FILE/,
    );
    expect(run('research', '--gedcom', 'x.ged', '--surname', 'Lee', '--top', '0').stderr).toMatch(
      /--top must be a whole number from 1 to 100, got "0"/,
    );
    expect(run('research', '--gedcom', 'x.ged', '--surname', 'Lee', '--out', 'r.txt').stderr).toMatch(
      /--out r\.txt: the file name must end in \.csv, \.jsonl \(JSON lines\) or \.html/,
    );
    const missing = run('research', '--gedcom', '/nonexistent.ged', '--surname', 'Lee');
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/ERR_INVALID_CONFIG: --gedcom \/nonexistent\.ged: no such file/);
  });

  it('a site that accepts connections and never answers fails with ERR_NETWORK at the request deadline, not after minutes', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const child = spawn(process.execPath, [main, 'research', '--site', `http://127.0.0.1:${port}`, '--surname', 'Lee'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SITE_USERNAME: 'ann', SITE_PASSWORD: 'not used', REQUEST_TIMEOUT_SECONDS: '2' },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const started = Date.now();
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(stderr).toMatch(/ERR_NETWORK: GET \/api\/me: 127\.0\.0\.1:\d+ did not answer within 2 s \(REQUEST_TIMEOUT_SECONDS\)/);
      expect(code).toBe(4); // the site's class
      expect(stderr).toMatch(/what to do: the site could not be reached/);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(stderr).not.toContain('not used');
    } finally {
      for (const s of held) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a .env in the working directory cannot choose the executable that is run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'research-cli-'));
    try {
      const marker = join(dir, 'ran');
      const evil = join(dir, 'evil.sh');
      writeFileSync(evil, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
      writeFileSync(join(dir, '.env'), `SITE_USERNAME=ann\nSITE_PASSWORD=pw\nCHROMIUM_PATH=${evil}\n`);
      const r = spawnSync(process.execPath, [main, 'research', '--site', 'http://127.0.0.1:9/', '--surname', 'Lee'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, CHROMIUM_PATH: '' },
      });
      expect(r.stderr).toMatch(/ERR_INVALID_CONFIG: .*\.env sets CHROMIUM_PATH: executable paths are never read from a \.env file/);
      expect(r.status).toBe(3);
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a batch with nothing to search fails with the reason; names are printed without control characters', () => {
    const dir = mkdtempSync(join(tmpdir(), 'research-cli-'));
    try {
      const { tree, referencePerson } = generateTree({ people: 200, seed: 4 });
      const ged = join(dir, 'tree.ged');
      writeFileSync(ged, [...gedcomLines(tree)].join('\n'));
      const batch = (name: string, text: string): string => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const home = ['--gedcom', ged, '--home', tree.person(referencePerson).id];
      for (const [file, reason] of [
        [batch('empty.csv', ''), /the file has no searches/],
        [batch('comments.csv', '# nothing\n\n'), /the file has no searches/],
        [batch('header.csv', 'name,year\nAda,1815\n'), /no row can be searched \(2 refused; line 1: unknown column\(s\) name, year/],
        [batch('rows.jsonl', '{"sex":"Q"}\nnot json\n'), /no row can be searched \(2 refused; line 1: /],
      ] as const) {
        const r = run('research', ...home, '--batch', file);
        expect(r.status, file).toBe(3);
        expect(r.stderr, file).toMatch(/ERR_INVALID_CONFIG: --batch /);
        expect(r.stderr, file).toMatch(reason);
      }
      expect(run('research', ...home, '--batch', dir).stderr).toMatch(/--batch .*: is a directory/);
      // A batch cell with terminal escapes: echoed in the skip message without them.
      const evil = batch('evil.csv', `surname,sex\n"Smith\u001b[2J\u001b]0;x\u0007",Q\n${tree.person(referencePerson).surname},\n`);
      const r = run('research', ...home, '--batch', evil);
      expect(r.status).toBe(0);
      const printed = r.stdout + r.stderr;
      expect(printed.includes('\u001b') || printed.includes('\u0007')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a Windows-1252 export with an adoption and a married name: found by the other name, the path says it went through the adoption', () => {
    const dir = mkdtempSync(join(tmpdir(), 'research-cli-'));
    try {
      const ged = join(dir, 'ftm.ged');
      const text = [
        '0 HEAD',
        '1 GEDC',
        '2 VERS 5.5.1',
        '1 CHAR ANSI',
        '0 @H@ INDI',
        '1 NAME Henri /Hal\u00e9/',
        '1 SEX M',
        '1 FAMS @F1@',
        '0 @W@ INDI',
        '1 NAME Mary /Smith/',
        '1 NAME Mary /J\u00f6nes/',
        '2 TYPE married',
        '1 SEX F',
        '1 FAMS @F1@',
        '0 @B@ INDI',
        '1 NAME Bert /Hal\u00e9/',
        '1 SEX M',
        '1 BIRT',
        '2 DATE 1950',
        '1 FAMC @F1@',
        '0 @A@ INDI',
        '1 NAME Amos /Hal\u00e9/',
        '1 SEX M',
        '1 BIRT',
        '2 DATE 1952',
        '1 FAMC @F1@',
        '2 PEDI adopted',
        '0 @F1@ FAM',
        '1 HUSB @H@',
        '1 WIFE @W@',
        '1 CHIL @B@',
        '1 CHIL @A@',
        '2 _FREL Adopted',
        '2 _MREL Adopted',
        '0 TRLR',
      ].join('\r\n');
      writeFileSync(ged, Buffer.from(text, 'latin1'));
      const byOtherName = run('research', '--gedcom', ged, '--home', 'B', '--given', 'Mary', '--surname', 'Jones');
      expect(clean(byOtherName.stderr)).toBe('');
      expect(byOtherName.stdout).toMatch(/1\. +75\/75 fair +Mary Smith .*\[W\]/);
      expect(byOtherName.stdout).toContain('both names match (other name "Mary Jönes")');
      expect(byOtherName.stdout).toContain('Relationship path from Mary Smith to Bert Halé: mother');
      const adopted = run('research', '--gedcom', ged, '--home', 'B', '--given', 'Amos', '--surname', 'Halé');
      expect(adopted.stdout).toContain('Parents:  Henri Halé [by adoption]; Mary Smith [by adoption]');
      expect(adopted.stdout).toContain('Relationship path from Amos Halé to Bert Halé: adopted brother');
      expect(adopted.stdout).toMatch(
        /1\. Amos Halé \(b\. 1952\) - adopted brother\n {7}\| linked by adoption\n {4}2\. Henri Halé - father\n {4}3\. Bert Halé \(b\. 1950\) - self/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--csv: a name that a spreadsheet would run as a formula is written as text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'research-cli-'));
    try {
      // A spreadsheet runs a cell that starts with =, +, - or @ (a name in a GEDCOM file can be anything).
      for (const given of ['=Eve', '-Eve']) {
        const ged = join(dir, 'formula.ged');
        writeFileSync(
          ged,
          [
            '0 HEAD',
            '1 CHAR UTF-8',
            '0 @B@ INDI',
            '1 NAME Bert /Smith/',
            '1 SEX M',
            '1 FAMC @F1@',
            '0 @E@ INDI',
            `1 NAME ${given} /Smith/`,
            '1 SEX F',
            '1 FAMS @F1@',
            '0 @F1@ FAM',
            '1 WIFE @E@',
            '1 CHIL @B@',
            '0 TRLR',
          ].join('\n'),
        );
        const batch = join(dir, 'rows.csv');
        writeFileSync(batch, 'given,surname\nEve,Smith\n');
        const r = run('research', '--gedcom', ged, '--home', 'B', '--batch', batch, '--csv', '--quiet');
        const [header, row] = r.stdout.trim().split('\n');
        expect(header).toBe(
          'line,given,surname,sex,birth_year,birth_place,death_year,death_place,candidates,tie,best_id,best_name,best_lifespan,best_birth_place,best_death_place,best_score,max_score,best_confidence,best_url,relationship,runner_up_id,runner_up_name,runner_up_lifespan,runner_up_score',
        );
        expect(row, given).toBe(`2,Eve,Smith,,,,,,1,,E,"'${given} Smith",,,,75,75,fair,,mother,,,,`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('--out saves each result as it finishes; Ctrl-C (a real SIGINT) keeps what was done and exits 130; --resume finishes to the same file as an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'research-cli-'));
    try {
      const { tree, referencePerson } = generateTree({ people: 2000, seed: 9 });
      const ged = join(dir, 'tree.ged');
      writeFileSync(ged, [...gedcomLines(tree)].join('\n'));
      const batch = join(dir, 'batch.csv');
      const people = Array.from({ length: 3000 }, (_, i) => tree.person((i * 7) % tree.people.length));
      writeFileSync(
        batch,
        [
          'given,surname,birth_year',
          ...people.map((p) => `${p.given.split(' ')[0] as string},${p.surname},${p.birth?.date?.year ?? ''}`),
        ].join('\n'),
      );
      const args = ['research', '--gedcom', ged, '--home', tree.person(referencePerson).id, '--batch', batch, '--concurrency', '8'];
      // Printed results of 3000 searches are more than spawnSync buffers by default.
      const runBig = (...more: string[]) =>
        spawnSync(process.execPath, [main, ...args, ...more], {
          encoding: 'utf8',
          timeout: 90_000,
          maxBuffer: 64 << 20,
          env: { ...process.env, SITE_PASSWORD: '' },
        });
      const whole = join(dir, 'whole.csv');
      const reference = runBig('--out', whole);
      expect(reference.status).toBe(0);
      const rows = (file: string): string[] => readFileSync(file, 'utf8').trim().split('\n');
      expect(rows(whole)).toHaveLength(3001);

      // The same batch, stopped with SIGINT once some results are saved.
      const cut = join(dir, 'cut.csv');
      const child = spawn(process.execPath, [main, ...args, '--out', cut, '--csv'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SITE_PASSWORD: '' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      expect(await waitFor(() => existsSync(cut) && readFileSync(cut, 'utf8').split('\n').length > 30, 30_000, 10)).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      const kept = rows(cut);
      expect(kept.length).toBeGreaterThan(30);
      expect(kept.length).toBeLessThan(3001);
      expect(kept[0]).toBe(rows(whole)[0]); // the header
      // Every saved row is a finished search's row, exactly as the uninterrupted run wrote it.
      const wholeRows = new Set(rows(whole));
      expect(kept.filter((r) => !wholeRows.has(r))).toEqual([]);
      expect(clean(stderr)).toMatch(
        new RegExp(
          `interrupted: ${kept.length - 1} of 3000 search\\(es\\) done in \\d+ ms \\(0 failed\\); ${kept.length - 1} saved in .*cut\\.csv; run the same command with --resume to do the other ${3001 - kept.length}`,
        ),
      );
      // --csv on stdout streamed the rows in input order as they came: what was printed was not lost.
      const printed = stdout.trim().split('\n');
      expect(printed[0]).toBe(kept[0]);
      expect(printed.slice(1)).toEqual(rows(whole).slice(1, printed.length));

      // Without --resume the file is not overwritten; with it, only the rest runs.
      const refused = runBig('--out', cut);
      expect(refused.status).toBe(3);
      expect(refused.stderr).toMatch(/--out .*cut\.csv: the file exists; add --resume to continue it/);
      const resumed = runBig('--out', cut, '--resume');
      expect(resumed.status).toBe(0);
      expect(resumed.stderr).toContain(`--resume: ${kept.length - 1} search(es) already in`);
      expect(resumed.stderr).toMatch(
        new RegExp(`batch: ${3001 - kept.length} searched, 0 skipped \\(bad rows\\), 0 failed, ${kept.length - 1} already saved`),
      );
      expect(readFileSync(cut, 'utf8')).toBe(readFileSync(whole, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('research --gedcom shows what the reader could not read as written: a summary on stderr, every diagnostic with --json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'research-cli-'));
    try {
      const ged = join(dir, 'odd.ged');
      const lines = ['0 HEAD', '1 GEDC', '2 VERS 5.5.1', '0 @I1@ INDI', '1 NAME Ann /Lee/', '1 BIRT', '2 DATE sometime in spring'];
      for (let i = 2; i <= 8; i++) lines.push(`0 @I${i}@ INDI`, `1 NAME Ann${i} /Lee/`, '1 SEX Q');
      lines.push('0 @I1@ INDI', '1 NAME Bob /Lee/', '0 TRLR');
      writeFileSync(ged, lines.join('\n'));
      const r = run('research', '--gedcom', ged, '--home', 'I1', '--surname', 'Lee');
      expect(r.status).toBe(0);
      const err = clean(r.stderr).split('\n');
      expect(err[0]).toBe(`${ged}: 10 diagnostics while reading (values 7, dates 2, records 1); the first 5 (all of them with --json):`);
      expect(err[1]).toBe(`  ${ged}:7: DATE "sometime in spring" is not a date this reader understands; ignored`);
      expect(err[2]).toBe(`  ${ged}:10: SEX "Q" is not M, F or U; recorded as unknown`);
      expect(err.filter((l) => l.startsWith(`  ${ged}:`))).toHaveLength(5);
      const json = run('research', '--gedcom', ged, '--home', 'I1', '--surname', 'Lee', '--json');
      const parsed = JSON.parse(json.stdout) as {
        gedcom: { file: string; version: string; diagnostics: { line: number; kind: string }[] };
      };
      expect(parsed.gedcom.version).toBe('5.5.1');
      expect(parsed.gedcom.diagnostics).toHaveLength(10);
      expect(parsed.gedcom.diagnostics.find((d) => d.kind === 'records')).toMatchObject({ line: 29 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses CSV (quotes, header aliases) and JSON lines batches', () => {
    expect(parseBatch('surname,birthYear\n"O\'Brien, Jr",1850\n')).toEqual([
      { line: 2, criteria: { surname: "O'Brien, Jr", birthYear: 1850 } },
    ]);
    expect(parseBatch('{"surname":"Lee"}\nnot json\n{"given":"Al","sex":"F"}')).toEqual([
      { line: 1, criteria: { surname: 'Lee' } },
      { line: 2, error: expect.stringMatching(/JSON/) as unknown },
      { line: 3, criteria: { given: 'Al', sex: 'F' } },
    ]);
    expect(parseBatch('name,year\nA,1')[0]).toMatchObject({
      line: 1,
      error: expect.stringMatching(/unknown column\(s\) name, year/) as unknown,
    });
  });
});
