import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { extname } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Criteria } from '../genealogy/scoring.js';
import { CSV_COLUMNS, csvHeader, csvRow, splitCsvLine } from './output.js';
import { type ReportInfo, type ReportSearch, readReportData, renderReport } from './html-report.js';
import type { ResearchResult } from './research.js';

/**
 * `research --out FILE`: each search's result saved as it finishes, so that an interrupted batch
 * keeps what it did and `--resume` runs only the rest. CSV (`.csv`) and JSON lines (`.jsonl`,
 * `.ndjson`) are appended a record at a time; an HTML report (`.html`) is written whole, at most
 * once a second while the run lasts and at its end. When the run ends, the file is put in input
 * order, so a resumed run leaves the same file as an uninterrupted one.
 */

export type OutFormat = 'csv' | 'jsonl' | 'html';

/** The format an output path names by its extension; a ConfigError for any other. */
export function outFormatOf(path: string): OutFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.html' || ext === '.htm') return 'html';
  throw new ConfigError(
    `--out ${path}: the file name must end in .csv, .jsonl (JSON lines) or .html (a report), which chooses the format; got ${ext === '' ? 'no extension' : JSON.stringify(ext)}`,
  );
}

/** Which search a saved record answers: its batch line (none for a single search) and its criteria. */
export function searchKey(line: number | undefined, criteria: Criteria): string {
  const c = criteria;
  const by = c.birthYear ?? c.birthDate?.year;
  const dy = c.deathYear ?? c.deathDate?.year;
  return JSON.stringify([
    line ?? null,
    c.given ?? null,
    c.surname ?? null,
    c.sex ?? null,
    by ?? null,
    c.birthPlace ?? null,
    dy ?? null,
    c.deathPlace ?? null,
  ]);
}

interface Saved {
  readonly line: number | undefined;
  readonly key: string;
  /** The record as written (CSV and JSON lines). */
  readonly text: string;
  /** The search itself (HTML, which is rendered whole from them). */
  readonly search?: ReportSearch;
}

/** How often an HTML report is rewritten while a run lasts. */
const HTML_EVERY_MS = 1000;

/** A result as saved: without its timing, so that two runs that found the same write the same. */
function untimed(result: ResearchResult): ReportSearch['result'] {
  const { ms: _ms, ...rest } = result;
  return rest;
}

/** The JSON-lines record of one search. */
export function jsonRecord(result: ResearchResult, line: number | undefined): string {
  return JSON.stringify({ ...(line === undefined ? {} : { line }), criteria: result.criteria, result: untimed(result) });
}

export class ResultFile {
  readonly path: string;
  readonly format: OutFormat;
  readonly #saved = new Map<string, Saved>();
  /** Records of the file that could not be read back (a line cut short by a kill): their searches run again. */
  readonly unreadable: number;
  #fd: number | undefined;
  #open = true;
  /** The file was new (or empty): a run that saves nothing in it leaves no file behind. */
  #fresh = false;
  /** For HTML: when the file was last written (performance.now() ms). */
  #writtenAt = Number.NEGATIVE_INFINITY;
  #info: ReportInfo = {};

  private constructor(path: string, format: OutFormat, saved: Saved[], unreadable: number) {
    this.path = path;
    this.format = format;
    for (const s of saved) this.#saved.set(s.key, s);
    this.unreadable = unreadable;
  }

  /**
   * Open the output file. Without `resume`, an existing non-empty file is refused (it may hold
   * an earlier run's work); with it, the records already there are read back (and the file
   * rewritten without any record a kill cut short) and their searches are skipped.
   */
  static open(path: string, options: { readonly resume: boolean }): ResultFile {
    const format = outFormatOf(path);
    const exists = existsSync(path);
    if (exists && !statSync(path).isFile()) throw new ConfigError(`--out ${path}: not a regular file`);
    const nonEmpty = exists && statSync(path).size > 0;
    if (nonEmpty && !options.resume)
      throw new ConfigError(
        `--out ${path}: the file exists; add --resume to continue it (its searches are skipped), or choose another file`,
      );
    let saved: Saved[] = [];
    let unreadable = 0;
    if (nonEmpty) {
      const text = readFileSync(path, 'utf8');
      ({ saved, unreadable } = format === 'csv' ? readCsv(path, text) : format === 'jsonl' ? readJsonLines(text) : readHtml(path, text));
    }
    const file = new ResultFile(path, format, saved, unreadable);
    file.#fresh = !nonEmpty;
    // Start from a clean file (a header, then every readable record), written whole.
    file.#rewrite(saved);
    file.#writtenAt = Number.NEGATIVE_INFINITY; // the first search of the run is written at once
    if (format !== 'html') file.#fd = openSync(path, 'a', 0o644);
    return file;
  }

  /** What the HTML report shows besides the searches (source, summary, timings). */
  describe(info: ReportInfo): void {
    this.#info = { ...this.#info, ...info };
  }

  /** How many searches the file already answers. */
  get size(): number {
    return this.#saved.size;
  }

