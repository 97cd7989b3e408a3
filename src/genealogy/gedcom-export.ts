import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gedcom7Date } from './dates.js';
import { LINK_TAG_URIS, VENDOR_LINK_WORDS } from './gedcom.js';
import { type ChildLink, type Family, type FamilyTree, type LifeEvent, type LinkType, type PersonName, TreeBuilder } from './tree.js';

/**
 * GEDCOM 7.0 export: some people of a tree (or all of them) and the families that link them, as
 * a file any GEDCOM 7 program reads and {@link readGedcom} reads back to the same people, names,
 * dates, places and links.
 */

/** Which people and families to write (person and family numbers of one tree, each once). */
export interface ExportSelection {
  readonly people: readonly number[];
  readonly families: readonly number[];
}

/** Everyone and every family. */
export function wholeTree(tree: FamilyTree): ExportSelection {
  return { people: tree.people.map((_, i) => i), families: tree.families.map((_, i) => i) };
}

/**
 * `people` with their families: every family each is a child or a spouse in, and every member of
 * those families (parents, spouses, children, siblings), so that each pointer in the file names
 * a record in it.
 */
export function withFamilies(tree: FamilyTree, people: Iterable<number>): ExportSelection {
  const families = new Set<number>();
  for (const i of people) {
    for (const f of tree.parentFamilies(i)) families.add(f);
    for (const f of tree.spouseFamilies(i)) families.add(f);
  }
  const chosen = new Set<number>(people);
  for (const f of families) for (const m of members(tree.families[f] as Family)) chosen.add(m);
  return ordered(chosen, families);
}

/** `person` and every ancestor, by any link (birth, adoption, step, …), with the families that link them. */
export function withAncestors(tree: FamilyTree, person: number): ExportSelection {
  const chosen = new Set<number>([person]);
  const families = new Set<number>();
  const todo = [person];
  for (let i = todo.pop(); i !== undefined; i = todo.pop()) {
    for (const f of tree.parentFamilies(i)) {
      families.add(f);
      const family = tree.families[f] as Family;
      for (const parent of [family.husband, family.wife]) {
        if (parent === undefined || chosen.has(parent)) continue;
        chosen.add(parent);
        todo.push(parent);
      }
    }
  }
  return ordered(chosen, families);
}

/** Each person and family in the tree's own order (the file's order, for a tree read from one). */
function ordered(people: ReadonlySet<number>, families: ReadonlySet<number>): ExportSelection {
  return { people: [...people].sort((a, b) => a - b), families: [...families].sort((a, b) => a - b) };
}

function members(f: Family): number[] {
  return [...(f.husband === undefined ? [] : [f.husband]), ...(f.wife === undefined ? [] : [f.wife]), ...f.children];
}

/** Options of the GEDCOM 7.0 writer. */
export interface ExportOptions {
  /** The program named in HEAD.SOUR. Default `browser-actor`. */
  readonly source?: string;
}

/** GEDCOM 7 PEDI values for a link both parents share; step and guardian are OTHER with a PHRASE. */
const PEDI: Readonly<Record<Exclude<LinkType, 'birth'>, readonly [string, string?]>> = {
  adopted: ['ADOPTED'],
  foster: ['FOSTER'],
  sealed: ['SEALING'],
  step: ['OTHER', 'Step'],
  guardian: ['OTHER', 'Guardian'],
  other: ['OTHER'],
};

/**
 * The selection as GEDCOM 7.0 lines, record by record, for writing out as a stream: HEAD (GEDC
 * VERS 7.0, and a SCHMA for the link tags when a child's two parents are linked differently),
 * one INDI per person (names with GIVN/SURN/NSFX, sex, birth, christening, death and burial with
 * their dates in 7.0 words and places as read, EXID, FAMC with PEDI for a link other than birth,
 * FAMS), one FAM per family (only the selected members), TRLR. Ids are kept where GEDCOM 7
 * allows them (capital letters, digits and `_`); others get new ones. UTF-8; text that starts
 * with `@` is written `@@`; line breaks in text become CONT lines.
 */
