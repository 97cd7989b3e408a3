import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { InvalidGedcomError } from './errors.js';
import { type GedcomDate, readDate } from './dates.js';
import { type StreamDecoder, canDetect, detectEncoding } from './gedcom-encoding.js';
import { type ExternalId, type FamilyTree, type LifeEvent, type LinkType, type Person, type PersonName, TreeBuilder } from './tree.js';

/**
 * The URIs by which a GEDCOM 7 file's SCHMA defines the vendor tags for a child's link to the
 * father (`_FREL`) and to the mother (`_MREL`), as the export (`gedcom-export.ts`) writes them.
 */
export const LINK_TAG_URIS = { _FREL: 'urn:browser-actor:gedcom:_FREL', _MREL: 'urn:browser-actor:gedcom:_MREL' } as const;

/** The longest a file's first line may be before it is refused as not GEDCOM ("0 HEAD" is 6 characters). */
const MAX_FIRST_LINE = 64 * 1024;

/** The longest given names, or surname, kept of one NAME (longer ones are cut, with a diagnostic). */
const MAX_NAME_CHARS = 500;

/** A problem in a GEDCOM file that did not stop the reading. */
export interface GedcomDiagnostic {
  /** 1-based line number in the file (0 when it concerns the file as a whole). */
  readonly line: number;
  readonly message: string;
  /** What it is about, for a summary by kind. */
  readonly kind: DiagnosticKind;
}

/** The kinds of diagnostics: the file's bytes, its lines, its header, records, links between people, dates, names and other values. */
export type DiagnosticKind = 'encoding' | 'syntax' | 'header' | 'records' | 'links' | 'dates' | 'names' | 'values' | 'other';

/** What {@link readGedcom} read: the tree, what it found wrong on the way, and the header's version. */
export interface GedcomReadResult {
  readonly tree: FamilyTree;
  readonly diagnostics: readonly GedcomDiagnostic[];
  /** The header's GEDC.VERS, e.g. `5.5.1`, when given. */
  readonly version: string | undefined;
}

/** Options of {@link readGedcom}. */
export interface GedcomReadOptions {
  /** Stop collecting diagnostics after this many (reading goes on). Default 1000. */
  readonly maxDiagnostics?: number;
  /** Called after each chunk with the input read so far (bytes; characters for text input), for a progress display. */
  readonly onProgress?: (read: number) => void;
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

/** `level [@xref@] TAG [value]`, parsed without a regular expression (this runs once per line). */
function parseLine(text: string, lineNo: number): Line | undefined {
  const n = text.length;
  let i = 0;
  while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  const levelStart = i;
  while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  if (i === levelStart || i - levelStart > 2 || text.charCodeAt(i) !== 32) return undefined;
  const level = Number(text.slice(levelStart, i));
  while (i < n && text.charCodeAt(i) === 32) i++;
  let xref: string | undefined;
  if (text.charCodeAt(i) === 64 /* @ */) {
    const end = text.indexOf('@', i + 1);
    if (end === -1 || end === i + 1 || text.charCodeAt(end + 1) !== 32) return undefined;
    xref = text.slice(i + 1, end);
    if (xref.includes(' ')) return undefined;
    i = end + 1;
    while (i < n && text.charCodeAt(i) === 32) i++;
  }
  const tagStart = i;
  let lower = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) break;
  }
  if (i === tagStart || (i < n && text.charCodeAt(i) !== 32)) return undefined;
  const tag = lower ? text.slice(tagStart, i).toUpperCase() : text.slice(tagStart, i);
  // A value that starts with "@" is written "@@" (GEDCOM 7, and 5.5.1's rule for any "@" in text).
  let value = i < n ? text.slice(i + 1) : '';
  if (value.charCodeAt(0) === 64 && value.charCodeAt(1) === 64) value = value.slice(1);
  return { level, xref, tag, value, lineNo };
}

/**
 * Read a GEDCOM 5.5 / 5.5.1 / 7.0 file from a path, a stream (of Buffers or strings) or a string.
 * Encodings: UTF-8 (with or without BOM), UTF-16 LE/BE (with or without BOM), ANSEL, ANSI
 * (Windows-1252), ASCII and MacRoman, found from the BOM, the bytes of `0 HEAD`, then `HEAD.CHAR`
 * (see `gedcom-encoding.ts`); decoding does not depend on chunk boundaries. Line ends: LF, CRLF,
 * CR and LF-CR. Streaming: each record becomes model data as soon as it ends, so the text is
 * never held whole. A malformed line gives a diagnostic with its number and is skipped; bytes
 * invalid in the encoding give one diagnostic at the first line they are on; a file that does
 * not start with `0 HEAD` fails with {@link InvalidGedcomError}.
 */
