import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { familyView, fullName, ladderView, personSummary, personView } from '../genealogy/views.js';
import type { FamilyTree, Person } from '../genealogy/tree.js';
import { SearchIndex, type SearchQuery } from '../genealogy/search-index.js';
import { TokenBucket } from './token-bucket.js';
import { verifyTotp } from '../internal/totp.js';

/**
 * The reference tree site: a real HTTP server that behaves like the family-tree services our
 * users automate. HTML sign-in with a CSRF token and an optional TOTP second factor; sessions
 * in an HttpOnly cookie with a TTL; a JSON API (identity, CSRF token, person search with
 * server-side filters and pagination, person facts, family, kinship ladder, bookmarks); a token
 * bucket per session answered with 429 + Retry-After; and knobs for tests and benchmarks
 * (latency, error rate, 429 storm, session invalidation, responses that never finish), off by
 * default, settable at start and through an admin endpoint that exists only when enabled.
 */

export interface SiteUser {
  readonly username: string;
  readonly password: string;
  /** Base32 TOTP secret: when set, sign-in asks for a code after the password. */
  readonly totpSecret?: string;
}

export interface SiteKnobs {
  /** Added delay per route key (`GET /api/persons`, `GET /person/:id`, …) or `*` for every route. */
  readonly latencyMs: Readonly<Record<string, number>>;
  /** Share of requests (0–1) answered 500 on purpose. */
  readonly errorRate: number;
  /** While true, every signed-in request gets 429 with Retry-After. */
  readonly storm429: boolean;
  /** Route keys (or `*`) whose requests are accepted and never answered. */
  readonly hang: readonly string[];
}

export interface TreeSiteOptions {
  readonly tree: FamilyTree;
  /** The tree's home person (person number), the default end of kinship ladders. */
  readonly referencePerson: number;
  readonly users: readonly SiteUser[];
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Session lifetime from sign-in. Default 30 minutes. */
  readonly sessionTtlMs?: number;
  /** Per session. Default 20 requests at once, 10 per second. */
  readonly rateLimit?: { readonly capacity: number; readonly refillPerSecond: number } | false;
  readonly knobs?: Partial<SiteKnobs>;
  /** Enables `/admin/*` with this token in the `x-admin-token` header. Default: disabled. */
  readonly adminToken?: string;
  /** Tree name shown on pages. */
  readonly treeName?: string;
  /** Wall clock in ms (sessions, TOTP). Default `Date.now`. */
  readonly now?: () => number;
}

export interface TreeSite {
  readonly origin: string;
  readonly tree: FamilyTree;
  readonly referencePerson: number;
  /** Requests per route key since start (or the last reset). */
  counts(): Record<string, number>;
  /** How many times the ladder of a person id was requested. */
  ladderFetches(personId: string): number;
  resetCounts(): void;
  knobs(): SiteKnobs;
  setKnobs(knobs: Partial<SiteKnobs>): SiteKnobs;
  /** Sign every session out now; returns how many there were. */
  invalidateSessions(): number;
  close(): Promise<void>;
}

interface Session {
  readonly id: string;
  readonly user: number;
  readonly csrf: string;
  readonly expiresAt: number;
  readonly bucket: TokenBucket | undefined;
  readonly bookmarks: Set<string>;
}

interface SignInFlow {
  readonly id: string;
  readonly csrf: string;
  readonly next: string;
  readonly expiresAt: number;
  user: number | undefined;
}