export function* gedcom7Lines(tree: FamilyTree, selection: ExportSelection, options: ExportOptions = {}): Generator<string> {
  const xref = xrefs(tree, selection);
  const person = (i: number): string => `@${xref.people.get(i) as string}@`;
  const included = (i: number | undefined): i is number => i !== undefined && xref.people.has(i);
  const inFamilies = new Set(selection.families);
  const split = selection.families.some((f) => {
    const links = (tree.families[f] as Family).links;
    return links !== undefined && [...links.values()].some((l) => l.father !== l.mother);
  });
  yield '0 HEAD';
  yield '1 GEDC';
  yield '2 VERS 7.0';
  if (split) {
    yield '1 SCHMA';
    yield `2 TAG _FREL ${LINK_TAG_URIS._FREL}`;
    yield `2 TAG _MREL ${LINK_TAG_URIS._MREL}`;
  }
  yield text(1, 'SOUR', options.source ?? 'browser-actor');
  for (const i of selection.people) {
    const p = tree.person(i);
    yield `0 ${person(i)} INDI`;
    const names: PersonName[] = [
      { given: p.given, surname: p.surname, ...(p.suffix ? { suffix: p.suffix } : {}) },
      ...(p.alternateNames ?? []),
    ];
    if (names.length > 1 || p.given || p.surname || p.suffix) for (const n of names) yield* name(n);
    if (p.sex !== 'U') yield `1 SEX ${p.sex}`;
    yield* event('BIRT', p.birth);
    yield* event('CHR', p.christening);
    yield* event('DEAT', p.death);
    yield* event('BURI', p.burial);
    for (const x of p.externalIds ?? []) {
      yield text(1, 'EXID', x.id);
      if (x.type) yield text(2, 'TYPE', x.type);
    }
    for (const f of tree.parentFamilies(i)) {
      if (!inFamilies.has(f)) continue;
      const family = tree.families[f] as Family;
      yield `1 FAMC @${xref.families.get(f) as string}@`;
      const link = family.links?.get(i);
      if (!link || link.father !== link.mother || link.father === 'birth') continue;
      const [pedi, phrase] = PEDI[link.father];
      yield `2 PEDI ${pedi}`;
      if (phrase) yield `3 PHRASE ${phrase}`;
    }
    for (const f of tree.spouseFamilies(i)) if (inFamilies.has(f)) yield `1 FAMS @${xref.families.get(f) as string}@`;
  }
  for (const f of selection.families) {
    const family = tree.families[f] as Family;
    yield `0 @${xref.families.get(f) as string}@ FAM`;
    if (included(family.husband)) yield `1 HUSB ${person(family.husband)}`;
    if (included(family.wife) && family.wife !== family.husband) yield `1 WIFE ${person(family.wife)}`;
    for (const c of family.children) {
      if (!included(c)) continue;
      yield `1 CHIL ${person(c)}`;
      const link = family.links?.get(c);
      if (link && link.father !== link.mother) {
        yield `2 _FREL ${VENDOR_LINK_WORDS[link.father]}`;
        yield `2 _MREL ${VENDOR_LINK_WORDS[link.mother]}`;
      }
    }
    yield* event('MARR', family.marriage);
  }
  yield '0 TRLR';
}

/** The selection as one GEDCOM 7.0 text (for a page or an API answer; a large tree goes through {@link writeGedcom7File}). */
export function gedcom7Text(tree: FamilyTree, selection: ExportSelection, options: ExportOptions = {}): string {
  let out = '';
  for (const line of gedcom7Lines(tree, selection, options)) out += `${line}\n`;
  return out;
}

/**
 * Write the selection to `path` as GEDCOM 7.0, streamed (a million people never sit in memory as
 * one text). The file appears whole or not at all: it is written beside `path` under a temporary
 * name and renamed into place when complete.
 */
export async function writeGedcom7File(
  path: string,
  tree: FamilyTree,
  selection: ExportSelection,
  options: ExportOptions = {},
): Promise<{ readonly bytes: number }> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const out = createWriteStream(tmp, { mode: 0o644 });
  let bytes = 0;
  try {
    let chunk = '';
    const flush = async (): Promise<void> => {
      bytes += Buffer.byteLength(chunk);
      const more = out.write(chunk);
      chunk = '';
      if (!more) await once(out, 'drain');
    };
    for (const line of gedcom7Lines(tree, selection, options)) {
      chunk += `${line}\n`;
      if (chunk.length >= 1 << 20) await flush();
    }
    await flush();
    out.end();
    await once(out, 'close');
    renameSync(tmp, path);
    return { bytes };
  } catch (error) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * The records whose ids GEDCOM 7 does not allow, as `{new id: id in the tree}` (people and
 * families): what {@link gedcom7Lines} renamed, so that parts exported separately can be joined
 * again under the tree's own ids ({@link mergeTrees}).
 */
export function renamedIds(tree: FamilyTree, selection: ExportSelection): Record<string, string> {
  const { people, families } = xrefs(tree, selection);
  const out: Record<string, string> = {};
  for (const [i, id] of people) if (tree.person(i).id !== id) out[id] = tree.person(i).id;
  for (const [f, id] of families) if ((tree.families[f] as Family).id !== id) out[id] = (tree.families[f] as Family).id;
  return out;
}

/**
 * Several partial trees (exports of overlapping parts of one tree) joined into one: each person
 * once (by id, after `renamed` of its part), each family once with the members and links any part
 * gave it.
 */
