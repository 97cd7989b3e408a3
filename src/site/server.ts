import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import type { FamilyTree } from '../genealogy/tree.js';
import { SearchIndex } from '../genealogy/search-index.js';
import { type SiteKnobs, NO_KNOBS, checkAdmin, validateKnobs } from './admin.js';
import * as api from './api.js';
import { guardConnections } from '../internal/connection-guard.js';
import { Auth, DEFAULT_SIGN_IN_LIMITS, DEFAULT_SITE_CAPS, type Session, type SignInLimits, type SiteCaps, type SiteUser } from './auth.js';
import { HttpError, decodeSegment, header, readForm, readJson, redirect, safeEqual, sendError, sendJson } from './http.js';
import * as pages from './pages.js';
import { badOption, integerIn } from '../internal/options.js';
import { InvalidOptionError } from '../errors.js';

export type { SiteKnobs } from './admin.js';
export type { SignInLimits, SiteCaps, SiteUser } from './auth.js';

/**
 * The reference tree site: a real HTTP server that behaves like the family-tree services our
 * users automate. HTML sign-in with a CSRF token and an optional TOTP second factor, with limits
 * on guessing; sessions in an HttpOnly cookie with a TTL; a JSON API (identity, CSRF token,
 * person search with server-side filters and pagination, person facts, family, kinship ladder,
 * bookmarks); a token bucket per session answered with 429 + Retry-After; and knobs for tests
 * and benchmarks (latency, error rate, 429 storm, session invalidation, responses that never
 * finish), off by default, settable at start and through an admin endpoint that exists only
 * when enabled. Every route is one entry of {@link ROUTES}.
 */

/** A running reference site. */
export interface TreeSiteOptions {
  readonly tree: FamilyTree;
  /** The tree's home person (person number), the default end of kinship ladders. */
  readonly referencePerson: number;
  readonly users: readonly SiteUser[];
  /** Default 127.0.0.1. */
  readonly host?: string;
  /**
   * Host names (without port) the site answers to besides IP addresses and `localhost`: a request
   * addressed by any other name is refused (421), so a web page elsewhere cannot reach the site
   * through a DNS name it points at this address (DNS rebinding). Default none.
   */
  readonly allowedHosts?: readonly string[];
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Session lifetime from sign-in. Default 30 minutes. */
  readonly sessionTtlMs?: number;
  /** Per session. Default 20 requests at once, 10 per second. */
  readonly rateLimit?: { readonly capacity: number; readonly refillPerSecond: number } | false;
  /** Faults to inject from the start: latency per route, an error rate, a 429 storm, hanging routes. */
  readonly knobs?: Partial<SiteKnobs>;
  /** Enables `/admin/*` with this token in the `x-admin-token` header. Default: disabled. */
  readonly adminToken?: string;
  /** Tree name shown on pages. */
  readonly treeName?: string;
  /** Wall clock in ms (sessions, TOTP, sign-in limits). Default `Date.now`. */
  readonly now?: () => number;
  /** Limits on wrong passwords and codes (defaults in {@link DEFAULT_SIGN_IN_LIMITS}). */
  readonly signInLimits?: Partial<SignInLimits>;
  /** Bounds on what clients can make the site hold (defaults in {@link DEFAULT_SITE_CAPS}). */
  readonly caps?: Partial<SiteCaps>;
  /**
   * Connections open at once, from all clients (default 256) and from one client address (default
   * 32). At a bound the oldest idle connection (still sending its headers, or kept alive between
   * requests) of that client (or, at the global bound, of anyone) is closed to make room; when none
   * is idle, the new one is closed. One client's flood so crowds out only itself.
   */
  readonly maxConnections?: number;
  readonly maxConnectionsPerClient?: number;
  /** Time a client has to send its request headers, and its whole request. Defaults 10 000 and 20 000 ms. */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /**
   * Called for every signed-in request the site is about to serve on a route (after the session,
   * rate and CSRF checks), with its method and URL: where benchmarks and tests count executions of
   * their own tasks (a query parameter of theirs) at the site. Not for admin or open routes.
   */
  readonly onServe?: (method: string, url: URL) => void;
}