interface StoredUser {
  readonly username: string;
  readonly salt: Buffer;
  readonly hash: Buffer;
  readonly totpSecret: string | undefined;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const SEARCH_PARAMS = ['given', 'surname', 'sex', 'birthYearFrom', 'birthYearTo', 'birthPlace', 'deathYearFrom', 'deathYearTo', 'deathPlace', 'page', 'pageSize'] as const;
const MAX_BODY = 64 * 1024;

export async function startTreeSite(options: TreeSiteOptions): Promise<TreeSite> {
  const { tree, referencePerson } = options;
  if (referencePerson < 0 || referencePerson >= tree.size) throw new RangeError(`referencePerson ${referencePerson} is not a person of the tree`);
  if (options.users.length === 0) throw new RangeError('the site needs at least one user');
  const now = options.now ?? Date.now;
  const ttl = options.sessionTtlMs ?? 30 * 60_000;
  const rate = options.rateLimit === undefined ? { capacity: 20, refillPerSecond: 10 } : options.rateLimit;
  const users: StoredUser[] = options.users.map((u) => {
    const salt = randomBytes(16);
    return { username: u.username, salt, hash: scryptSync(u.password, salt, 32), totpSecret: u.totpSecret };
  });
  const index = new SearchIndex(tree);
  const sessions = new Map<string, Session>();
  const flows = new Map<string, SignInFlow>();
  const counts = new Map<string, number>();
  const ladders = new Map<string, number>();
  const held = new Set<ServerResponse>();
  let knobs: SiteKnobs = validateKnobs({ latencyMs: {}, errorRate: 0, storm429: false, hang: [], ...options.knobs });
  const treeName = options.treeName ?? 'Family tree';

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) sendError(res, error);
      else sendError(res, new HttpError(500, 'internal', 'The server failed to answer this request')); // no stack traces leak
    });
  });
  server.keepAliveTimeout = 5000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://site.invalid');
    const method = req.method ?? 'GET';
    const route = routeKey(method, url.pathname);
    counts.set(route, (counts.get(route) ?? 0) + 1);
    if (route === 'GET /healthz') return sendJson(res, 200, { ok: true });
    if (route === 'GET /favicon.ico') {
      // Public, so a browser's icon request never lands on the sign-in page (and starts a new sign-in there).
      res.statusCode = 204;
      res.setHeader('cache-control', 'max-age=86400');
      return void res.end();
    }
    if (url.pathname.startsWith('/admin/')) return admin(req, res, method, url);
    if (knobs.hang.includes('*') || knobs.hang.includes(route)) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const delay = knobs.latencyMs[route] ?? knobs.latencyMs['*'] ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (knobs.errorRate > 0 && Math.random() < knobs.errorRate) throw new HttpError(500, 'injected_error', 'Injected server error (errorRate knob)');
    const isApi = url.pathname.startsWith('/api/');

    // Sign-in pages: no session needed.
    if (url.pathname === '/sign-in' || url.pathname === '/sign-in/2fa') return signIn(req, res, method, url);

    const session = currentSession(req);
    if (!session) {
      if (isApi) throw new HttpError(401, 'unauthenticated', 'Sign in first: no valid session cookie (it is missing, expired or signed out)');
      return redirect(res, `/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`);
    }
    if (knobs.storm429) throw new HttpError(429, 'rate_limited', 'Too many requests (429 storm knob)', undefined, { 'retry-after': '1' });
    if (session.bucket) {
      const taken = session.bucket.take(performance.now());
      if (!taken.ok) {
        throw new HttpError(429, 'rate_limited', `Too many requests: at most ${rate ? rate.refillPerSecond : 0} per second per session`, undefined, {
          'retry-after': String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))),
        });
      }
    }
    if (method !== 'GET' && method !== 'HEAD') {
      const token = isApi ? header(req, 'x-csrf-token') : (await readForm(req)).get('csrf');
      if (!token || !safeEqual(token, session.csrf)) throw new HttpError(403, 'csrf', isApi ? 'Missing or wrong X-CSRF-Token header (get one from GET /api/csrf)' : 'The form is stale: reload the page');
    }
    if (isApi) return api(req, res, method, url, session);
    return page(res, method, url, session);
  }

  // ── sign-in ────────────────────────────────────────────────────────────────────────────

  async function signIn(req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
    const flowCookie = cookie(req, 'signin_flow');
    let flow = flowCookie ? flows.get(flowCookie) : undefined;
    if (flow && flow.expiresAt < now()) {
      flows.delete(flow.id);
      flow = undefined;
    }
    if (method === 'GET') {
      if (url.pathname === '/sign-in/2fa' && flow?.user !== undefined) return html(res, 200, twoFactorPage(flow.csrf));
      const next = safeNext(url.searchParams.get('next'));
      // A sign-in already under way keeps its token, so two tabs (or a reload) do not invalidate each other.
      flow = flow && flow.user === undefined ? { ...flow, next } : { id: token(), csrf: token(), next, expiresAt: now() + 10 * 60_000, user: undefined };
      flows.set(flow.id, flow);
      res.setHeader('set-cookie', `signin_flow=${flow.id}; HttpOnly; SameSite=Lax; Path=/sign-in; Max-Age=600`);
      return html(res, 200, signInPage(flow.csrf, undefined));
    }
    if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here`);
    const form = await readForm(req);
    if (!flow || !safeEqual(form.get('csrf') ?? '', flow.csrf)) {
      return html(res, 403, signInPage(undefined, 'This sign-in form expired. Reload the page and try again.'));
    }
    if (url.pathname === '/sign-in') {
      const u = users.findIndex((x) => x.username === (form.get('username') ?? ''));
      const user = users[u];
      const ok = user !== undefined && timingSafeEqual(scryptSync(form.get('password') ?? '', user.salt, 32), user.hash);
      if (!ok) return html(res, 401, signInPage(flow.csrf, 'Wrong username or password.'));
      if (user.totpSecret) {
        flow.user = u;
        return redirect(res, '/sign-in/2fa');
      }
      return startSession(res, flow, u);
    }
    // /sign-in/2fa
    const user = flow.user === undefined ? undefined : users[flow.user];
    if (!user?.totpSecret) return redirect(res, '/sign-in');
    if (!verifyTotp(user.totpSecret, (form.get('code') ?? '').trim(), now())) return html(res, 401, twoFactorPage(flow.csrf, 'That code is not valid. Enter the current 6-digit code.'));
    return startSession(res, flow, flow.user as number);
  }

  function startSession(res: ServerResponse, flow: SignInFlow, user: number): void {
    flows.delete(flow.id);
    const session: Session = {
      id: token(),
      user,
      csrf: token(),
      expiresAt: now() + ttl,
      bucket: rate ? new TokenBucket(rate.capacity, rate.refillPerSecond, performance.now()) : undefined,
      bookmarks: new Set(),
    };
    sessions.set(session.id, session);
    res.setHeader('set-cookie', [
      `sid=${session.id}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${Math.max(1, Math.floor(ttl / 1000))}`,
      'signin_flow=; HttpOnly; SameSite=Lax; Path=/sign-in; Max-Age=0',
    ]);
    redirect(res, flow.next);
  }

  function currentSession(req: IncomingMessage): Session | undefined {
    const id = cookie(req, 'sid');
    const session = id ? sessions.get(id) : undefined;
    if (!session) return undefined;
    if (session.expiresAt <= now()) {
      sessions.delete(session.id);
      return undefined;
    }
    return session;
  }

  // ── API ────────────────────────────────────────────────────────────────────────────────

  async function api(req: IncomingMessage, res: ServerResponse, method: string, url: URL, session: Session): Promise<void> {
    const path = url.pathname;
    if (method === 'GET' && path === '/api/me') {
      const user = users[session.user] as StoredUser;
      return sendJson(res, 200, { userId: `u${session.user + 1}`, username: user.username, treeId: 't1', treeName, referencePerson: personSummary(tree, referencePerson) });
    }
    if (method === 'GET' && path === '/api/csrf') return sendJson(res, 200, { token: session.csrf });
    if (method === 'GET' && path === '/api/persons') {
      const { query, page, pageSize } = searchParams(url.searchParams);
      const result = index.search(query, page, pageSize);
      return sendJson(res, 200, { page, pageSize, total: result.total, pages: Math.ceil(result.total / pageSize), persons: result.people.map((i) => personView(tree.person(i))) });
    }
    const m = /^\/api\/persons\/([^/]+)(\/family|\/ladder)?$/.exec(path);
    if (method === 'GET' && m) {
      const i = personParam(decodeURIComponent(m[1] as string), 'id');
      if (m[2] === undefined) return sendJson(res, 200, personView(tree.person(i)));
      if (m[2] === '/family') return sendJson(res, 200, familyView(tree, i));
      const toParam = url.searchParams.get('to');
      for (const key of url.searchParams.keys()) if (key !== 'to') throw new HttpError(400, 'bad_parameter', `Unknown parameter "${key}"; the ladder takes only "to"`, key);
      const to = toParam === null ? referencePerson : personParam(toParam, 'to');
      const id = tree.person(i).id;
      ladders.set(id, (ladders.get(id) ?? 0) + 1);
      // The path runs from the person to `to` (the home person by default), and every step says
      // what that person is to `to`, as family-tree sites show "relationship to me".
      return sendJson(res, 200, ladderView(tree, i, to));
    }
    if (path === '/api/bookmarks') {
      if (method === 'GET') return sendJson(res, 200, { bookmarks: [...session.bookmarks] });
      if (method === 'POST') {
        const body = await readJson(req);
        const id = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['id'] : undefined;
        if (typeof id !== 'string') throw new HttpError(400, 'bad_parameter', 'Body must be JSON {"id": "<person id>"}', 'id');
        personParam(id, 'id');
        session.bookmarks.add(id);
        return sendJson(res, 201, { bookmarks: [...session.bookmarks] });
      }
    }
    if (method === 'POST' && path === '/api/sign-out') {
      sessions.delete(session.id);
      res.setHeader('set-cookie', 'sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0');
      return sendJson(res, 200, { signedOut: true });
    }
    throw new HttpError(404, 'not_found', `No API route ${method} ${path}`);
  }

  function searchParams(params: URLSearchParams): { query: SearchQuery; page: number; pageSize: number } {
    for (const key of params.keys()) {
      if (!(SEARCH_PARAMS as readonly string[]).includes(key)) throw new HttpError(400, 'bad_parameter', `Unknown search parameter "${key}"; known: ${SEARCH_PARAMS.join(', ')}`, key);
    }
    const text = (name: string): string | undefined => {
      const v = params.get(name);
      if (v === null || v.trim() === '') return undefined;
      if (v.trim().length < 2 || v.length > 100) throw new HttpError(400, 'bad_parameter', `"${name}" must be 2 to 100 characters`, name);
      return v.trim();
    };
    const int = (name: string, min: number, max: number): number | undefined => {
      const v = params.get(name);
      if (v === null || v === '') return undefined;
      if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new HttpError(400, 'bad_parameter', `"${name}" must be a whole number from ${min} to ${max}`, name);
      return Number(v);
    };
    const sex = params.get('sex') ?? undefined;
    if (sex !== undefined && sex !== '' && !['M', 'F', 'U'].includes(sex)) throw new HttpError(400, 'bad_parameter', '"sex" must be M, F or U', 'sex');
    const query: SearchQuery = stripUndefined({
      given: text('given'),
      surname: text('surname'),
      sex: sex === '' ? undefined : (sex as 'M' | 'F' | 'U' | undefined),
      birthYearFrom: int('birthYearFrom', -5000, 3000),
      birthYearTo: int('birthYearTo', -5000, 3000),
      birthPlace: text('birthPlace'),
      deathYearFrom: int('deathYearFrom', -5000, 3000),
      deathYearTo: int('deathYearTo', -5000, 3000),
      deathPlace: text('deathPlace'),
    });
    for (const [from, to] of [
      ['birthYearFrom', 'birthYearTo'],
      ['deathYearFrom', 'deathYearTo'],
    ] as const) {
      const a = query[from];
      const b = query[to];
      if (a !== undefined && b !== undefined && a > b) throw new HttpError(400, 'bad_parameter', `"${from}" (${a}) is after "${to}" (${b})`, from);
    }
    return { query, page: int('page', 1, 1_000_000) ?? 1, pageSize: int('pageSize', 1, 100) ?? 20 };
  }

  function personParam(id: string, name: string): number {
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(id)) throw new HttpError(400, 'bad_parameter', `"${name}" is not a person id (letters, digits, _ . -)`, name);
    const i = tree.indexOf(id);
    if (i === undefined) throw new HttpError(404, 'not_found', `No person with id ${id}`, name);
    return i;
  }


  // ── pages ──────────────────────────────────────────────────────────────────────────────

  function page(res: ServerResponse, method: string, url: URL, session: Session): void {
    const user = users[session.user] as StoredUser;
    if (method === 'POST' && url.pathname === '/sign-out') {
      sessions.delete(session.id);
      res.setHeader('set-cookie', 'sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0');
      return redirect(res, '/sign-in');
    }
    if (method !== 'GET') throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here`);
    if (url.pathname === '/') return redirect(res, '/tree');
    if (url.pathname === '/tree') {
      const ref = tree.person(referencePerson);
      return html(
        res,
        200,
        layout(
          treeName,
          session.csrf,
          `<h1>${esc(treeName)}</h1><p id="welcome">Signed in as <b>${esc(user.username)}</b>. ${tree.size} people.</p>
<p>Home person: <a id="home-person" href="/person/${esc(ref.id)}">${esc(fullName(ref))}</a></p>
<form id="search" action="/search"><input name="given" placeholder="Given name"><input name="surname" placeholder="Surname"><button>Search</button></form>`,
        ),
      );
    }
    const pm = /^\/person\/([^/]+)$/.exec(url.pathname);
    if (pm) {
      const i = tree.indexOf(decodeURIComponent(pm[1] as string));
      if (i === undefined) return html(res, 404, layout('Not found', session.csrf, '<h1>No such person</h1>'));
      const p = tree.person(i);
      const links = (ids: number[]): string => ids.map(personItem).join('');
      const steps = ladderView(tree, i, referencePerson).steps.map((s) => `<li>${esc(s.name)} (${esc(s.lifespan)}) - ${esc(s.relationship)}</li>`).join('');
      return html(
        res,
        200,
        layout(
          fullName(p),
          session.csrf,
          `<h1 id="person-name" data-id="${esc(p.id)}">${esc(fullName(p))}</h1>
<dl><dt>Sex</dt><dd id="sex">${p.sex}</dd><dt>Born</dt><dd id="born">${esc(eventText(p.birth))}</dd><dt>Died</dt><dd id="died">${esc(eventText(p.death))}</dd></dl>
<h2>Parents</h2><ul id="parents">${links(tree.parents(i))}</ul><h2>Spouses</h2><ul id="spouses">${links(tree.spouses(i))}</ul><h2>Children</h2><ul id="children">${links(tree.children(i))}</ul>
<h2>Relationship to the home person</h2><ol id="ladder">${steps}</ol>`,
        ),
      );
    }
    if (url.pathname === '/search') {
      const params = new URLSearchParams([...url.searchParams].filter(([, v]) => v.trim() !== ''));
      const { query, page: n, pageSize } = searchParams(params);
      const result = index.search(query, n, pageSize);
      const rows = result.people.map(personItem).join('');
      return html(res, 200, layout('Search', session.csrf, `<h1>Search</h1><p id="total">${result.total} found</p><ul id="results">${rows}</ul>`));
    }
    return html(res, 404, layout('Not found', session.csrf, '<h1>Page not found</h1>'));
  }

  /** A person as a list item linking to their page, with their lifespan. */
  function personItem(i: number): string {
    const s = personSummary(tree, i);
    return `<li><a href="/person/${esc(s.id)}">${esc(s.name)}</a> ${esc(s.lifespan)}</li>`;
  }

  // ── admin ──────────────────────────────────────────────────────────────────────────────

  async function admin(req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
    if (options.adminToken === undefined) throw new HttpError(404, 'not_found', 'No such route (the admin endpoint is disabled; start the site with --admin to enable it)');
    if (!safeEqual(header(req, 'x-admin-token') ?? '', options.adminToken)) throw new HttpError(403, 'forbidden', 'Wrong or missing x-admin-token header');
    if (url.pathname === '/admin/knobs' && method === 'GET') return sendJson(res, 200, knobs);
    if (url.pathname === '/admin/knobs' && method === 'POST') {
      const body = await readJson(req);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'bad_parameter', 'Body must be a JSON object of knobs');
      return sendJson(res, 200, site.setKnobs(body));
    }
    if (url.pathname === '/admin/invalidate-sessions' && method === 'POST') return sendJson(res, 200, { invalidated: site.invalidateSessions() });
    if (url.pathname === '/admin/stats' && method === 'GET') return sendJson(res, 200, { counts: site.counts(), ladders: Object.fromEntries(ladders) });
    throw new HttpError(404, 'not_found', `No admin route ${method} ${url.pathname}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const site: TreeSite = {
    origin: `http://${host}:${address.port}`,
    tree,
    referencePerson,
    counts: () => Object.fromEntries(counts),
    ladderFetches: (id) => ladders.get(id) ?? 0,
    resetCounts: () => {
      counts.clear();
      ladders.clear();
    },
    knobs: () => knobs,
    setKnobs: (patch) => {
      knobs = validateKnobs({ ...knobs, ...patch });
      return knobs;
    },
    invalidateSessions: () => {
      const n = sessions.size;
      sessions.clear();
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return site;
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────

/** The route a request counts under: ids replaced by `:id`. */
export function routeKey(method: string, path: string): string {
  const p = path
    .replace(/^\/api\/persons\/[^/]+/, '/api/persons/:id')
    .replace(/^\/person\/[^/]+$/, '/person/:id');
  return `${method} ${p}`;
}

function validateKnobs(k: SiteKnobs): SiteKnobs {
  const bad = (what: string): never => {
    throw new HttpError(400, 'bad_parameter', `knob ${what}`, what.split(' ')[0]);
  };
  const known = ['latencyMs', 'errorRate', 'storm429', 'hang'];
  for (const key of Object.keys(k)) if (!known.includes(key)) bad(`${key} is unknown; knobs are ${known.join(', ')}`);
  if (typeof k.latencyMs !== 'object' || k.latencyMs === null) bad('latencyMs must be an object of route → milliseconds');
  for (const [route, ms] of Object.entries(k.latencyMs)) if (typeof ms !== 'number' || !(ms >= 0) || ms > 600_000) bad(`latencyMs["${route}"] must be 0–600000 ms`);
  if (typeof k.errorRate !== 'number' || !(k.errorRate >= 0 && k.errorRate <= 1)) bad('errorRate must be a number from 0 to 1');
  if (typeof k.storm429 !== 'boolean') bad('storm429 must be true or false');
  if (!Array.isArray(k.hang) || !k.hang.every((r) => typeof r === 'string')) bad('hang must be a list of route keys');
  return { latencyMs: { ...k.latencyMs }, errorRate: k.errorRate, storm429: k.storm429, hang: [...k.hang] };
}


function eventText(e: Person['birth']): string {
  if (!e) return '';
  return [e.date?.text, e.place].filter(Boolean).join(', ');
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function token(): string {
  return randomBytes(24).toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function safeNext(next: string | null): string {
  // Only local paths: never redirect off the site after sign-in.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/tree';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'too_large', `Request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const formCache = new WeakMap<IncomingMessage, Promise<URLSearchParams>>();
function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let form = formCache.get(req);
  if (!form) {
    form = readBody(req).then((text) => new URLSearchParams(text));
    formCache.set(req, form);
  }
  return form;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text === '' ? 'null' : text) as unknown;
  } catch {
    throw new HttpError(400, 'bad_json', 'Body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [k, v] of Object.entries(error.headers)) res.setHeader(k, v);
  sendJson(res, error.status, { error: { code: error.code, message: error.message, ...(error.parameter === undefined ? {} : { parameter: error.parameter }) } });
}

function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 302;
  res.setHeader('location', location);
  res.end();
}

function html(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function layout(title: string, csrf: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>
<nav><a href="/tree">Tree</a> <form id="sign-out" method="post" action="/sign-out" style="display:inline"><input type="hidden" name="csrf" value="${esc(csrf)}"><button>Sign out</button></form></nav>
${body}</body></html>`;
}

function signInPage(csrf: string | undefined, message: string | undefined): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in</title></head><body><h1>Sign in</h1>
${message ? `<p id="message" role="alert">${esc(message)}</p>` : ''}
${csrf ? `<form id="sign-in" method="post" action="/sign-in"><input type="hidden" name="csrf" value="${esc(csrf)}">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form>` : '<p><a href="/sign-in">Start again</a></p>'}</body></html>`;
}

function twoFactorPage(csrf: string, message?: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Two-step verification</title></head><body><h1>Two-step verification</h1>
${message ? `<p id="message" role="alert">${esc(message)}</p>` : ''}
<form id="two-factor" method="post" action="/sign-in/2fa"><input type="hidden" name="csrf" value="${esc(csrf)}">
<label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code"></label><button type="submit">Verify</button></form></body></html>`;
}