export async function readGedcom(
  source: string | Readable | { readonly text: string },
  options: GedcomReadOptions = {},
): Promise<GedcomReadResult> {
  const input =
    typeof source === 'string'
      ? createReadStream(source, { highWaterMark: 1 << 20 })
      : source instanceof Readable
        ? source
        : Readable.from([source.text]);
  const reader = new GedcomReader(options.maxDiagnostics ?? 1000);
  const lines = new LineSplitter((line) => reader.line(line));
  let decoder: StreamDecoder | undefined;
  let head: Buffer | undefined; // bytes held until the encoding is known
  // Lines are searched for U+FFFD (bytes the encoding does not allow) only once a chunk has one.
  const pushDecoded = (text: string): void => {
    const note = decoder?.takeNote?.();
    if (note) {
      reader.note(note);
      reader.encoding = decoder?.name;
    }
    if (!reader.watchForBadBytes && !reader.badBytesReported && text.includes('\uFFFD')) reader.watchForBadBytes = true;
    lines.push(text);
  };
  const start = (bytes: Buffer): void => {
    const found = detectEncoding(bytes);
    decoder = found.decoder;
    reader.encoding = decoder.name;
    if (found.note) reader.note(found.note);
    pushDecoded(decoder.decode(bytes));
  };
  let read = 0;
  const progress = options.onProgress;
  try {
    for await (const chunk of input) {
      if (progress) progress((read += (chunk as { length: number }).length));
      if (typeof chunk === 'string') {
        lines.push(chunk); // already text
        continue;
      }
      const bytes = chunk as Buffer;
      if (decoder) {
        pushDecoded(decoder.decode(bytes));
        continue;
      }
      head = head ? Buffer.concat([head, bytes]) : bytes;
      if (canDetect(head)) {
        start(head);
        head = undefined;
      }
    }
    if (head) start(head);
    if (decoder) pushDecoded(decoder.decode(new Uint8Array(0), true));
    lines.end();
  } finally {
    if (typeof source === 'string') (input as ReturnType<typeof createReadStream>).destroy();
  }
  return reader.finish();
}

/**
 * Text in, lines out, whatever the line ends: LF, CRLF, CR or LF-CR. The first line end found
 * decides: a LF (LF, CRLF, LF-CR) splits at LF, dropping a CR on either side; a lone CR splits at
 * CR, dropping LFs around it. Splitting at one character with indexOf keeps it fast.
 */
class LineSplitter {
  #rest = '';
  /** Chunks with no line end in them, after `#rest`: joined only once a line end comes (no quadratic re-scan). */
  #held: string[] = [];
  #heldChars = 0;
  #emitted = false;
  #at: '\n' | '\r' | undefined;

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    if (!chunk.includes(this.#at ?? '\n') && (this.#at !== undefined || !chunk.includes('\r'))) {
      this.#held.push(chunk);
      this.#heldChars += chunk.length;
      if (!this.#emitted && this.#rest.length + this.#heldChars > MAX_FIRST_LINE) {
        throw new InvalidGedcomError(
          `Not a GEDCOM file: no line end in its first ${MAX_FIRST_LINE / 1024} KiB (a GEDCOM file starts with the line "0 HEAD"); give a GEDCOM 5.5, 5.5.1 or 7.0 file (.ged)`,
        );
      }
      return;
    }
    const text = this.#rest + this.#held.join('') + chunk;
    this.#held = [];
    this.#heldChars = 0;
    if (this.#at === undefined) {
      const cr = text.indexOf('\r');
      const lf = text.indexOf('\n');
      if (cr === -1 && lf === -1) {
        this.#rest = text;
        return;
      }
      if (lf !== -1 && (cr === -1 || lf < cr || lf === cr + 1)) this.#at = '\n';
      else if (cr === text.length - 1) {
        this.#rest = text; // a CR at the very end: is a LF next? wait for more text
        return;
      } else this.#at = '\r';
    }
    const at = this.#at;
    let start = 0;
    for (let end = text.indexOf(at, start); end !== -1; end = text.indexOf(at, start)) {
      this.#line(text, start, end);
      start = end + 1;
    }
    this.#rest = text.slice(start);
  }

