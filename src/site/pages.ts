import type { ServerResponse } from 'node:http';
import { gedcom7Text, withAncestors } from '../genealogy/gedcom-export.js';
import { fullName, ladderView, personSummary } from '../genealogy/views.js';
import type { FamilyTree, Person } from '../genealogy/tree.js';
import type { SearchIndex } from '../genealogy/search-index.js';
import { esc, html, redirect } from './http.js';
import { searchParams } from './search-params.js';

/** The reference site's HTML: the signed-in pages and the sign-in forms. */

export interface PageContext {
  readonly tree: FamilyTree;
  readonly index: SearchIndex;
  readonly referencePerson: number;
  readonly treeName: string;
}

export function homePage(res: ServerResponse): void {
  redirect(res, '/tree');
}

export function treePage(res: ServerResponse, site: PageContext, username: string, csrf: string): void {
  const ref = site.tree.person(site.referencePerson);
  html(
    res,
    200,
    layout(
      site.treeName,
      csrf,
      `<h1>${esc(site.treeName)}</h1><p id="welcome">Signed in as <b>${esc(username)}</b>. ${site.tree.size} people.</p>
<p>Home person: <a id="home-person" href="/person/${esc(ref.id)}">${esc(fullName(ref))}</a></p>
<form id="search" action="/search"><input name="given" placeholder="Given name"><input name="surname" placeholder="Surname"><button>Search</button></form>`,
    ),
  );
}

export function personPage(res: ServerResponse, site: PageContext, id: string, csrf: string): void {
  const { tree } = site;
  const i = tree.indexOf(id);
  if (i === undefined) return html(res, 404, layout('Not found', csrf, '<h1>No such person</h1>'));
  const p = tree.person(i);
  const links = (ids: number[], link?: (n: number) => string | undefined): string =>
    ids.map((n) => personItem(tree, n, link?.(n))).join('');
  const steps = ladderView(tree, i, site.referencePerson)
    .steps.map((s) => `<li>${esc(s.name)} (${esc(s.lifespan)}) - ${esc(s.relationship)}</li>`)
    .join('');
  html(
    res,
    200,
    layout(
      fullName(p),
      csrf,
      `<h1 id="person-name" data-id="${esc(p.id)}">${esc(fullName(p))}</h1>
<dl><dt>Sex</dt><dd id="sex">${p.sex}</dd><dt>Born</dt><dd id="born">${esc(eventText(p.birth))}</dd><dt>Died</dt><dd id="died">${esc(eventText(p.death))}</dd></dl>
<h2>Parents</h2><ul id="parents">${links(tree.parents(i), (n) => tree.linkBetween(i, n))}</ul><h2>Spouses</h2><ul id="spouses">${links(tree.spouses(i))}</ul><h2>Children</h2><ul id="children">${links(tree.children(i), (n) => tree.linkBetween(n, i))}</ul>
<h2>Relationship to the home person</h2><ol id="ladder">${steps}</ol>
<p><a id="export" href="/person/${encodeURIComponent(p.id)}/export.ged">Download ${esc(fullName(p))} and their ancestors (GEDCOM 7)</a></p>`,
    ),
  );
}

/**
 * `/person/:id/export.ged`: the person and every ancestor, with the families that link them, as
 * a GEDCOM 7.0 file to download.
 */
export function exportPage(res: ServerResponse, site: PageContext, id: string, csrf: string): void {
  const i = site.tree.indexOf(id);
  if (i === undefined) return html(res, 404, layout('Not found', csrf, '<h1>No such person</h1>'));
  const text = gedcom7Text(site.tree, withAncestors(site.tree, i), { source: 'browser-actor-tree-site' });
  res.statusCode = 200;
  res.setHeader('content-type', 'text/vnd.familysearch.gedcom; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${site.tree.person(i).id.replace(/[^A-Za-z0-9_.-]/g, '_')}-ancestors.ged"`);
  res.setHeader('cache-control', 'no-store');
  res.end(text);
}

export function searchPage(res: ServerResponse, site: PageContext, url: URL, csrf: string): void {
  const params = new URLSearchParams([...url.searchParams].filter(([, v]) => v.trim() !== ''));
  const { query, page, pageSize } = searchParams(params);
  const result = site.index.search(query, page, pageSize);
  const rows = result.people.map((i) => personItem(site.tree, i)).join('');
  html(res, 200, layout('Search', csrf, `<h1>Search</h1><p id="total">${result.total} found</p><ul id="results">${rows}</ul>`));
}

export function notFoundPage(res: ServerResponse, csrf: string): void {
  html(res, 404, layout('Not found', csrf, '<h1>Page not found</h1>'));
}

/** A person as a list item linking to their page, with their lifespan. */
function personItem(tree: FamilyTree, i: number, link?: string): string {
  const s = personSummary(tree, i);
  const how = link === undefined || link === 'birth' ? '' : ` <span class="link">(${esc(link)})</span>`;
  return `<li><a href="/person/${esc(s.id)}">${esc(s.name)}</a> ${esc(s.lifespan)}${how}</li>`;
}

function eventText(e: Person['birth']): string {
  if (!e) return '';
  return [e.date?.text, e.place].filter(Boolean).join(', ');
}

function layout(title: string, csrf: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>
<nav><a href="/tree">Tree</a> <form id="sign-out" method="post" action="/sign-out" style="display:inline"><input type="hidden" name="csrf" value="${esc(csrf)}"><button>Sign out</button></form></nav>
${body}</body></html>`;
}

export function signInPage(csrf: string | undefined, message: string | undefined): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in</title></head><body><h1>Sign in</h1>
${message ? `<p id="message" role="alert">${esc(message)}</p>` : ''}
${
  csrf
    ? `<form id="sign-in" method="post" action="/sign-in"><input type="hidden" name="csrf" value="${esc(csrf)}">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form>`
    : '<p><a href="/sign-in">Start again</a></p>'
}</body></html>`;
}

export function twoFactorPage(csrf: string, message?: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Two-step verification</title></head><body><h1>Two-step verification</h1>
${message ? `<p id="message" role="alert">${esc(message)}</p>` : ''}
<form id="two-factor" method="post" action="/sign-in/2fa"><input type="hidden" name="csrf" value="${esc(csrf)}">
<label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code"></label><button type="submit">Verify</button></form></body></html>`;
}
