import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchTotp } from '../internal/totp.js';
import { TokenBucket } from '../internal/token-bucket.js';
import { HttpError, clientAddress, cookie, html, readForm, redirect, safeEqual, token } from './http.js';
import { signInPage, twoFactorPage } from './pages.js';

/**
 * Users, sign-in flows, sessions and the limits that keep guessing out: the reference site's
 * authentication. A sign-in flow is a CSRF-protected form (password, then a TOTP code when the
 * account has a second factor). Wrong answers are limited per flow, per username and per client
 * address, with delays that double beyond a free allowance and a lockout that expires; a TOTP
 * code is accepted once; an unknown username costs the same password hash as a known one;
 * hashing runs off the event loop, a bounded number at a time; flows and sessions are swept on a
 * timer and capped in number.
 */

export interface SiteUser {
  readonly username: string;
  readonly password: string;
  /** Base32 TOTP secret: when set, sign-in asks for a code after the password. */
  readonly totpSecret?: string;
}

/** How much guessing the site tolerates. */
export interface SignInLimits {
  /** Wrong answers (password or code) one sign-in flow may give; then it ends. Default 5. */
  readonly perFlow: number;
  /** Failures per username from one client address before that pair is locked out (first for `baseDelayMs`). Default 5. */
  readonly perAccount: number;
  /** Failures per client address before it is locked out. Default 20. */
  readonly perAddress: number;
  /** The first delay once over an allowance; it doubles with each further failure. Default 1 000 ms. */
  readonly baseDelayMs: number;
  /** The longest delay: the lockout. Default 15 minutes. */
  readonly maxDelayMs: number;
  /** A username or address is forgiven after this long without a failure, counted from the end of its last lockout. Default 15 minutes. */
  readonly forgetAfterMs: number;
}

/** What an unauthenticated client can make the site hold. */
export interface SiteCaps {
  /** Sign-in flows held at once (the oldest goes first). Default 10 000. */
  readonly maxFlows: number;
  /** Sign-in flows one client address holds at once (its own oldest goes first). Default 32. */
  readonly maxFlowsPerClient: number;
  /** Sessions held at once (the oldest goes first). Default 10 000. */
  readonly maxSessions: number;
  /** Usernames and addresses with failures remembered at once. Default 10 000. */
  readonly maxTracked: number;
  /** Password hashes computed or waiting at once; beyond, 503. Default 16. */
  readonly maxHashing: number;
  /** How often expired flows, sessions and forgiven failures are swept. Default 60 000 ms. */
  readonly sweepMs: number;
}

/** The sign-in limits the site applies when none are given. */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  perFlow: 5,
  perAccount: 5,
  perAddress: 20,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 15 * 60_000,
};
/** The bounds on what the site holds when none are given (sign-in flows, sessions, failure records). */
export const DEFAULT_SITE_CAPS: SiteCaps = {
  maxFlows: 10_000,
  maxFlowsPerClient: 32,
  maxSessions: 10_000,
  maxTracked: 10_000,
  maxHashing: 16,
  sweepMs: 60_000,
};

/** How long a sign-in flow lives. */
const FLOW_TTL_MS = 10 * 60_000;
const SCRYPT_KEY_BYTES = 32;

export interface Session {
  readonly id: string;
  readonly user: number;
  readonly csrf: string;
  readonly expiresAt: number;
  readonly bucket: TokenBucket | undefined;
  readonly bookmarks: Set<string>;
}

interface SignInFlow {
  readonly id: string;
  /** The client address that opened it. */
  readonly client: string;
  readonly csrf: string;
  readonly next: string;
  readonly expiresAt: number;
  user: number | undefined;
  failures: number;
}

export interface StoredUser {
  readonly username: string;
  readonly salt: Buffer;
  readonly hash: Buffer;
  readonly totpSecret: string | undefined;
}

interface FailureRecord {
  failures: number;
  lastAt: number;
  lockedUntil: number;
}

/** Failures per key with doubling delays past a free allowance; bounded in size, forgiving over time. */
class FailureLimiter {
  readonly #records = new Map<string, FailureRecord>();

  constructor(
    private readonly limits: SignInLimits,
    private readonly maxTracked: number,
  ) {}

  /** Ms until `key` may try again (0: now). */
  retryAfterMs(key: string, now: number): number {
    const r = this.#records.get(key);
    return r ? Math.max(0, r.lockedUntil - now) : 0;
  }