/** A running reference site. */
export interface TreeSite {
  readonly origin: string;
  readonly tree: FamilyTree;
  readonly referencePerson: number;
  /** Requests per route key since start (or the last reset); requests for no route count under `unmatched`. */
  counts(): Record<string, number>;
  /** How many times the ladder of a person id was requested. */
  ladderFetches(personId: string): number;
  /** Start the request counts from zero. */
  resetCounts(): void;
  /** The faults injected now. */
  knobs(): SiteKnobs;
  /** Change the injected faults; returns them as now set. */
  setKnobs(knobs: Partial<SiteKnobs>): SiteKnobs;
  /** Sign every session out now; returns how many there were. */
  invalidateSessions(): number;
  /** Sign-in flows, sessions and failure records held now. */
  held(): { flows: number; sessions: number; failureRecords: number };
  /** Stop serving and close every connection. */
  close(): Promise<void>;
}

/** Who may use a route: anyone and at once, anyone (sign-in), a signed-in session, or the admin token. */
type Access = 'open' | 'sign-in' | 'session' | 'admin';

interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The path's `:name` segments, %-decoded, in order. */
  readonly params: readonly string[];
  /** Set for `session` routes. */
  readonly session: Session;
  readonly site: SiteState;
}

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly access: Access;
  run(ctx: RouteContext): void | Promise<void>;
}

/** What the routes share. */
interface SiteState extends api.ApiContext, pages.PageContext {
  readonly auth: Auth;
  readonly api: TreeSite;
}

const UNMATCHED = 'unmatched';

const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: '/healthz', access: 'open', run: ({ res }) => sendJson(res, 200, { ok: true }) },
  {
    method: 'GET',
    pattern: '/favicon.ico',
    access: 'open',
    // Public, so a browser's icon request never lands on the sign-in page (and starts a new sign-in there).
    run: ({ res }) => {
      res.statusCode = 204;
      res.setHeader('cache-control', 'max-age=86400');
      res.end();
    },
  },
  { method: 'GET', pattern: '/sign-in', access: 'sign-in', run: ({ req, res, url, site }) => site.auth.showSignIn(req, res, url) },
  { method: 'POST', pattern: '/sign-in', access: 'sign-in', run: ({ req, res, site }) => site.auth.submitPassword(req, res) },
  { method: 'GET', pattern: '/sign-in/2fa', access: 'sign-in', run: ({ req, res, url, site }) => site.auth.showTwoFactor(req, res, url) },
  { method: 'POST', pattern: '/sign-in/2fa', access: 'sign-in', run: ({ req, res, site }) => site.auth.submitCode(req, res) },
  // API
  { method: 'GET', pattern: '/api/me', access: 'session', run: ({ res, site, session }) => api.me(res, site, session) },
  { method: 'GET', pattern: '/api/csrf', access: 'session', run: ({ res, session }) => api.csrf(res, session) },
  { method: 'GET', pattern: '/api/persons', access: 'session', run: ({ res, site, url }) => api.searchPersons(res, site, url) },
  {
    method: 'GET',
    pattern: '/api/persons/:id',
    access: 'session',
    run: ({ res, site, params }) => api.person(res, site, params[0] as string),
  },
  {
    method: 'GET',
    pattern: '/api/persons/:id/family',
    access: 'session',
    run: ({ res, site, params }) => api.family(res, site, params[0] as string),
  },
  {
    method: 'GET',
    pattern: '/api/persons/:id/ladder',
    access: 'session',
    run: ({ res, site, params, url }) => api.ladder(res, site, params[0] as string, url),
  },
  { method: 'GET', pattern: '/api/export', access: 'session', run: ({ res, site, url }) => api.exportPeople(res, site, url) },
  { method: 'GET', pattern: '/api/bookmarks', access: 'session', run: ({ res, session }) => api.bookmarks(res, session) },
  {
    method: 'POST',
    pattern: '/api/bookmarks',
    access: 'session',
    run: ({ req, res, site, session }) => api.addBookmark(req, res, site, session),
  },
  {
    method: 'POST',
    pattern: '/api/sign-out',
    access: 'session',
    run: ({ res, site, session }) => {
      site.auth.signOut(res, session);
      sendJson(res, 200, { signedOut: true });
    },
  },
  // Pages
  { method: 'GET', pattern: '/', access: 'session', run: ({ res }) => pages.homePage(res) },
  {
    method: 'GET',
    pattern: '/tree',
    access: 'session',
    run: ({ res, site, session }) => pages.treePage(res, site, (site.users[session.user] as { username: string }).username, session.csrf),
  },
  {
    method: 'GET',
    pattern: '/person/:id',
    access: 'session',
    run: ({ res, site, params, session }) => pages.personPage(res, site, params[0] as string, session.csrf),
  },
  {
    method: 'GET',
    pattern: '/person/:id/export.ged',
    access: 'session',
    run: ({ res, site, params, session }) => pages.exportPage(res, site, params[0] as string, session.csrf),
  },
  {
    method: 'GET',
    pattern: '/search',
    access: 'session',
    run: ({ res, site, url, session }) => pages.searchPage(res, site, url, session.csrf),
  },
  {
    method: 'POST',
    pattern: '/sign-out',
    access: 'session',
    run: ({ res, site, session }) => {
      site.auth.signOut(res, session);
      redirect(res, '/sign-in');
    },
  },
  // Admin (only with an admin token)
  { method: 'GET', pattern: '/admin/knobs', access: 'admin', run: ({ res, site }) => sendJson(res, 200, site.api.knobs()) },
  {
    method: 'POST',
    pattern: '/admin/knobs',
    access: 'admin',
    run: async ({ req, res, site }) => {
      const body = await readJson(req);
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new HttpError(400, 'bad_parameter', 'Body must be a JSON object of knobs');
      sendJson(res, 200, site.api.setKnobs(body));
    },
  },
  {
    method: 'POST',
    pattern: '/admin/invalidate-sessions',
    access: 'admin',
    run: ({ res, site }) => sendJson(res, 200, { invalidated: site.api.invalidateSessions() }),
  },
  {
    method: 'GET',
    pattern: '/admin/stats',
    access: 'admin',
    run: ({ res, site }) => sendJson(res, 200, { counts: site.api.counts(), ladders: Object.fromEntries(site.ladders) }),
  },
];

