import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { InvalidGedcomError } from '../errors.js';
import { type GedcomDate, parseGedcomDate } from './dates.js';
import { type FamilyTree, type LifeEvent, type Person, type Sex, TreeBuilder } from './tree.js';

/** A problem in a GEDCOM file that did not stop the reading. */
export interface GedcomDiagnostic {
  /** 1-based line number in the file (0 when it concerns the file as a whole). */
  readonly line: number;
  readonly message: string;
}

export interface GedcomReadResult {
  readonly tree: FamilyTree;
  readonly diagnostics: readonly GedcomDiagnostic[];
  /** The header's GEDC.VERS, e.g. `5.5.1`, when given. */
  readonly version: string | undefined;
}

export interface GedcomReadOptions {
  /** Stop collecting diagnostics after this many (reading goes on). Default 1000. */
  readonly maxDiagnostics?: number;
}

/** One parsed line. */
interface Line {
  readonly level: number;
  readonly xref: string | undefined;
  readonly tag: string;
  value: string;
  readonly lineNo: number;
}

/** A level-0 record being collected: its lines, until the next level-0 line. */
interface RecordLines {
  readonly head: Line;
  readonly lines: Line[];
}

const LINE = /^\s*(\d{1,2})\s+(?:(@[^@\s]+@)\s+)?([A-Za-z0-9_]+)(?:\s(.*))?$/;

/**
 * Read a GEDCOM 5.5 / 5.5.1 file (UTF-8, with or without BOM) from a path, a stream or a string.
 * Streaming: lines are read one by one and each record becomes model data as soon as it ends, so
 * the text is never held whole. A malformed line gives a diagnostic with its number and is
 * skipped; a file that does not start with `0 HEAD` fails with {@link InvalidGedcomError}.
 */
export async function readGedcom(source: string | Readable | { readonly text: string }, options: GedcomReadOptions = {}): Promise<GedcomReadResult> {
  const input = typeof source === 'string' ? createReadStream(source, { encoding: 'utf8' }) : source instanceof Readable ? source : Readable.from([source.text]);
  const reader = new GedcomReader(options.maxDiagnostics ?? 1000);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const raw of lines) reader.line(raw);
  } finally {
    lines.close();
    if (typeof source === 'string') (input as ReturnType<typeof createReadStream>).destroy();
  }
  return reader.finish();
}

class GedcomReader {
  readonly #builder = new TreeBuilder();
  readonly #diagnostics: GedcomDiagnostic[] = [];
  readonly #maxDiagnostics: number;
  #lineNo = 0;
  #seenHead = false;
  #record: RecordLines | undefined;
  #last: Line | undefined;
  #version: string | undefined;
  #dropped = 0;

  constructor(maxDiagnostics: number) {
    this.#maxDiagnostics = maxDiagnostics;
  }