  fail(key: string, now: number, free: number): void {
    const old = this.#records.get(key);
    // Forgiven only after a quiet spell counted from the end of the last lock: a guesser who waits
    // out a lockout and goes on starts where it left off (locked again at once), never afresh.
    const failures = old && now - Math.max(old.lastAt, old.lockedUntil) <= this.limits.forgetAfterMs ? old.failures + 1 : 1;
    // The allowance used up: each failure from then on locks for twice as long as the one before.
    const excess = failures - free;
    const lockedUntil = excess >= 0 ? now + Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** Math.min(excess, 40)) : 0;
    this.#records.delete(key); // re-inserted last: the map's order is least recently failed first
    capped(this.#records, this.maxTracked).set(key, { failures, lastAt: now, lockedUntil });
  }

  clear(key: string): void {
    this.#records.delete(key);
  }

  sweep(now: number): void {
    for (const [key, r] of this.#records)
      if (now - Math.max(r.lastAt, r.lockedUntil) > this.limits.forgetAfterMs) this.#records.delete(key);
  }

  get size(): number {
    return this.#records.size;
  }
}

export interface AuthOptions {
  readonly users: readonly SiteUser[];
  readonly now: () => number;
  readonly sessionTtlMs: number;
  readonly rateLimit: { readonly capacity: number; readonly refillPerSecond: number } | false;
  readonly limits: SignInLimits;
  readonly caps: SiteCaps;
}

export class Auth {
  readonly users: readonly StoredUser[];
  readonly #options: AuthOptions;
  readonly #now: () => number;
  readonly #sessions = new Map<string, Session>();
  readonly #flows = new Map<string, SignInFlow>();
  readonly #failures: FailureLimiter;
  /**
   * Per user: the TOTP time steps whose codes were accepted and are still within the drift
   * window (a code is good once). Exact steps, not "everything up to the last one": two
   * sign-ins of one account with consecutive codes may arrive in either order.
   */
  readonly #usedTotpSteps = new Map<number, Set<number>>();
  /** Hashed for usernames that do not exist, so that they cost what existing ones do. */
  readonly #decoy = { salt: randomBytes(16), hash: randomBytes(SCRYPT_KEY_BYTES) };
  #hashing = 0;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: AuthOptions) {
    this.#options = options;
    this.#now = options.now;
    this.#failures = new FailureLimiter(options.limits, options.caps.maxTracked);
    this.users = options.users.map((u) => {
      const salt = randomBytes(16);
      return { username: u.username, salt, hash: scryptSync(u.password, salt, SCRYPT_KEY_BYTES), totpSecret: u.totpSecret };
    });
    this.#sweeper = setInterval(() => this.sweep(), options.caps.sweepMs);
    this.#sweeper.unref();
  }