  end(): void {
    if (this.#held.length > 0) {
      this.#rest += this.#held.join('');
      this.#held = [];
      this.#heldChars = 0;
    }
    if (this.#at === undefined && this.#rest.includes('\r')) {
      this.#at = '\r';
      const rest = this.#rest;
      this.#rest = '';
      this.push(rest);
    }
    if (this.#rest !== '') this.#line(this.#rest, 0, this.#rest.length);
    this.#rest = '';
  }

  #line(text: string, start: number, end: number): void {
    let a = start;
    let b = end;
    if (this.#at === '\n') {
      // CRLF leaves a CR at the end, LF-CR one at the start.
      if (b > a && text.charCodeAt(b - 1) === 13) b--;
      if (a < b && text.charCodeAt(a) === 13) a++;
    } else {
      if (a < b && text.charCodeAt(a) === 10) a++;
      if (b > a && text.charCodeAt(b - 1) === 10) b--;
    }
    this.#emitted = true;
    this.emit(text.slice(a, b));
  }
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
  readonly #strings = new Map<string, string>();
  /** The encoding the bytes were decoded from (for messages); `undefined` for text input. */
  encoding: string | undefined;
  /** Set once decoded text held a U+FFFD: from then on lines are checked until one is reported. */
  watchForBadBytes = false;
  /** Invalid bytes are reported once per file, at the first line that has them. */
  badBytesReported = false;
  #sawTrailer = false;
  #unreadDates = 0;
  readonly #unreadExamples: string[] = [];
  /** Extension tags the header's SCHMA defines as the father's or mother's link, by tag. */
  readonly #linkTags = new Map<string, string>();

  constructor(maxDiagnostics: number) {
    this.#maxDiagnostics = maxDiagnostics;
  }

  /** A diagnostic about the file as a whole. */
  note(message: string): void {
    this.#diag(0, message, 'encoding');
  }

  line(raw: string): void {
    this.#lineNo++;
    let text = raw;
    if (this.watchForBadBytes && this.encoding !== undefined && text.includes('\uFFFD')) {
      this.watchForBadBytes = false;
      this.badBytesReported = true;
      this.#diag(
        this.#lineNo,
        `bytes that are not valid ${this.encoding} (from here on, each such byte is shown as \uFFFD); check the file's HEAD.CHAR against the program that wrote it`,
        'encoding',
      );
    }
    if (this.#lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    const line = parseLine(text, this.#lineNo);
    if (!this.#seenHead) {
      if (!line || line.level !== 0 || line.tag !== 'HEAD') {
        throw new InvalidGedcomError(
          `Not a GEDCOM file: line ${this.#lineNo} should be "0 HEAD" but starts with ${JSON.stringify(text.slice(0, 40))}; give a GEDCOM 5.5, 5.5.1 or 7.0 file (.ged)`,
        );
      }
      this.#seenHead = true;
    }
    if (!line) {
      this.#diag(this.#lineNo, `malformed line (expected "<level> [@id@] TAG [value]"): ${JSON.stringify(text.slice(0, 60))}`, 'syntax');
      return;
    }
    if (line.tag === 'CONC' || line.tag === 'CONT') {
      if (!this.#last || line.level !== this.#last.level + 1) {
        this.#diag(line.lineNo, `${line.tag} does not continue the line before it`, 'syntax');
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
      this.#diag(
        line.lineNo,
        `level ${line.level} follows level ${previousLevel}: a level may rise by one at most; line skipped`,
        'syntax',
      );
      return;
    }
    this.#record.lines.push(line);
    this.#last = line;
  }

