import type { IncomingMessage, ServerResponse } from 'node:http';
import { gedcom7Text, renamedIds, withFamilies } from '../genealogy/gedcom-export.js';
import { familyView, ladderView, personSummary, personView } from '../genealogy/views.js';
import type { FamilyTree } from '../genealogy/tree.js';
import type { SearchIndex } from '../genealogy/search-index.js';
import type { Session, StoredUser } from './auth.js';
import { HttpError, readJson, sendJson } from './http.js';
import { searchParams } from './search-params.js';

/** The reference site's JSON API (every route needs a session; writes need the CSRF header). */

export interface ApiContext {
  readonly tree: FamilyTree;
  readonly index: SearchIndex;
  readonly referencePerson: number;
  readonly treeName: string;
  readonly users: readonly StoredUser[];
  /** Counts ladder fetches per person id. */
  readonly ladders: Map<string, number>;
}

export function me(res: ServerResponse, site: ApiContext, session: Session): void {
  const user = site.users[session.user] as StoredUser;
  sendJson(res, 200, {
    userId: `u${session.user + 1}`,
    username: user.username,
    treeId: 't1',
    treeName: site.treeName,
    referencePerson: personSummary(site.tree, site.referencePerson),
  });
}

export function csrf(res: ServerResponse, session: Session): void {
  sendJson(res, 200, { token: session.csrf });
}

export function searchPersons(res: ServerResponse, site: ApiContext, url: URL): void {
  const { query, page, pageSize } = searchParams(url.searchParams);
  const result = site.index.search(query, page, pageSize);
  sendJson(res, 200, {
    page,
    pageSize,
    total: result.total,
    pages: Math.ceil(result.total / pageSize),
    persons: result.people.map((i) => personView(site.tree.person(i))),
  });
}

export function person(res: ServerResponse, site: ApiContext, id: string): void {
  sendJson(res, 200, personView(site.tree.person(personParam(site, id, 'id'))));
}

export function family(res: ServerResponse, site: ApiContext, id: string): void {
  sendJson(res, 200, familyView(site.tree, personParam(site, id, 'id')));
}

export function ladder(res: ServerResponse, site: ApiContext, id: string, url: URL): void {
  const i = personParam(site, id, 'id');
  for (const key of url.searchParams.keys())
    if (key !== 'to')
      throw new HttpError(400, 'bad_parameter', `Unknown parameter "${key.slice(0, 50)}"; the ladder takes only "to"`, key.slice(0, 50));
  const toParam = url.searchParams.get('to');
  const to = toParam === null ? site.referencePerson : personParam(site, toParam, 'to');
  const personId = site.tree.person(i).id;
  site.ladders.set(personId, (site.ladders.get(personId) ?? 0) + 1);
  // The path runs from the person to `to` (the home person by default), and every step says
  // what that person is to `to`, as family-tree sites show "relationship to me".
  sendJson(res, 200, ladderView(site.tree, i, to));
}

/** The most people one export request may name (a research run asks in batches). */
export const MAX_EXPORT_IDS = 200;

/**
 * `GET /api/export?ids=I1,I2,…`: the named people with their families (parents, spouses,
 * children, siblings) as GEDCOM 7.0, in JSON (`{gedcom, renamed, people, families}`; `renamed`
 * gives the tree's own id of each record whose id GEDCOM 7 does not allow), so that a research run
 * can save what it found. At most {@link MAX_EXPORT_IDS} ids per request.
 */
export function exportPeople(res: ServerResponse, site: ApiContext, url: URL): void {
  for (const key of url.searchParams.keys())
    if (key !== 'ids')
      throw new HttpError(400, 'bad_parameter', `Unknown parameter "${key.slice(0, 50)}"; the export takes only "ids"`, key.slice(0, 50));
  const raw = url.searchParams.get('ids') ?? '';
  const ids = raw.split(',').filter((id) => id !== '');
  if (ids.length === 0) throw new HttpError(400, 'bad_parameter', '"ids" must name at least one person (ids=I1,I2)', 'ids');
  if (ids.length > MAX_EXPORT_IDS)
    throw new HttpError(400, 'bad_parameter', `"ids" names ${ids.length} people; at most ${MAX_EXPORT_IDS} per request`, 'ids');
  const selection = withFamilies(site.tree, new Set(ids.map((id) => personParam(site, id, 'ids'))));
  sendJson(res, 200, {
    gedcom: gedcom7Text(site.tree, selection, { source: 'browser-actor-tree-site' }),
    renamed: renamedIds(site.tree, selection),
    people: selection.people.length,
    families: selection.families.length,
  });
}

export function bookmarks(res: ServerResponse, session: Session): void {
  sendJson(res, 200, { bookmarks: [...session.bookmarks] });
}

/** Bookmarks per session are capped: a session cannot grow the server without bound either. */
const MAX_BOOKMARKS = 10_000;

export async function addBookmark(req: IncomingMessage, res: ServerResponse, site: ApiContext, session: Session): Promise<void> {
  const body = await readJson(req);
  const id = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['id'] : undefined;
  if (typeof id !== 'string') throw new HttpError(400, 'bad_parameter', 'Body must be JSON {"id": "<person id>"}', 'id');
  personParam(site, id, 'id');
  if (!session.bookmarks.has(id) && session.bookmarks.size >= MAX_BOOKMARKS)
    throw new HttpError(409, 'too_many', `At most ${MAX_BOOKMARKS} bookmarks per session`, 'id');
  session.bookmarks.add(id);
  sendJson(res, 201, { bookmarks: [...session.bookmarks] });
}

function personParam(site: ApiContext, id: string, name: string): number {
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(id))
    throw new HttpError(400, 'bad_parameter', `"${name}" is not a person id (letters, digits, _ . -)`, name);
  const i = site.tree.indexOf(id);
  if (i === undefined) throw new HttpError(404, 'not_found', `No person with id ${id}`, name);
  return i;
}