  line(raw: string): void {
    this.#lineNo++;
    let text = raw;
    if (this.#lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return;
    const m = LINE.exec(text);
    if (!this.#seenHead) {
      if (!m || m[1] !== '0' || m[3]?.toUpperCase() !== 'HEAD') {
        throw new InvalidGedcomError(
          `Not a GEDCOM file: line ${this.#lineNo} should be "0 HEAD" but starts with ${JSON.stringify(text.slice(0, 40))}; give a GEDCOM 5.5 or 5.5.1 file (.ged)`,
        );
      }
      this.#seenHead = true;
    }
    if (!m) {
      this.#diag(this.#lineNo, `malformed line (expected "<level> [@id@] TAG [value]"): ${JSON.stringify(text.slice(0, 60))}`);
      return;
    }
    const line: Line = { level: Number(m[1]), xref: m[2]?.slice(1, -1), tag: m[3]?.toUpperCase() as string, value: m[4] ?? '', lineNo: this.#lineNo };
    if (line.tag === 'CONC' || line.tag === 'CONT') {
      if (!this.#last || line.level !== this.#last.level + 1) {
        this.#diag(line.lineNo, `${line.tag} does not continue the line before it`);
        return;
      }
      this.#last.value += (line.tag === 'CONT' ? '\n' : '') + line.value;
      return;
    }
    if (line.level === 0) {
      this.#flush();
      this.#record = { head: line, lines: [] };
      this.#last = line;
      return;
    }
    if (!this.#record) return;
    const previousLevel = (this.#record.lines.at(-1) ?? this.#record.head).level;
    if (line.level > previousLevel + 1) {
      this.#diag(line.lineNo, `level ${line.level} follows level ${previousLevel}: a level may rise by one at most; line skipped`);
      return;
    }
    this.#record.lines.push(line);
    this.#last = line;
  }

  finish(): GedcomReadResult {
    if (!this.#seenHead) throw new InvalidGedcomError('Not a GEDCOM file: it is empty; give a GEDCOM 5.5 or 5.5.1 file (.ged)');
    this.#flush();
    const { tree, problems } = this.#builder.build();
    for (const p of problems) this.#diag(0, p);
    if (this.#dropped > 0) this.#diagnostics.push({ line: 0, message: `${this.#dropped} more diagnostics not shown` });
    return { tree, diagnostics: this.#diagnostics, version: this.#version };
  }

  #diag(line: number, message: string): void {
    if (this.#diagnostics.length < this.#maxDiagnostics) this.#diagnostics.push({ line, message });
    else this.#dropped++;
  }

  /** Turn the finished record into model data and let its lines go. */
  #flush(): void {
    const record = this.#record;
    this.#record = undefined;
    if (!record) return;
    const { head } = record;
    switch (head.tag) {
      case 'HEAD':
        this.#version = findPath(record, ['GEDC', 'VERS'])?.value.trim() || undefined;
        break;
      case 'INDI':
        if (!head.xref) this.#diag(head.lineNo, 'INDI record without an id (@I1@); skipped');
        else this.#builder.addPerson(this.#person(head.xref, record));
        break;
      case 'FAM':
        if (!head.xref) this.#diag(head.lineNo, 'FAM record without an id (@F1@); skipped');
        else this.#family(head.xref, record);
        break;
      default:
        break; // SOUR, NOTE, OBJE, REPO, SUBM, TRLR, …: not needed for research
    }
  }

  #person(id: string, record: RecordLines): Person {
    let given = '';
    let surname = '';
    let sex: Sex = 'U';
    let nameSeen = false;
    const events: Record<string, LifeEvent> = {};
    const { lines } = record;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as Line;
      if (line.level !== 1) continue;
      const sub = children(lines, i);
      switch (line.tag) {
        case 'NAME': {
          if (nameSeen) break; // the first NAME is the primary one
          nameSeen = true;
          const parsed = splitName(line.value);
          given = parsed.given;
          surname = parsed.surname;
          for (const s of sub) {
            if (s.level !== 2) continue;
            if (s.tag === 'GIVN' && s.value.trim()) given = s.value.trim();
            if (s.tag === 'SURN' && s.value.trim()) surname = s.value.trim();
          }
          break;
        }
        case 'SEX': {
          const v = line.value.trim().toUpperCase();
          if (v === 'M' || v === 'F') sex = v;
          else if (v !== 'U' && v !== '' && v !== 'X') this.#diag(line.lineNo, `SEX ${JSON.stringify(line.value)} is not M, F or U; recorded as unknown`);
          break;
        }
        case 'BIRT':
        case 'DEAT':
        case 'BURI':
        case 'CHR':
          events[line.tag] ??= this.#event(sub);
          break;
        default:
          break;
      }
    }
    return {
      id,
      given,
      surname,
      sex,
      ...(events['BIRT'] ? { birth: events['BIRT'] } : {}),
      ...(events['DEAT'] ? { death: events['DEAT'] } : {}),
      ...(events['BURI'] ? { burial: events['BURI'] } : {}),
      ...(events['CHR'] ? { christening: events['CHR'] } : {}),
    };
  }

  #event(sub: readonly Line[]): LifeEvent {
    let date: GedcomDate | undefined;
    let place: string | undefined;
    const level = sub[0]?.level ?? 2;
    for (const s of sub) {
      if (s.level !== level) continue;
      if (s.tag === 'DATE' && s.value.trim()) {
        date = parseGedcomDate(s.value);
        if (!date) this.#diag(s.lineNo, `DATE ${JSON.stringify(s.value.trim().slice(0, 40))} is not a date this reader understands; ignored`);
      }
      if (s.tag === 'PLAC' && s.value.trim()) place = s.value.trim();
    }
    return { ...(date ? { date } : {}), ...(place ? { place } : {}) };
  }

  #family(id: string, record: RecordLines): void {
    let husband: string | undefined;
    let wife: string | undefined;
    const kids: string[] = [];
    let marriage: LifeEvent | undefined;
    const { lines } = record;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as Line;
      if (line.level !== 1) continue;
      const ref = /^@([^@\s]+)@$/.exec(line.value.trim())?.[1];
      switch (line.tag) {
        case 'HUSB':
        case 'WIFE':
        case 'CHIL':
          if (!ref) {
            this.#diag(line.lineNo, `${line.tag} should point to a person (@I1@), got ${JSON.stringify(line.value.slice(0, 40))}`);
            break;
          }
          if (line.tag === 'HUSB') husband ??= ref;
          else if (line.tag === 'WIFE') wife ??= ref;
          else if (!kids.includes(ref)) kids.push(ref);
          break;
        case 'MARR':
          marriage ??= this.#event(children(lines, i));
          break;
        default:
          break;
      }
    }
    this.#builder.addFamily({
      id,
      ...(husband === undefined ? {} : { husband }),
      ...(wife === undefined ? {} : { wife }),
      children: kids,
      ...(marriage ? { marriage } : {}),
    });
  }
}

/** The lines nested under `lines[i]`. */
function children(lines: readonly Line[], i: number): Line[] {
  const out: Line[] = [];
  const level = (lines[i] as Line).level;
  for (let j = i + 1; j < lines.length && (lines[j] as Line).level > level; j++) out.push(lines[j] as Line);
  return out;
}

function findPath(record: RecordLines, tags: readonly string[]): Line | undefined {
  let level = 1;
  let found: Line | undefined;
  for (const line of record.lines) {
    if (line.level === level && line.tag === tags[level - 1]) {
      found = line;
      if (level === tags.length) return found;
      level++;
    }
  }
  return undefined;
}

/** `John Henry /Smith/ Jr.` → given `John Henry`, surname `Smith`. */
export function splitName(value: string): { given: string; surname: string } {
  const m = /^([^/]*)\/([^/]*)\/?(.*)$/.exec(value.trim());
  if (!m) return { given: value.trim().replace(/\s+/g, ' '), surname: '' };
  return { given: `${m[1] ?? ''} ${m[3] ?? ''}`.trim().replace(/\s+/g, ' '), surname: (m[2] ?? '').trim() };
}