  finish(): GedcomReadResult {
    if (!this.#seenHead) throw new InvalidGedcomError('Not a GEDCOM file: it is empty; give a GEDCOM 5.5, 5.5.1 or 7.0 file (.ged)');
    this.#flush();
    if (!this.#sawTrailer)
      this.#diag(
        this.#lineNo,
        'the file ends without "0 TRLR": it may have been cut short, and its last record may be incomplete',
        'records',
      );
    const { tree, problems } = this.#builder.build();
    for (const p of problems) this.#diag(0, p, 'links');
    if (this.#unreadDates > 0) {
      // Always reported, even when the per-line diagnostics were cut off at maxDiagnostics.
      this.#diagnostics.push({
        line: 0,
        message: `${this.#unreadDates} date${this.#unreadDates > 1 ? 's were' : ' was'} not understood and left out, e.g. ${this.#unreadExamples.join(', ')}`,
        kind: 'dates',
      });
    }
    for (const cycle of ancestorCycles(tree, 10)) {
      const ids = cycle.map((i) => `@${tree.person(i).id}@`);
      this.#diag(
        0,
        `${ids[0]} is their own ancestor: ${[...ids, ids[0]].join(' → ')} (each a child of the next); a parent link is probably wrong`,
        'links',
      );
    }
    if (this.#dropped > 0) this.#diagnostics.push({ line: 0, message: `${this.#dropped} more diagnostics not shown`, kind: 'other' });
    return { tree, diagnostics: this.#diagnostics, version: this.#version };
  }

  /**
   * One copy of each repeated name or place. It also matters for memory: V8 keeps a long
   * substring as a view into the string it was cut from, which here is a whole read chunk, so
   * each kept value is copied out of the chunk once.
   */
  #intern(value: string): string {
    let kept = this.#strings.get(value);
    if (kept === undefined) {
      kept = value.length >= 13 ? (' ' + value).slice(1) : value;
      this.#strings.set(kept, kept);
    }
    return kept;
  }

  #diag(line: number, message: string, kind: DiagnosticKind): void {
    if (this.#diagnostics.length < this.#maxDiagnostics) this.#diagnostics.push({ line, message, kind });
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
        if (this.#version === undefined) this.#diag(head.lineNo, 'The header has no GEDC.VERS; read as GEDCOM 5.5.1', 'header');
        this.#schema(record);
        break;
      case 'INDI':
        if (!head.xref) this.#diag(head.lineNo, 'INDI record without an id (@I1@); skipped', 'records');
        else if (this.#builder.hasPerson(head.xref)) {
          // Two records with one id: neither person is dropped. The second gets an id of its own;
          // pointers to the id go to the first, as they would in the program that wrote the file.
          let n = 2;
          while (this.#builder.hasPerson(`${head.xref}~${n}`)) n++;
          const id = `${head.xref}~${n}`;
          this.#diag(
            head.lineNo,
            `@${head.xref}@ is the id of an earlier record too; this person is read as @${id}@ (pointers to @${head.xref}@ go to the first)`,
            'records',
          );
          this.#builder.addPerson(this.#person(id, record));
        } else this.#builder.addPerson(this.#person(head.xref, record));
        break;
      case 'FAM':
        if (!head.xref) this.#diag(head.lineNo, 'FAM record without an id (@F1@); skipped', 'records');
        else this.#family(head.xref, record);
        break;
      case 'TRLR':
        this.#sawTrailer = true;
        break;
      default:
        break; // SOUR, NOTE, OBJE, REPO, SUBM, …: not needed for research
    }
  }

  /**
   * GEDCOM 7's HEAD.SCHMA: each `2 TAG _X <URI>` says what an extension tag means. A tag defined
   * with the URI of the father's or mother's link ({@link LINK_TAG_URIS}, as this project's export
   * writes, see `gedcom-export.ts`) is read as `_FREL`/`_MREL` whatever it is called; `_FREL`/`_MREL` defined with another
   * URI mean something else and are not read as links.
   */
  #schema(record: RecordLines): void {
    let inSchema = false;
    for (const line of record.lines) {
      if (line.level === 1) inSchema = line.tag === 'SCHMA';
      else if (inSchema && line.level === 2 && line.tag === 'TAG') {
        const [tag, uri] = line.value.trim().split(/\s+/, 2);
        if (!tag || !uri) {
          this.#diag(line.lineNo, `SCHMA TAG should be "<_TAG> <URI>", got ${JSON.stringify(line.value.slice(0, 60))}`, 'header');
          continue;
        }
        const known = (Object.keys(LINK_TAG_URIS) as (keyof typeof LINK_TAG_URIS)[]).find((k) => LINK_TAG_URIS[k] === uri);
        if (known) this.#linkTags.set(tag.toUpperCase(), known);
        else if (tag === '_FREL' || tag === '_MREL') this.#linkTags.set(tag, '_OTHER_MEANING');
      }
    }
  }

  #person(id: string, record: RecordLines): Person {
    const person: { -readonly [K in keyof Person]: Person[K] } = { id, given: '', surname: '', sex: 'U' };
    let nameSeen = false;
    let alternates: PersonName[] | undefined;
    let baptism: LifeEvent | undefined;
    let externalIds: ExternalId[] | undefined;
    const { lines } = record;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as Line;
      if (line.level !== 1) continue;
      switch (line.tag) {
        case 'NAME': {
          // The first NAME is the primary one; the others are kept as alternates.
          const name = this.#name(lines, i);
          // GEDCOM 7: NAME.TRAN, the same name in another script or language, is another name to find the person by.
          for (let j = i + 1; j < lines.length && (lines[j] as Line).level > 1; j++) {
            const sub = lines[j] as Line;
            if (sub.level !== 2 || sub.tag !== 'TRAN' || !sub.value.trim()) continue;
            const t = splitName(sub.value);
            const known = [
              { given: name.given, surname: name.surname },
              { given: person.given, surname: person.surname },
              ...(alternates ?? []),
            ];
            if ((t.given || t.surname) && !known.some((n) => n.given === t.given && n.surname === t.surname))
              (alternates ??= []).push({ given: this.#intern(t.given), surname: this.#intern(t.surname) });
          }
          if (!nameSeen) {
            nameSeen = true;
            person.given = name.given;
            person.surname = name.surname;
            if (name.suffix) person.suffix = name.suffix;
          } else if (name.given || name.surname) {
            const known = [{ given: person.given, surname: person.surname }, ...(alternates ?? [])];
            if (!known.some((n) => n.given === name.given && n.surname === name.surname)) (alternates ??= []).push(name);
          }
          break;
        }
        case 'EXID': {
          // GEDCOM 7: the person's id in another system, with the URI of that system (TYPE).
          const value = line.value.trim();
          if (!value) break;
          const type = subValue(lines, i, 'TYPE')?.trim();
          (externalIds ??= []).push({ id: this.#intern(value), ...(type ? { type: this.#intern(type) } : {}) });
          break;
        }
        case 'SEX': {
          // The value is its first line: a CONT under SEX (some programs write notes so) adds text, not a sex.
          const v = (line.value.split('\n', 1)[0] as string).trim().toUpperCase();
          if (v === 'M' || v === 'F') person.sex = v;
          else if (v !== 'U' && v !== '' && v !== 'X')
            this.#diag(line.lineNo, `SEX ${JSON.stringify(line.value)} is not M, F or U; recorded as unknown`, 'values');
          break;
        }
        case 'FAMC':
        case 'FAMS': {
          if (line.value.trim() === '@VOID@') break; // GEDCOM 7: a pointer to nothing, on purpose
          const family = pointer(line.value);
          if (!family) {
            this.#diag(line.lineNo, `${line.tag} should point to a family (@F1@), got ${JSON.stringify(line.value.slice(0, 40))}`, 'links');
            break;
          }
          this.#builder.addLink(id, family, line.tag === 'FAMC' ? 'child' : 'spouse');
          if (line.tag === 'FAMC') {
            // PEDI (both parents), or the vendor tags _FREL (father) / _MREL (mother).
            const link = this.#childLinkTags(lines, i, true);
            if (link) this.#builder.setChildLink(family, id, link);
          }
          break;
        }
        case 'ADOP': {
          // 1 ADOP / 2 FAMC @F1@ / 3 ADOP HUSB|WIFE|BOTH: adopted into that family by one or both.
          for (let j = i + 1; j < lines.length && (lines[j] as Line).level > 1; j++) {
            const sub = lines[j] as Line;
            if (sub.level !== 2 || sub.tag !== 'FAMC') continue;
            const family = pointer(sub.value);
            if (!family || family === 'VOID') break;
            let by = 'BOTH';
            for (let k = j + 1; k < lines.length && (lines[k] as Line).level > 2; k++) {
              const who = lines[k] as Line;
              if (who.level === 3 && who.tag === 'ADOP') by = who.value.trim().toUpperCase() || 'BOTH';
            }
            if (by !== 'HUSB' && by !== 'WIFE' && by !== 'BOTH') {
              this.#diag(sub.lineNo, `ADOP ${JSON.stringify(by.slice(0, 20))} should be HUSB, WIFE or BOTH; read as BOTH`, 'links');
              by = 'BOTH';
            }
            this.#builder.addLink(id, family, 'child');
            this.#builder.setChildLink(
              family,
              id,
              by === 'HUSB' ? { father: 'adopted' } : by === 'WIFE' ? { mother: 'adopted' } : { father: 'adopted', mother: 'adopted' },
            );
            break;
          }
          break;
        }
        // The first event of each kind, except that a dated one beats an undated one ("1 BIRT Y").
        case 'BIRT':
          person.birth = firstDated(person.birth, this.#event(lines, i));
          break;
        case 'DEAT':
          person.death = firstDated(person.death, this.#event(lines, i));
          break;
        case 'BURI':
          person.burial = firstDated(person.burial, this.#event(lines, i));
          break;
        case 'CHR':
          person.christening = firstDated(person.christening, this.#event(lines, i));
          break;
        case 'BAPM':
          baptism = firstDated(baptism, this.#event(lines, i));
          break;
        default:
          break;
      }
    }
    if (alternates) person.alternateNames = alternates;
    if (externalIds) person.externalIds = externalIds;
    // A baptism stands in for the christening when there is no CHR.
    if (person.christening === undefined && baptism !== undefined) person.christening = baptism;
    const born = person.birth?.date;
    const died = person.death?.date;
    if (born && died && dateKey(born, 'earliest') > dateKey(died, 'latest')) {
      this.#diag(
        record.head.lineNo,
        `@${id}@ is born (${born.text}) after they died (${died.text}); one of the dates is probably wrong`,
        'dates',
      );
    }
    return person;
  }

  /**
   * A NAME record: the NAME line is the authority (it keeps "de" in /de MEDICIS/ and the middle
   * name in "Joseph Tag"); GIVN, SURN, SPFX, NPFX and NSFX only fill what it lacks.
   */
  #name(lines: readonly Line[], at: number): PersonName {
    const parsed = splitName((lines[at] as Line).value);
    let given = parsed.given;
    let surname = parsed.surname;
    let suffix = parsed.suffix ?? '';
    let prefix = '';
    let surn = '';
    let npfx = '';
    let nsfx = '';
    for (let j = at + 1; j < lines.length && (lines[j] as Line).level > 1; j++) {
      const sub = lines[j] as Line;
      if (sub.level !== 2) continue;
      const v = sub.value.trim();
      if (!v) continue;
      if (sub.tag === 'GIVN' && !given) given = v;
      else if (sub.tag === 'SURN') surn = v;
      else if (sub.tag === 'SPFX') prefix = namePiece(v);
      else if (sub.tag === 'NPFX') npfx = namePiece(v);
      else if (sub.tag === 'NSFX') nsfx = namePiece(v);
    }
    const startsWithWord = (text: string, word: string): boolean =>
      text.toLowerCase() === word.toLowerCase() || text.toLowerCase().startsWith(`${word.toLowerCase()} `);
    if (!surname && surn) surname = prefix && !startsWithWord(surn, prefix) ? `${prefix} ${surn}` : surn;
    // A surname prefix (SPFX "van") written before the slashes belongs to the surname, so that a
    // search for "van Beethoven" finds "Ludwig van /Beethoven/".
    if (prefix && surname && !startsWithWord(surname, prefix) && given.toLowerCase().endsWith(` ${prefix.toLowerCase()}`)) {
      given = given.slice(0, given.length - prefix.length - 1).trim();
      surname = `${prefix} ${surname}`;
    }
    // A title (NPFX, "Dr.") the NAME line does not already have goes before the given names; a
    // suffix (NSFX, "Jr.") it does not have goes after the surname.
    const line = squash((lines[at] as Line).value.replace(/,/g, ' '));
    if (npfx && !line.includes(npfx)) given = `${npfx} ${given}`.trim();
    if (nsfx && !line.includes(nsfx)) suffix = `${suffix} ${nsfx}`.trim();
    // No real name is this long; a huge one would be printed again in every result that names it.
    if (given.length > MAX_NAME_CHARS || surname.length > MAX_NAME_CHARS) {
      this.#diag(
        (lines[at] as Line).lineNo,
        `a name of ${given.length + surname.length} characters, cut to ${MAX_NAME_CHARS} each for the given names and the surname`,
        'names',
      );
      given = given.slice(0, MAX_NAME_CHARS);
      surname = surname.slice(0, MAX_NAME_CHARS);
    }
    return {
      given: this.#intern(given),
      surname: this.#intern(surname),
      ...(suffix ? { suffix: this.#intern(suffix.slice(0, MAX_NAME_CHARS)) } : {}),
    };
  }

  /**
   * The link types stated under a FAMC line (`PEDI`, which covers both parents, when `pedi`) or
   * a CHIL line, by the vendor tags `_FREL` (to the father) and `_MREL` (to the mother).
   */
  #childLinkTags(lines: readonly Line[], at: number, pedi: boolean): { father?: LinkType; mother?: LinkType } | undefined {
    let link: { father?: LinkType; mother?: LinkType } | undefined;
    const level = (lines[at] as Line).level + 1;
    for (let j = at + 1; j < lines.length && (lines[j] as Line).level >= level; j++) {
      const sub = lines[j] as Line;
      if (sub.level !== level) continue;
      const tag = this.#linkTags.get(sub.tag) ?? sub.tag;
      if (!(tag === '_FREL' || tag === '_MREL' || (pedi && tag === 'PEDI'))) continue;
      let type = linkType(sub.value);
      if (type === undefined) {
        // A program's own kind of link ("Custom relationship to father"): a link was stated, and
        // it was not "birth", so it is not read as blood (as reference calculators read it).
        this.#diag(
          sub.lineNo,
          `${tag} ${JSON.stringify(sub.value.trim().slice(0, 30))} is not a link type this reader knows (birth, adopted, foster, step, sealed, guardian, other); read as a link other than birth`,
          'links',
        );
        type = 'other';
      }
      // GEDCOM 7: PEDI OTHER says in its PHRASE what the link is ("Step", "Guardian").
      if (type === 'other' && sub.tag === 'PEDI') {
        const said = linkType(subValue(lines, j, 'PHRASE') ?? '');
        if (said !== undefined && said !== 'unstated' && said !== 'birth') type = said;
      }
      if (type === 'unstated') continue;
      if (tag === 'PEDI') link = { ...link, father: type, mother: type };
      else if (tag === '_FREL') link = { ...link, father: type };
      else link = { ...link, mother: type };
    }
    return link;
  }

  /** DATE and PLAC directly under the event line `lines[at]`. */
  #event(lines: readonly Line[], at: number): LifeEvent {
    const event: { -readonly [K in keyof LifeEvent]: LifeEvent[K] } = {};
    const level = (lines[at] as Line).level + 1;
    for (let j = at + 1; j < lines.length && (lines[j] as Line).level >= level; j++) {
      const s = lines[j] as Line;
      if (s.level !== level) continue;
      if (s.tag === 'DATE') {
        const v = s.value.trim();
        // GEDCOM 7: the date as the source wrote it, in free text, under the value.
        const phrase = subValue(lines, j, 'PHRASE');
        if (!v && !phrase) continue;
        const date = readDate(v, phrase);
        if (date) event.date = date;
        else if (v) {
          this.#diag(s.lineNo, `DATE ${JSON.stringify(v.slice(0, 40))} is not a date this reader understands; ignored`, 'dates');
          this.#unreadDates++;
          if (this.#unreadExamples.length < 3) this.#unreadExamples.push(`${JSON.stringify(v.slice(0, 40))} (line ${s.lineNo})`);
        }
      } else if (s.tag === 'PLAC') {
        const v = s.value.trim();
        if (v) event.place = this.#intern(v);
      }
    }
    return event;
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
      const ref = pointer(line.value);
      switch (line.tag) {
        case 'HUSB':
        case 'WIFE':
        case 'CHIL':
          if (ref === 'VOID') break; // GEDCOM 7: a pointer to nothing, on purpose
          if (!ref) {
            this.#diag(line.lineNo, `${line.tag} should point to a person (@I1@), got ${JSON.stringify(line.value.slice(0, 40))}`, 'links');
            break;
          }
          if (line.tag === 'HUSB') husband ??= ref;
          else if (line.tag === 'WIFE') wife ??= ref;
          else {
            if (!kids.includes(ref)) kids.push(ref);
            const link = this.#childLinkTags(lines, i, false);
            if (link) this.#builder.setChildLink(id, ref, link);
          }
          break;
        case 'MARR':
          marriage ??= this.#event(lines, i);
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

/** The value of the first `tag` line directly under `lines[at]`, when there is one. */
function subValue(lines: readonly Line[], at: number, tag: string): string | undefined {
  const level = (lines[at] as Line).level + 1;
  for (let j = at + 1; j < lines.length && (lines[j] as Line).level >= level; j++) {
    const sub = lines[j] as Line;
    if (sub.level === level && sub.tag === tag) return sub.value;
  }
  return undefined;
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

/** The id in a pointer value (`@F1@` → `F1`), or `undefined` when the value is not a pointer. */
function pointer(value: string): string | undefined {
  return /^@([^@\s]+)@$/.exec(value.trim())?.[1];
}

/** The words the vendor tags `_FREL`/`_MREL` use for each link type (as {@link linkType} reads them back), for writing them. */
export const VENDOR_LINK_WORDS: Readonly<Record<LinkType, string>> = {
  birth: 'Natural',
  adopted: 'Adopted',
  foster: 'Foster',
  step: 'Step',
  sealed: 'Sealed',
  guardian: 'Guardian',
  other: 'Related',
};

/**
 * A link type from PEDI (GEDCOM 5.5.1: adopted, birth, foster, sealed; GEDCOM 7: ADOPTED, BIRTH,
 * FOSTER, SEALING, OTHER) or from the vendor tags _FREL/_MREL (Natural, Adopted, Step, Foster,
 * Guardian, Sealed, Related, Unknown, Private, …). `unstated` for values that say nothing
 * (Unknown, Private, empty); `undefined` for values not understood.
 */
export function linkType(value: string): LinkType | 'unstated' | undefined {
  const v = value
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
  switch (v) {
    case 'birth':
    case 'natural':
    case 'biological':
    case 'bio':
    case 'blood':
      return 'birth';
    case 'adopted':
    case 'adoptive':
    case 'adoption':
      return 'adopted';
    case 'foster':
    case 'fostered':
      return 'foster';
    case 'step':
    case 'stepchild':
    case 'stepparent':
      return 'step';
    case 'sealed':
    case 'sealing':
      return 'sealed';
    case 'guardian':
    case 'guardianship':
    case 'ward':
      return 'guardian';
    case 'other':
    case 'related':
      return 'other';
    case '':
    case 'unknown':
    case 'private':
      return 'unstated';
    default:
      return undefined;
  }
}

/** `John Henry /Smith/ Jr.` → given `John Henry`, surname `Smith`. */
export function splitName(value: string): { given: string; surname: string; suffix?: string } {
  const m = /^([^/]*)\/([^/]*)\/?(.*)$/.exec(value.trim());
  if (!m) return { given: squash(value), surname: '' };
  const before = squash(m[1] ?? '');
  const after = squash(m[3] ?? '');
  // A name written surname first ("/大島/ 裕子", "/Nagy/ Ferenc") has its given names after it.
  if (!before && after) return { given: after, surname: (m[2] ?? '').trim() };
  // Otherwise the text after the surname is its suffix ("John /Smith/ Jr."), not more given names.
  return { given: before, surname: (m[2] ?? '').trim(), ...(after ? { suffix: after } : {}) };
}

function squash(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/** A name piece as programs write it: "Lt.,Cmndr." (the specification's commas) or "Lt. Cmndr.", read as "Lt. Cmndr.". */
function namePiece(value: string): string {
  return value
    .split(',')
    .map((part) => squash(part))
    .filter(Boolean)
    .join(' ');
}

/** `current` unless it is undated and `next` has a date. */
function firstDated(current: LifeEvent | undefined, next: LifeEvent | undefined): LifeEvent | undefined {
  if (current === undefined) return next;
  if (current.date === undefined && next?.date !== undefined)
    return { ...next, ...(next.place === undefined && current.place !== undefined ? { place: current.place } : {}) };
  return current;
}

/** A date as a number that orders dates, at its earliest or latest reading (a year alone spans the year). */
function dateKey(d: GedcomDate, end: 'earliest' | 'latest'): number {
  const year = end === 'latest' ? (d.yearTo ?? d.year) : d.year;
  const month = d.month ?? (end === 'latest' ? 12 : 1);
  const day = d.day ?? (end === 'latest' ? 31 : 1);
  return year * 10_000 + month * 100 + day;
}

/**
 * Up to `max` cycles of parent links (a person who is their own ancestor), each as the people
 * on it from child to parent. One depth-first walk over every person, iterative, so deep trees
 * do not overflow the stack.
 */
export function ancestorCycles(tree: FamilyTree, max: number): number[][] {
  const state = new Uint8Array(tree.size); // 0 unseen, 1 on the current path, 2 done
  const cycles: number[][] = [];
  for (let root = 0; root < tree.size && cycles.length < max; root++) {
    if (state[root] !== 0) continue;
    const path: number[] = [root];
    const next: number[] = [0];
    state[root] = 1;
    while (path.length > 0 && cycles.length < max) {
      const top = path.length - 1;
      const node = path[top] as number;
      const parents = tree.parents(node);
      const k = next[top] as number;
      if (k >= parents.length) {
        state[node] = 2;
        path.pop();
        next.pop();
        continue;
      }
      next[top] = k + 1;
      const parent = parents[k] as number;
      if (state[parent] === 1) cycles.push(path.slice(path.indexOf(parent)));
      else if (state[parent] === 0) {
        state[parent] = 1;
        path.push(parent);
        next.push(0);
      }
    }
  }
  return cycles;
}