export function mergeTrees(
  parts: readonly { readonly tree: FamilyTree; readonly renamed?: Readonly<Record<string, string>> }[],
): FamilyTree {
  const builder = new TreeBuilder();
  const families = new Map<
    string,
    { id: string; husband?: string; wife?: string; children: string[]; marriage?: LifeEvent; links: Map<string, ChildLink> }
  >();
  for (const { tree, renamed = {} } of parts) {
    const own = (id: string): string => (Object.hasOwn(renamed, id) ? (renamed[id] as string) : id);
    const personId = (i: number): string => own(tree.person(i).id);
    for (const p of tree.people) if (!builder.hasPerson(own(p.id))) builder.addPerson({ ...p, id: own(p.id) });
    for (const f of tree.families) {
      const id = own(f.id);
      let merged = families.get(id);
      if (!merged) families.set(id, (merged = { id, children: [], links: new Map() }));
      if (f.husband !== undefined) merged.husband ??= personId(f.husband);
      if (f.wife !== undefined) merged.wife ??= personId(f.wife);
      for (const c of f.children) {
        const child = personId(c);
        if (!merged.children.includes(child)) merged.children.push(child);
        const link = f.links?.get(c);
        if (link) merged.links.set(child, link);
      }
      merged.marriage ??= f.marriage;
    }
  }
  for (const f of families.values()) {
    const { links, ...family } = f;
    builder.addFamily(family);
    for (const [child, link] of links) builder.setChildLink(f.id, child, link);
  }
  return builder.build().tree;
}

/** Characters a payload cannot hold as they are: line breaks and control characters other than tab. */
// eslint-disable-next-line no-control-regex -- GEDCOM 7 allows no control character but tab in a payload
const NOT_PLAIN = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** A text value as one line, or several (line breaks become CONT lines): `@` at the start doubled, control characters dropped. */
function text(level: number, tag: string, value: string): string {
  if (!NOT_PLAIN.test(value)) return value === '' ? `${level} ${tag}` : `${level} ${tag} ${value.charCodeAt(0) === 64 ? '@' : ''}${value}`;
  return value
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, '')
    .split('\n')
    .map((part, k) => {
      const head = k === 0 ? `${level} ${tag}` : `${level + 1} CONT`;
      return part === '' ? head : `${head} ${part.startsWith('@') ? '@' : ''}${part}`;
    })
    .join('\n');
}

/**
 * A NAME with its pieces. The NAME line says it all (`John /Smith/ Jr.`); GIVN, SURN and NSFX
 * repeat the pieces for programs that read those. A suffix with no given name goes in NSFX only,
 * since `/Smith/ Jr.` reads as a surname written first.
 */
function* name(n: PersonName): Generator<string> {
  const clean = (s: string): string => s.replace(/\//g, ' ').trim();
  const given = clean(n.given);
  const suffix = n.suffix ? clean(n.suffix) : '';
  yield text(1, 'NAME', `${given ? `${given} ` : ''}/${clean(n.surname)}/${suffix && given ? ` ${suffix}` : ''}`);
  if (n.given) yield text(2, 'GIVN', n.given);
  if (n.surname) yield text(2, 'SURN', n.surname);
  if (n.suffix) yield text(2, 'NSFX', n.suffix);
}

function* event(tag: string, e: LifeEvent | undefined): Generator<string> {
  if (!e) return;
  if (!e.date && !e.place) {
    yield `1 ${tag} Y`; // the event happened; nothing more is known
    return;
  }
  yield `1 ${tag}`;
  if (e.date) {
    const d = gedcom7Date(e.date);
    yield `2 DATE ${d.value}`;
    if (d.phrase) yield text(3, 'PHRASE', d.phrase);
  }
  if (e.place) yield text(2, 'PLAC', e.place);
}

/**
 * The id each selected person and family gets: its own where GEDCOM 7 allows it (capital letters,
 * digits and `_`, not `VOID`), else a new one; people and families share one set of ids.
 */
function xrefs(tree: FamilyTree, selection: ExportSelection): { people: Map<number, string>; families: Map<number, string> } {
  const valid = (id: string): boolean => /^[A-Z0-9_]+$/.test(id) && id !== 'VOID';
  const taken = new Set<string>();
  const people = new Map<number, string>();
  const families = new Map<number, string>();
  const assign = (items: readonly number[], idOf: (i: number) => string, into: Map<number, string>, later: number[]): void => {
    for (const i of items) {
      const id = idOf(i);
      if (valid(id) && !taken.has(id)) {
        taken.add(id);
        into.set(i, id);
      } else later.push(i);
    }
  };
  const renamePeople: number[] = [];
  const renameFamilies: number[] = [];
  assign(selection.people, (i) => tree.person(i).id, people, renamePeople);
  assign(selection.families, (f) => (tree.families[f] as Family).id, families, renameFamilies);
  let n = 0;
  const fresh = (prefix: string): string => {
    let id: string;
    do id = `${prefix}${++n}`;
    while (taken.has(id));
    taken.add(id);
    return id;
  };
  for (const i of renamePeople) people.set(i, fresh('X'));
  for (const f of renameFamilies) families.set(f, fresh('XF'));
  return { people, families };
}