  /** Flows, sessions and failure records held now. */
  held(): { flows: number; sessions: number; failureRecords: number } {
    return { flows: this.#flows.size, sessions: this.#sessions.size, failureRecords: this.#failures.size };
  }

  /** Drop expired flows and sessions and forgiven failures (also runs on a timer). */
  sweep(): void {
    const now = this.#now();
    dropExpired(this.#flows, now);
    dropExpired(this.#sessions, now);
    this.#failures.sweep(now);
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  // ── sessions ───────────────────────────────────────────────────────────────────────────

  currentSession(req: IncomingMessage): Session | undefined {
    return unexpired(this.#sessions, cookie(req, 'sid'), this.#now());
  }

  signOut(res: ServerResponse, session: Session): void {
    this.#sessions.delete(session.id);
    res.setHeader('set-cookie', 'sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0');
  }

  /** Sign every session out now; returns how many there were. */
  invalidateAll(): number {
    const n = this.#sessions.size;
    this.#sessions.clear();
    return n;
  }

  #startSession(res: ServerResponse, flow: SignInFlow, user: number): void {
    this.#flows.delete(flow.id);
    const rate = this.#options.rateLimit;
    const ttl = this.#options.sessionTtlMs;
    const session: Session = {
      id: token(),
      user,
      csrf: token(),
      expiresAt: this.#now() + ttl,
      bucket: rate ? new TokenBucket(rate.capacity, rate.refillPerSecond, performance.now()) : undefined,
      bookmarks: new Set(),
    };
    capped(this.#sessions, this.#options.caps.maxSessions).set(session.id, session);
    res.setHeader('set-cookie', [
      `sid=${session.id}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${Math.max(1, Math.floor(ttl / 1000))}`,
      'signin_flow=; HttpOnly; SameSite=Lax; Path=/sign-in; Max-Age=0',
    ]);
    redirect(res, flow.next);
  }

  // ── sign-in ────────────────────────────────────────────────────────────────────────────

  #flowOf(req: IncomingMessage): SignInFlow | undefined {
    return unexpired(this.#flows, cookie(req, 'signin_flow'), this.#now());
  }

  /** The flow a posted form belongs to, if its CSRF token is that flow's; else answers 403 and gives `undefined`. */
  #postedFlow(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): SignInFlow | undefined {
    const flow = this.#flowOf(req);
    if (flow && safeEqual(form.get('csrf') ?? '', flow.csrf)) return flow;
    html(res, 403, signInPage(undefined, 'This sign-in form expired. Reload the page and try again.'));
    return undefined;
  }

  /** `GET /sign-in`: the form (a sign-in already under way keeps its token, so two tabs or a reload do not invalidate each other). */
  showSignIn(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const next = safeNext(url.searchParams.get('next'));
    const old = this.#flowOf(req);
    const client = clientAddress(req);
    const flow: SignInFlow =
      old && old.user === undefined
        ? { ...old, next }
        : { id: token(), client, csrf: token(), next, expiresAt: this.#now() + FLOW_TTL_MS, user: undefined, failures: 0 };
    if (old) this.#flows.delete(old.id);
    // One client's flood of new flows pushes out its own oldest flows, not other clients'.
    const mine = [...this.#flows.values()].filter((f) => f.client === flow.client);
    for (const f of mine.slice(0, Math.max(0, mine.length - this.#options.caps.maxFlowsPerClient + 1))) this.#flows.delete(f.id);
    capped(this.#flows, this.#options.caps.maxFlows).set(flow.id, flow);
    res.setHeader('set-cookie', `signin_flow=${flow.id}; HttpOnly; SameSite=Lax; Path=/sign-in; Max-Age=${FLOW_TTL_MS / 1000}`);
    html(res, 200, signInPage(flow.csrf, undefined));
  }

  /** `GET /sign-in/2fa`: the code form, once the password was right; else the password form. */
  showTwoFactor(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const flow = this.#flowOf(req);
    if (flow?.user !== undefined) return html(res, 200, twoFactorPage(flow.csrf));
    return this.showSignIn(req, res, url);
  }

  /** `POST /sign-in`: the password. */
  async submitPassword(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const flow = this.#postedFlow(req, res, form);
    if (!flow) return;
    const username = form.get('username') ?? '';
    const keys = this.#keys(req, username);
    if (this.#refuseWhileLocked(res, keys, (message) => signInPage(flow.csrf, message))) return;
    const u = await this.#checkPassword(username, form.get('password') ?? '');
    if (u === undefined) return this.#wrongAnswer(res, flow, keys, () => signInPage(flow.csrf, 'Wrong username or password.'));
    if ((this.users[u] as StoredUser).totpSecret) {
      flow.user = u;
      return redirect(res, '/sign-in/2fa');
    }
    this.#failures.clear(keys.account);
    return this.#startSession(res, flow, u);
  }

  /** `POST /sign-in/2fa`: the TOTP code. */
  async submitCode(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const flow = this.#postedFlow(req, res, form);
    if (!flow) return;
    const u = flow.user;
    const user = u === undefined ? undefined : this.users[u];
    if (u === undefined || !user?.totpSecret) return redirect(res, '/sign-in');
    const keys = this.#keys(req, user.username);
    if (this.#refuseWhileLocked(res, keys, (message) => twoFactorPage(flow.csrf, message))) return;
    const step = matchTotp(user.totpSecret, (form.get('code') ?? '').trim(), this.#now());
    if (step === undefined)
      return this.#wrongAnswer(res, flow, keys, () => twoFactorPage(flow.csrf, 'That code is not valid. Enter the current 6-digit code.'));
    const used = this.#usedTotpSteps.get(u) ?? new Set<number>();
    if (used.has(step))
      return this.#wrongAnswer(res, flow, keys, () =>
        twoFactorPage(flow.csrf, 'That code was already used. Wait for the next code and enter it.'),
      );
    for (const old of used) if (old < step - 2) used.delete(old); // out of the drift window: can never match again
    used.add(step);
    this.#usedTotpSteps.set(u, used);
    this.#failures.clear(keys.account);
    return this.#startSession(res, flow, u);
  }

  #keys(req: IncomingMessage, username: string): { account: string; address: string } {
    // Failures count per (username, client address) and per client address, never per username
    // alone: another client's wrong guesses then lock out only that client, not the owner.
    // Unknown usernames are tracked too, so that lockouts say nothing about which accounts exist.
    const address = clientAddress(req);
    return { account: `account:${username.slice(0, 200)}\u0000${address}`, address: `address:${address}` };
  }

  /** While the username or the address is locked out, answer 429 without checking anything. */
  #refuseWhileLocked(res: ServerResponse, keys: { account: string; address: string }, page: (message: string) => string): boolean {
    const now = this.#now();
    const wait = Math.max(this.#failures.retryAfterMs(keys.account, now), this.#failures.retryAfterMs(keys.address, now));
    if (wait <= 0) return false;
    const seconds = Math.max(1, Math.ceil(wait / 1000));
    html(res, 429, page(`Too many failed attempts. Try again in ${seconds} s.`), { 'retry-after': String(seconds) });
    return true;
  }

  #wrongAnswer(res: ServerResponse, flow: SignInFlow, keys: { account: string; address: string }, page: () => string): void {
    const now = this.#now();
    const { perAccount, perAddress, perFlow } = this.#options.limits;
    this.#failures.fail(keys.account, now, perAccount);
    this.#failures.fail(keys.address, now, perAddress);
    flow.failures++;
    if (flow.failures >= perFlow) {
      this.#flows.delete(flow.id);
      return html(res, 401, signInPage(undefined, 'Too many wrong answers in this sign-in. Start again.'));
    }
    html(res, 401, page());
  }

  /** The user number whose password this is, or undefined; the same hashing work either way. */
  async #checkPassword(username: string, password: string): Promise<number | undefined> {
    if (this.#hashing >= this.#options.caps.maxHashing)
      throw new HttpError(503, 'busy', 'The site is busy checking passwords; try again in a moment', undefined, { 'retry-after': '1' });
    this.#hashing++;
    try {
      const u = this.users.findIndex((x) => x.username === username);
      const stored = this.users[u] ?? this.#decoy;
      const hash = await new Promise<Buffer>((resolve, reject) =>
        scrypt(password, stored.salt, SCRYPT_KEY_BYTES, (error, key) => (error ? reject(error) : resolve(key))),
      );
      return timingSafeEqual(hash, stored.hash) && u !== -1 ? u : undefined;
    } finally {
      this.#hashing--;
    }
  }
}

/** The entry under `id` unless it has expired (then it is dropped). */
function unexpired<T extends { readonly expiresAt: number }>(map: Map<string, T>, id: string | undefined, now: number): T | undefined {
  const entry = id === undefined ? undefined : map.get(id);
  if (entry === undefined || entry.expiresAt > now) return entry;
  map.delete(id as string);
  return undefined;
}

function dropExpired<T extends { readonly expiresAt: number }>(map: Map<string, T>, now: number): void {
  for (const [id, entry] of map) if (entry.expiresAt <= now) map.delete(id);
}

/** `map`, with its oldest entries dropped so that one more fits under `max`. */
function capped<K, V>(map: Map<K, V>, max: number): Map<K, V> {
  for (const oldest of map.keys()) {
    if (map.size < max) break;
    map.delete(oldest);
  }
  return map;
}

/**
 * Where to go after signing in: a path on this site, or `/tree`. The target is resolved against
 * the site's origin and kept only if it stays there and its normalised form starts with exactly
 * one slash (so `/\evil.example/`, `/\t/evil` and `/.//evil.example/` do not leave); control
 * characters and characters beyond Latin-1 are the client's error (400).
 */
export function safeNext(next: string | null): string {
  if (next === null || next === '') return '/tree';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]|[^\u0000-\u00ff]/.test(next)) {
    throw new HttpError(400, 'bad_parameter', '"next" must be a path on this site, without control characters', 'next');
  }
  if (!next.startsWith('/')) return '/tree';
  const origin = 'http://site.invalid';
  let target: URL;
  try {
    target = new URL(next, origin);
  } catch {
    return '/tree';
  }
  if (target.origin !== origin) return '/tree';
  const path = `${target.pathname}${target.search}${target.hash}`;
  // The normalised path must start with exactly one slash: dot segments can turn `/.//evil.example/`
  // into `//evil.example/`, which a browser reads as another host. A backslash counts as a slash.
  if (!/^\/(?![/\\])/.test(path)) return '/tree';
  return path;
}