  has(line: number | undefined, criteria: Criteria): boolean {
    return this.#saved.has(searchKey(line, criteria));
  }

  /** Save one finished search: one write of one whole record (an HTML report: the whole file, at most once a second). */
  append(result: ResearchResult, line: number | undefined): void {
    if (!this.#open) throw new ConfigError(`--out ${this.path}: the file is closed`);
    const key = searchKey(line, result.criteria);
    if (this.format === 'html') {
      this.#saved.set(key, { line, key, text: '', search: { ...(line === undefined ? {} : { line }), result: untimed(result) } });
      if (performance.now() - this.#writtenAt >= HTML_EVERY_MS) this.#rewrite([...this.#saved.values()]);
      return;
    }
    const text = this.format === 'csv' ? csvRow(result, line) : jsonRecord(result, line);
    this.#saved.set(key, { line, key, text });
    writeSync(this.#fd as number, `${text}\n`);
  }

  /** Close the file, rewritten in input order (records were appended as searches finished). Idempotent. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    // A run that failed before its first result (the site refused the sign-in, say) leaves no
    // file that a second try would have to --resume.
    if (this.#fresh && this.#saved.size === 0) {
      rmSync(this.path, { force: true });
      return;
    }
    this.#rewrite([...this.#saved.values()]);
  }

  #rewrite(records: readonly Saved[]): void {
    const sorted = records
      .map((r, i) => ({ r, i }))
      .sort((a, b) => (a.r.line ?? Number.MAX_SAFE_INTEGER) - (b.r.line ?? Number.MAX_SAFE_INTEGER) || a.i - b.i);
    let content: string;
    if (this.format === 'html') {
      content = renderReport(
        sorted.flatMap(({ r }) => (r.search ? [r.search] : [])),
        { ...this.#info, generatedAt: new Date().toISOString() },
      );
      this.#writtenAt = performance.now();
    } else {
      const body = (this.format === 'csv' ? [csvHeader()] : []).concat(sorted.map(({ r }) => r.text));
      content = body.length > 0 ? `${body.join('\n')}\n` : '';
    }
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      const fd = openSync(tmp, 'w', 0o644);
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw new ConfigError(`--out ${this.path}: cannot write the file: ${(error as Error).message}`);
    }
  }
}

function readCsv(path: string, text: string): { saved: Saved[]; unreadable: number } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const [header, ...rows] = lines;
  if (header?.replace(/\r$/, '') !== csvHeader()) {
    throw new ConfigError(
      `--out ${path}: the file is not a results file of this version (its first line is not the CSV header research writes); choose another file`,
    );
  }
  const col = (name: (typeof CSV_COLUMNS)[number]): number => CSV_COLUMNS.indexOf(name);
  const saved: Saved[] = [];
  let unreadable = 0;
  for (const raw of rows) {
    const row = raw.replace(/\r$/, '');
    let cells: string[];
    try {
      cells = splitCsvLine(row).map(uncell);
    } catch {
      unreadable++;
      continue;
    }
    if (cells.length !== CSV_COLUMNS.length) {
      unreadable++;
      continue;
    }
    const get = (name: (typeof CSV_COLUMNS)[number]): string | undefined => (cells[col(name)] === '' ? undefined : cells[col(name)]);
    const num = (name: (typeof CSV_COLUMNS)[number]): number | undefined => (get(name) === undefined ? undefined : Number(get(name)));
    const line = num('line');
    const criteria = defined({
      given: get('given'),
      surname: get('surname'),
      sex: get('sex') as Criteria['sex'],
      birthYear: num('birth_year'),
      birthPlace: get('birth_place'),
      deathYear: num('death_year'),
      deathPlace: get('death_place'),
    });
    saved.push({ line, key: searchKey(line, criteria), text: row });
  }
  return { saved, unreadable };
}

function readJsonLines(text: string): { saved: Saved[]; unreadable: number } {
  const saved: Saved[] = [];
  let unreadable = 0;
  for (const raw of text.split('\n')) {
    const row = raw.replace(/\r$/, '');
    if (row.trim() === '') continue;
    try {
      const record = JSON.parse(row) as { line?: unknown; criteria?: unknown };
      if (typeof record !== 'object' || record === null || typeof record.criteria !== 'object' || record.criteria === null)
        throw new Error('not a record');
      const line = typeof record.line === 'number' ? record.line : undefined;
      saved.push({ line, key: searchKey(line, record.criteria), text: row });
    } catch {
      unreadable++;
    }
  }
  return { saved, unreadable };
}

function readHtml(path: string, text: string): { saved: Saved[]; unreadable: number } {
  let searches: ReportSearch[];
  try {
    searches = readReportData(text);
  } catch (error) {
    throw new ConfigError(`--out ${path}: the file is not a report research wrote (${(error as Error).message}); choose another file`);
  }
  const saved = searches.map((search): Saved => {
    const key = searchKey(search.line, search.result.criteria);
    return { line: search.line, key, text: '', search };
  });
  return { saved, unreadable: 0 };
}

/** A cell as written by csvCell, back to its text: the `'` that kept a formula inert is dropped. */
function uncell(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
