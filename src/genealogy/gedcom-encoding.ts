import { StringDecoder } from 'node:string_decoder';

/**
 * The character encodings GEDCOM files come in, and streaming decoders for them. The encoding is
 * found from the byte-order mark, then from the bytes of `0 HEAD` (UTF-16 without a BOM), then
 * from `HEAD.CHAR`. Every decoder keeps state across chunks, so a character cut by a chunk
 * boundary is decoded whole.
 */

export interface StreamDecoder {
  /** The encoding's name as reported to users. */
  readonly name: string;
  /** Decode the next chunk; `last` flushes what a cut character left pending. */
  decode(bytes: Uint8Array, last?: boolean): string;
  /** A finding made while decoding (once), for a diagnostic: e.g. that the bytes are not in the declared encoding. */
  takeNote?(): string | undefined;
}

/** What was found, and from where. */
export interface DetectedEncoding {
  readonly decoder: StreamDecoder;
  /** A problem to report (line 0): an unknown or missing `CHAR`. */
  readonly note?: string;
}

/** Most bytes looked at to find `HEAD.CHAR`: the header record is short. */
export const DETECT_BYTES = 64 * 1024;

/** UTF-8 through Node's StringDecoder: the fastest streaming UTF-8 decoder here (a BOM is left for the reader to drop). */
function utf8Decoder(): StreamDecoder {
  const d = new StringDecoder('utf8');
  return {
    name: 'UTF-8',
    decode: (bytes, last = false) =>
      last
        ? d.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
        : d.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
  };
}

function textDecoder(label: string, name: string): StreamDecoder {
  const d = new TextDecoder(label);
  return { name, decode: (bytes, last = false) => d.decode(bytes, { stream: !last }) };
}

/**
 * Whether `head` holds enough to choose an encoding: a BOM or UTF-16 bytes, or the whole header
 * record (a line break followed by a level-0 line after `0 HEAD`), or {@link DETECT_BYTES}.
 */
export function canDetect(head: Uint8Array): boolean {
  if (head.length >= DETECT_BYTES) return true;
  if (head.length >= 2 && utf16Order(head) !== undefined) return true;
  return headerRecord(head).complete;
}

/** The header record's text as far as `head` holds it (bytes as Latin-1), and whether the next level-0 line has begun. */
function headerRecord(head: Uint8Array): { text: string; complete: boolean } {
  const text = latin1(head.subarray(0, Math.min(head.length, DETECT_BYTES)));
  const end = text.slice(1).search(/[\r\n]\s*0\s/);
  return end === -1 ? { text, complete: false } : { text: text.slice(0, end + 1), complete: true };
}

function utf16Order(b: Uint8Array): 'le' | 'be' | undefined {
  if (b[0] === 0xff && b[1] === 0xfe) return 'le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'be';
  if (b[0] === 0x30 && b[1] === 0x00) return 'le'; // "0" of "0 HEAD" in UTF-16LE
  if (b[0] === 0x00 && b[1] === 0x30) return 'be';
  return undefined;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** Choose the decoder for a file that starts with `head`. */
export function detectEncoding(head: Uint8Array): DetectedEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { decoder: utf8Decoder() };
  const order = utf16Order(head);
  if (order) return { decoder: textDecoder(order === 'le' ? 'utf-16le' : 'utf-16be', order === 'le' ? 'UTF-16LE' : 'UTF-16BE') };
  // The CHAR line of the header record (before the next level-0 line).
  const declared = /(?:^|[\r\n])\s*1\s+CHAR\s+([^\r\n]*)/i.exec(headerRecord(head).text)?.[1]?.trim();
  // No CHAR: GEDCOM 7 has none (it is always UTF-8), and small 5.5 files often leave it out.
  if (declared === undefined) return { decoder: utf8Decoder() };
  switch (declared.toUpperCase().replace(/[\s_]+/g, ' ')) {
    case 'UTF-8':
    case 'UTF8':
    case 'UNICODE': // declared UNICODE, but the bytes are not UTF-16: the usual mislabel of UTF-8
      return { decoder: utf8Decoder() };
    case 'ANSI':
    case 'WINDOWS-1252':
    case 'WINDOWS 1252':
    case 'CP1252':
    case 'IBM WINDOWS':
    case 'ISO-8859-1':
    case 'LATIN1':
      return { decoder: utf8Unless(declared, () => textDecoder('windows-1252', `ANSI (Windows-1252, declared ${declared})`)) };
    case 'ASCII':
      return { decoder: asciiDecoder() };
    case 'MACINTOSH':
    case 'MACROMAN':
    case 'MAC ROMAN':
      return { decoder: textDecoder('macintosh', 'MacRoman') };
    case 'ANSEL':
      return { decoder: utf8Unless(declared, anselDecoder) };
    default:
      return {
        decoder: utf8Decoder(),
        note: `CHAR ${declared.slice(0, 40)} is not an encoding this reader knows (UTF-8, UNICODE, ANSEL, ANSI, ASCII, MACINTOSH); read as UTF-8`,
      };
  }
}

