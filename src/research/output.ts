import type { ResearchResult } from './research.js';

/**
 * Research results as rows a spreadsheet or another program reads: one CSV row or one JSON line
 * per search, the same columns whether printed (`--csv`) or saved as they finish (`--out`).
 */

/** The CSV columns, in order. */
export const CSV_COLUMNS = [
  'line',
  'given',
  'surname',
  'sex',
  'birth_year',
  'birth_place',
  'death_year',
  'death_place',
  'candidates',
  'tie',
  'best_id',
  'best_name',
  'best_lifespan',
  'best_birth_place',
  'best_death_place',
  'best_score',
  'max_score',
  'best_confidence',
  'best_url',
  'relationship',
  'runner_up_id',
  'runner_up_name',
  'runner_up_lifespan',
  'runner_up_score',
] as const;

export function csvHeader(): string {
  return CSV_COLUMNS.join(',');
}

/**
 * One search as a CSV row. `tie` is the number of candidates sharing the best score (empty when
 * the best is alone); the runner-up is the second of the ranked list, tied or not.
 */
export function csvRow(result: ResearchResult, line: number | undefined): string {
  const c = result.criteria;
  const [best, second] = result.ranked;
  const relationship = result.details[0]?.ladder.relationship ?? '';
  const cells: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    line: line ?? '',
    given: c.given ?? '',
    surname: c.surname ?? '',
    sex: c.sex ?? '',
    birth_year: c.birthYear ?? c.birthDate?.year ?? '',
    birth_place: c.birthPlace ?? '',
    death_year: c.deathYear ?? c.deathDate?.year ?? '',
    death_place: c.deathPlace ?? '',
    candidates: result.candidates,
    tie: result.tie?.count ?? '',
    best_id: best?.person.id ?? '',
    best_name: best?.person.name ?? '',
    best_lifespan: best?.person.lifespan ?? '',
    best_birth_place: best?.person.birth?.place ?? '',
    best_death_place: best?.person.death?.place ?? '',
    best_score: best?.score.total ?? '',
    max_score: best?.score.max ?? '',
    best_confidence: best?.confidence ?? '',
    best_url: best?.url ?? '',
    relationship,
    runner_up_id: second?.person.id ?? '',
    runner_up_name: second?.person.name ?? '',
    runner_up_lifespan: second?.person.lifespan ?? '',
    runner_up_score: second?.score.total ?? '',
  };
  return CSV_COLUMNS.map((k) => csvCell(cells[k])).join(',');
}

/**
 * One CSV cell. Text that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`,
 * or a tab: a name in a GEDCOM file can be anything) gets a leading `'` and
 * quotes, so it shows as text; numbers stay numbers.
 */
export function csvCell(v: unknown): string {
  // One record per line: line breaks inside a value become spaces.
  let s = String(v).replace(/[\r\n]+/g, ' ');
  if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /^'|[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The cells of one CSV line (quotes and doubled quotes as RFC 4180 writes them); throws on an unclosed quote. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) throw new Error('has an unclosed quote');
  out.push(cur);
  return out;
}