interface CompiledRoute extends Route {
  readonly key: string;
  readonly regex: RegExp;
}

const COMPILED: readonly CompiledRoute[] = ROUTES.map((r) => ({
  ...r,
  key: `${r.method} ${r.pattern}`,
  regex: new RegExp(`^${r.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[a-z]+/g, '([^/]+)')}$`),
}));

/** The route for a request, or whether the path exists under another method. */
function match(method: string, path: string): { route: CompiledRoute; params: string[] } | { route: undefined; pathExists: boolean } {
  let pathExists = false;
  for (const route of COMPILED) {
    const m = route.regex.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      pathExists = true;
      continue;
    }
    return { route, params: m.slice(1).map((s) => decodeSegment(s)) };
  }
  return { route: undefined, pathExists };
}

/** Start the reference site on 127.0.0.1 for `tree`: sign-in (with an optional second factor), pages, the JSON API, rate limits and bounds on what an unauthenticated client can hold. */
export async function startTreeSite(options: TreeSiteOptions): Promise<TreeSite> {
  const { tree, referencePerson } = options;
  integerIn('referencePerson', referencePerson, 0, tree.size - 1);
  if (!Array.isArray(options.users) || options.users.length === 0)
    throw badOption('users', 'a list of at least one user ({ username, password })', options.users);
  const now = options.now ?? Date.now;
  const rate = options.rateLimit === undefined ? { capacity: 20, refillPerSecond: 10 } : options.rateLimit;
  const auth = new Auth({
    users: options.users,
    now,
    sessionTtlMs: options.sessionTtlMs ?? 30 * 60_000,
    rateLimit: rate,
    limits: { ...DEFAULT_SIGN_IN_LIMITS, ...options.signInLimits },
    caps: { ...DEFAULT_SITE_CAPS, ...options.caps },
  });
  // Keys come from the route table (and `unmatched`), never from the raw path: the map stays small.
  const counts = new Map<string, number>();
  const ladders = new Map<string, number>();
  const held = new Set<ServerResponse>();
  let knobs: SiteKnobs;
  try {
    knobs = validateKnobs({ ...NO_KNOBS, ...options.knobs });
  } catch (error) {
    // The admin endpoint answers this as a 400; a caller of startTreeSite gets the typed option error.
    throw new InvalidOptionError(`knobs: ${(error as Error).message}`);
  }

  const server: Server = createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 20_000,
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (error instanceof HttpError) sendError(res, error);
        else sendError(res, new HttpError(500, 'internal', 'The server failed to answer this request')); // no stack traces leak
      });
    },
  );
  server.keepAliveTimeout = 5000;
  guardConnections(server, { maxConnections: options.maxConnections ?? 256, perClient: options.maxConnectionsPerClient ?? 32 });

  const allowedNames = new Set(['localhost', ...(options.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Every answer: never framed by another site, never sniffed as another type.
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('content-security-policy', "frame-ancestors 'none'");
    if (!hostAllowed(req.headers.host, allowedNames)) {
      throw new HttpError(
        421,
        'misdirected_request',
        'This site answers requests addressed to it by IP address or localhost (or a name it was started with: allowedHosts, serve --allowed-host)',
      );
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://site.invalid');
    } catch {
      throw new HttpError(400, 'bad_path', 'The request target is not a path');
    }
    const method = req.method ?? 'GET';
    const found = match(method, url.pathname);
    const route = found.route;
    const params = found.route ? found.params : [];
    const pathExists = !found.route && found.pathExists;
    const key = route?.key ?? UNMATCHED;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const run = (session?: Session): void | Promise<void> =>
      (route as CompiledRoute).run({ req, res, url, params, session: session as Session, site: state });
    if (route?.access === 'open') return run();
    if (url.pathname.startsWith('/admin/')) {
      checkAdmin(req, options.adminToken);
      if (!route)
        throw new HttpError(
          pathExists ? 405 : 404,
          pathExists ? 'method_not_allowed' : 'not_found',
          `No admin route ${method} ${url.pathname.slice(0, 200)}`,
        );
      return run();
    }
    if (knobs.hang.includes('*') || knobs.hang.includes(key)) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const delay = knobs.latencyMs[key] ?? knobs.latencyMs['*'] ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (knobs.errorRate > 0 && Math.random() < knobs.errorRate)
      throw new HttpError(500, 'injected_error', 'Injected server error (errorRate knob)');
    if (route?.access === 'sign-in') return run();

    const isApi = url.pathname.startsWith('/api/');
    const session = auth.currentSession(req);
    if (!session) {
      if (isApi)
        throw new HttpError(401, 'unauthenticated', 'Sign in first: no valid session cookie (it is missing, expired or signed out)');
      return redirect(res, `/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`);
    }
    if (knobs.storm429) throw new HttpError(429, 'rate_limited', 'Too many requests (429 storm knob)', undefined, { 'retry-after': '1' });
    if (session.bucket) {
      const taken = session.bucket.take(performance.now());
      if (!taken.ok) {
        throw new HttpError(
          429,
          'rate_limited',
          `Too many requests: at most ${session.bucket.refillPerSecond} per second per session`,
          undefined,
          {
            'retry-after': String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))),
          },
        );
      }
    }
    if (method !== 'GET' && method !== 'HEAD') {
      const token = isApi ? header(req, 'x-csrf-token') : (await readForm(req)).get('csrf');
      if (!token || !safeEqual(token, session.csrf))
        throw new HttpError(
          403,
          'csrf',
          isApi ? 'Missing or wrong X-CSRF-Token header (get one from GET /api/csrf)' : 'The form is stale: reload the page',
        );
    }
    if (!route) {
      if (pathExists) throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here`);
      if (isApi) throw new HttpError(404, 'not_found', `No API route ${method} ${url.pathname.slice(0, 200)}`);
      return pages.notFoundPage(res, session.csrf);
    }
    options.onServe?.(method, url);
    return run(session);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    auth.close();
    throw error;
  }
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
    invalidateSessions: () => auth.invalidateAll(),
    held: () => auth.held(),
    close: () =>
      new Promise<void>((resolve) => {
        auth.close();
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const state: SiteState = {
    tree,
    index: new SearchIndex(tree),
    referencePerson,
    treeName: options.treeName ?? 'Family tree',
    users: auth.users,
    ladders,
    auth,
    api: site,
  };
  return site;
}

/** Whether a request's Host names this site: an IP address, `localhost`, or one of `names`. */
function hostAllowed(host: string | undefined, names: ReadonlySet<string>): boolean {
  if (host === undefined || host === '') return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(host);
  if (!m) return false;
  const name = (m[1] as string).toLowerCase();
  return name.startsWith('[') || isIP(name) === 4 || names.has(name);
}