/**
 * The declared single-byte encoding, unless the bytes are UTF-8: programs often write UTF-8 and
 * leave `CHAR ANSI` (or ANSEL) in the header, which would turn every accented letter into two
 * wrong ones. The choice is made at the first chunk with a byte above 0x7F (ASCII reads the same
 * either way): when those bytes are well-formed UTF-8 with at least one multi-byte character, the
 * file is read as UTF-8, with a note saying so.
 */
function utf8Unless(declared: string, make: () => StreamDecoder): StreamDecoder {
  const asDeclared = make();
  let chosen: StreamDecoder | undefined;
  let note: string | undefined;
  const self: StreamDecoder = {
    get name() {
      return (chosen ?? asDeclared).name;
    },
    decode(bytes, last = false) {
      if (!chosen) {
        if (!bytes.some((b) => b >= 0x80)) return latin1(bytes);
        if (looksUtf8(bytes)) {
          chosen = utf8Decoder();
          note = `the header says CHAR ${declared.slice(0, 40)}, but the bytes are UTF-8; read as UTF-8`;
        } else chosen = asDeclared;
      }
      return chosen.decode(bytes, last);
    },
    takeNote() {
      const n = note;
      note = undefined;
      return n;
    },
  };
  return self;
}

/** Well-formed UTF-8 with at least one multi-byte character (a sequence cut at the end is allowed). */
function looksUtf8(b: Uint8Array): boolean {
  let multi = false;
  for (let i = 0; i < b.length;) {
    const c = b[i] as number;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n === -1) return false;
    for (let k = 1; k <= n; k++) {
      if (i + k >= b.length) return multi || n > 0; // cut by the chunk's end
      if (((b[i + k] as number) & 0xc0) !== 0x80) return false;
    }
    if (n > 0) multi = true;
    i += n + 1;
  }
  return multi;
}

/** ASCII: bytes above 0x7F are not ASCII; they become U+FFFD (and one diagnostic). */
function asciiDecoder(): StreamDecoder {
  return { name: 'ASCII', decode: (bytes) => latin1(bytes).replace(/[\u0080-\u00ff]/g, '\uFFFD') };
}

/** ANSEL (ANSI Z39.47) spacing characters above 0x7F. */
export const ANSEL_SPACING: Record<number, number> = {
  0xa1: 0x0141,
  0xa2: 0x00d8,
  0xa3: 0x0110,
  0xa4: 0x00de,
  0xa5: 0x00c6,
  0xa6: 0x0152,
  0xa7: 0x02b9,
  0xa8: 0x00b7,
  0xa9: 0x266d,
  0xaa: 0x00ae,
  0xab: 0x00b1,
  0xac: 0x01a0,
  0xad: 0x01af,
  0xae: 0x02bc,
  0xb0: 0x02bb,
  0xb1: 0x0142,
  0xb2: 0x00f8,
  0xb3: 0x0111,
  0xb4: 0x00fe,
  0xb5: 0x00e6,
  0xb6: 0x0153,
  0xb7: 0x02ba,
  0xb8: 0x0131,
  0xb9: 0x00a3,
  0xba: 0x00f0,
  0xbc: 0x01a1,
  0xbd: 0x01b0,
  0xc0: 0x00b0,
  0xc1: 0x2113,
  0xc2: 0x2117,
  0xc3: 0x00a9,
  0xc4: 0x266f,
  0xc5: 0x00bf,
  0xc6: 0x00a1,
  0xc7: 0x00df,
  0xc8: 0x20ac,
  // GEDCOM's extensions to ANSEL (GEDCOM 5.5 appendix): empty and black box, midline e and o, eszett.
  0xbe: 0x25a1,
  0xbf: 0x25a0,
  0xcd: 0x0065,
  0xce: 0x006f,
  0xcf: 0x00df,
};

/** ANSEL combining diacritics: written before the letter they go on; Unicode puts them after. */
export const ANSEL_COMBINING: Record<number, number> = {
  0xe0: 0x0309,
  0xe1: 0x0300,
  0xe2: 0x0301,
  0xe3: 0x0302,
  0xe4: 0x0303,
  0xe5: 0x0304,
  0xe6: 0x0306,
  0xe7: 0x0307,
  0xe8: 0x0308,
  0xe9: 0x030c,
  0xea: 0x030a,
  0xeb: 0xfe20,
  0xec: 0xfe21,
  0xed: 0x0315,
  0xee: 0x030b,
  0xef: 0x0310,
  0xf0: 0x0327,
  0xf1: 0x0328,
  0xf2: 0x0323,
  0xf3: 0x0324,
  0xf4: 0x0325,
  0xf5: 0x0333,
  0xf6: 0x0332,
  0xf7: 0x0326,
  0xf8: 0x031c,
  0xf9: 0x032e,
  0xfa: 0xfe22,
  0xfb: 0xfe23,
  0xfe: 0x0313,
  0xfc: 0x0338, // GEDCOM's extension: a long slash through the letter
};

/**
 * ANSEL: ASCII below 0x80, the special letters above, and combining diacritics that precede
 * their base letter (moved after it, then composed: `Dolor` + E1 + `es` is "Dolorès"). Marks
 * pending at a chunk's end wait for the next chunk's first letter. A byte ANSEL does not assign
 * becomes U+FFFD.
 */
function anselDecoder(): StreamDecoder {
  let pending = '';
  return {
    name: 'ANSEL',
    decode: (bytes, last = false) => {
      let out = '';
      let marked = pending !== '';
      let i = 0;
      while (i < bytes.length) {
        const b = bytes[i] as number;
        if (b < 0x80) {
          if (pending !== '') {
            // A line break ends a word: marks before it have nothing to sit on.
            const ch = String.fromCharCode(b);
            out += b === 0x0a || b === 0x0d ? pending + ch : ch + pending;
            pending = '';
            i++;
            continue;
          }
          // A run of ASCII at once: most of any file.
          let end = i + 1;
          while (end < bytes.length && (bytes[end] as number) < 0x80) end++;
          out += latin1(bytes.subarray(i, end));
          i = end;
          continue;
        }
        i++;
        const mark = ANSEL_COMBINING[b];
        if (mark !== undefined) {
          pending += String.fromCharCode(mark);
          marked = true;
          continue;
        }
        out += String.fromCharCode(ANSEL_SPACING[b] ?? 0xfffd) + pending;
        pending = '';
      }
      if (last) {
        out += pending;
        pending = '';
      }
      return marked ? out.normalize('NFC') : out;
    },
  };
}
