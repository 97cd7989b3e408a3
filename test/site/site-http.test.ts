import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTree } from '../../src/genealogy/synthetic.js';
import { ladder } from '../../src/genealogy/kinship.js';
import { fold } from '../../src/genealogy/search-index.js';
import { type TreeSite, startTreeSite } from '../../src/site/server.js';
import { newTotpSecret, totpCode, verifyTotp } from '../../src/internal/totp.js';
import { SiteClient } from '../support/site-client.js';
import { withAncestors, withFamilies } from '../../src/genealogy/gedcom-export.js';
import { readGedcom as readOnly } from '../../src/genealogy/gedcom.js';
import { SiteSource } from '../../src/research/research.js';
import { checkGedcom7, expectSameTree } from '../support/gedcom-round-trip.js';

const PASSWORD = 'correct horse battery staple';
const { tree, referencePerson } = generateTree({ people: 3000, seed: 5 });
let site: TreeSite;
let client: SiteClient;
const sites: TreeSite[] = [];

async function extraSite(options: Partial<Parameters<typeof startTreeSite>[0]> = {}): Promise<TreeSite> {
  const s = await startTreeSite({ tree, referencePerson, users: [{ username: 'ann', password: PASSWORD }], ...options });
  sites.push(s);
  return s;
}

async function signedIn(s: TreeSite): Promise<SiteClient> {
  const c = new SiteClient(s.origin);
  await c.signIn('ann', PASSWORD);
  return c;
}

beforeAll(async () => {
  site = await extraSite({ rateLimit: false });
  client = await signedIn(site);
});

afterAll(async () => {
  await Promise.all(sites.map((s) => s.close()));
});

describe('sign-in', () => {
  it('binds to 127.0.0.1', () => {
    expect(site.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('redirects pages to the sign-in form and answers the API with 401 before sign-in', async () => {
    const c = new SiteClient(site.origin);
    const res = await c.get('/person/I1');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/sign-in?next=%2Fperson%2FI1');
    expect(await c.json('/api/me')).toEqual({
      status: 401,
      body: { error: { code: 'unauthenticated', message: expect.stringMatching(/Sign in first/) as unknown } },
    });
  });

  it('refuses a wrong password and a missing or stale CSRF token', async () => {
    const c = new SiteClient(site.origin);
    const page = await (await c.get('/sign-in')).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    const wrong = await c.request('POST', '/sign-in', { form: { csrf, username: 'ann', password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong username or password.');
    const stale = await c.request('POST', '/sign-in', { form: { csrf: 'forged', username: 'ann', password: PASSWORD } });
    expect(stale.status).toBe(403);
    expect(c.cookies.has('sid')).toBe(false);
  });

  it('sets an HttpOnly, SameSite session cookie with the TTL, and redirects to the page asked for', async () => {
    const c = new SiteClient(site.origin);
    await c.get('/sign-in?next=/person/I2');
    const page = await (await c.get('/sign-in?next=/person/I2')).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    const res = await c.request('POST', '/sign-in', { form: { csrf, username: 'ann', password: PASSWORD } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/person/I2');
    const sid = res.headers.getSetCookie().find((h) => h.startsWith('sid='));
    expect(sid).toMatch(/^sid=[A-Za-z0-9_-]{32}; HttpOnly; SameSite=Lax; Path=\/; Max-Age=1800$/);
  });

  it('a favicon request or a reload during sign-in does not invalidate the form (the browser asks for both)', async () => {
    const c = new SiteClient(site.origin);
    const page = await (await c.get('/sign-in')).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    expect((await c.get('/favicon.ico')).status).toBe(204);
    await c.get('/sign-in?next=/tree');
    const res = await c.request('POST', '/sign-in', { form: { csrf, username: 'ann', password: PASSWORD } });
    expect(res.status).toBe(302);
  });

  it('never redirects off the site after sign-in', async () => {
    const c = new SiteClient(site.origin);
    const page = await (await c.get('/sign-in?next=//evil.example/')).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    const res = await c.request('POST', '/sign-in', { form: { csrf, username: 'ann', password: PASSWORD } });
    expect(res.headers.get('location')).toBe('/tree');
  });

  it('asks for a TOTP code when the account has one, and only a valid code signs in', async () => {
    const secret = newTotpSecret();
    const s = await extraSite({ users: [{ username: 'tom', password: PASSWORD, totpSecret: secret }] });
    const c = new SiteClient(s.origin);
    const page = await (await c.get('/sign-in')).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    const first = await c.request('POST', '/sign-in', { form: { csrf, username: 'tom', password: PASSWORD } });
    expect(first.headers.get('location')).toBe('/sign-in/2fa');
    expect(c.cookies.has('sid')).toBe(false);
    const code = totpCode(secret);
    const bad = await c.request('POST', '/sign-in/2fa', { form: { csrf, code: code === '000000' ? '111111' : '000000' } });
    expect(bad.status).toBe(401);
    const good = await c.request('POST', '/sign-in/2fa', { form: { csrf, code } });
    expect(good.status).toBe(302);
    expect(c.cookies.has('sid')).toBe(true);
    expect((await c.json('/api/me')).body).toMatchObject({ username: 'tom' });
  });

  it('TOTP codes follow RFC 6238 (its SHA-1 test vector) and allow one step of drift', () => {
    // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits); 6 digits → 287082.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totpCode(secret, 59_000)).toBe('287082');
    expect(totpCode(secret, 1_111_111_109_000)).toBe('081804');
    expect(verifyTotp(secret, totpCode(secret, 1_000_000 - 30_000), 1_000_000)).toBe(true);
    expect(verifyTotp(secret, totpCode(secret, 1_000_000 - 90_000), 1_000_000)).toBe(false);
  });

  it('sign-out invalidates the session', async () => {
    const c = await signedIn(site);
    const { body } = await c.json('/api/csrf');
    const res = await c.request('POST', '/api/sign-out', { headers: { 'x-csrf-token': body['token'] as string } });
    expect(res.status).toBe(200);
    expect((await c.json('/api/me')).status).toBe(401);
  });

  it('sessions expire after the TTL', async () => {
    const s = await extraSite({ sessionTtlMs: 300 });
    const c = await signedIn(s);
    expect((await c.json('/api/me')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await c.json('/api/me')).status).toBe(401);
  });
});

describe('JSON API', () => {
  it('/api/me gives the user, the tree and its reference person', async () => {
    const { status, body } = await client.json('/api/me');
    expect(status).toBe(200);
    expect(body).toMatchObject({ userId: 'u1', username: 'ann', treeId: 't1', referencePerson: { id: tree.person(referencePerson).id } });
  });

  it('state-changing calls need the CSRF header', async () => {
    const post = (headers: Record<string, string>) =>
      client.request('POST', '/api/bookmarks', {
        body: JSON.stringify({ id: 'I7' }),
        headers: { 'content-type': 'application/json', ...headers },
      });
    const missing = await post({});
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ error: { code: 'csrf' } });
    expect((await post({ 'x-csrf-token': 'wrong' })).status).toBe(403);
    const token = (await client.json('/api/csrf')).body['token'] as string;
    const ok = await post({ 'x-csrf-token': token });
    expect(ok.status).toBe(201);
    expect((await client.json('/api/bookmarks')).body).toEqual({ bookmarks: ['I7'] });
  });

  it('search matches a full scan of the tree for many filter combinations, with correct pagination', async () => {
    const scan = (q: Record<string, string>): string[] =>
      tree.people
        .filter((p) => {
          const has = (value: string | undefined, needle: string | undefined) =>
            needle === undefined || (value !== undefined && fold(value).includes(fold(needle)));
          const inRange = (y: number | undefined, from?: string, to?: string) =>
            (from === undefined && to === undefined) ||
            (y !== undefined && (from === undefined || y >= Number(from)) && (to === undefined || y <= Number(to)));
          return (
            has(p.given, q['given']) &&
            has(p.surname, q['surname']) &&
            has(p.birth?.place, q['birthPlace']) &&
            has(p.death?.place, q['deathPlace']) &&
            (q['sex'] === undefined || p.sex === q['sex']) &&
            inRange(p.birth?.date?.year, q['birthYearFrom'], q['birthYearTo']) &&
            inRange(p.death?.date?.year, q['deathYearFrom'], q['deathYearTo'])
          );
        })
        .map((p) => p.id);
    const queries: Record<string, string>[] = [
      { surname: 'smith' },
      { surname: 'SMI', given: 'jo' },
      { given: 'mary', sex: 'F', birthYearFrom: '1800', birthYearTo: '1850' },
      { birthPlace: 'york', deathYearFrom: '1900' },
      { surname: 'son', birthPlace: 'leeds', sex: 'M' },
      { deathPlace: 'wales', deathYearTo: '1850' },
      { birthYearFrom: '1990' },
      { surname: 'zzzz' },
      { sex: 'U' },
    ];
    for (const q of queries) {
      const expected = scan(q);
      const got: string[] = [];
      for (let page = 1; page <= 100; page++) {
        const { status, body } = await client.json(
          `/api/persons?${new URLSearchParams({ ...q, page: String(page), pageSize: '50' }).toString()}`,
        );
        expect(status).toBe(200);
        expect(body['total']).toBe(expected.length);
        const persons = body['persons'] as { id: string }[];
        got.push(...persons.map((p) => p.id));
        if (persons.length < 50) break;
      }
      expect(got, JSON.stringify(q)).toEqual(expected);
    }
  });

  it('gives person facts, family and the kinship ladder to the reference person', async () => {
    const ref = tree.person(referencePerson);
    const father = tree.parents(referencePerson).find((p) => tree.person(p).sex === 'M') as number;
    const grandparent = tree.parents(father)[0] as number;
    const gp = tree.person(grandparent);
    const facts = (await client.json(`/api/persons/${gp.id}`)).body;
    expect(facts).toMatchObject({
      id: gp.id,
      given: gp.given,
      surname: gp.surname,
      sex: gp.sex,
      birth: { year: gp.birth?.date?.year ?? null },
    });
    const family = (await client.json(`/api/persons/${tree.person(father).id}/family`)).body;
    expect((family['children'] as { id: string }[]).map((c) => c.id)).toContain(ref.id);
    expect((family['parents'] as { id: string }[]).map((c) => c.id)).toContain(gp.id);
    const l = (await client.json(`/api/persons/${gp.id}/ladder`)).body;
    expect(l['relationship']).toMatch(/^grand(father|mother)$/);
    expect((l['steps'] as { id: string; relationship: string }[]).map((s) => [s.id, s.relationship])).toEqual([
      [gp.id, l['relationship']],
      [tree.person(father).id, 'father'],
      [ref.id, 'self'],
    ]);
    expect(site.ladderFetches(gp.id)).toBe(1);
    const other = (await client.json(`/api/persons/${ref.id}/ladder?to=${gp.id}`)).body;
    expect(other['relationship']).toBe(ladder(tree, grandparent, referencePerson).kinship.name);
  });

  it('answers bad parameters with 400 naming the parameter, unknown ids with 404, and never leaks a stack trace', async () => {
    const cases: [string, number, string | undefined][] = [
      ['/api/persons?surnam=x', 400, 'surnam'],
      ['/api/persons?surname=x', 400, 'surname'],
      ['/api/persons?birthYearFrom=18x0', 400, 'birthYearFrom'],
      ['/api/persons?birthYearFrom=1900&birthYearTo=1800', 400, 'birthYearFrom'],
      ['/api/persons?sex=Q', 400, 'sex'],
      ['/api/persons?pageSize=1000', 400, 'pageSize'],
      ['/api/persons?page=0', 400, 'page'],
      ['/api/persons/I99999999', 404, 'id'],
      ['/api/persons/bad%20id', 400, 'id'],
      ['/api/persons/I1/ladder?to=NOPE', 404, 'to'],
      ['/api/persons/I1/ladder?from=I2', 400, 'from'],
      ['/api/nothing', 404, undefined],
    ];
    for (const [path, status, parameter] of cases) {
      const res = await client.json(path);
      expect(res.status, path).toBe(status);
      const error = res.body['error'] as Record<string, unknown>;
      expect(error['parameter'], path).toBe(parameter);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
    }
  });

  it('serves HTML pages: tree home, person page with its ladder, search', async () => {
    const home = await (await client.get('/tree')).text();
    expect(home).toContain('Signed in as <b>ann</b>');
    const gp = tree.person(tree.parents(referencePerson)[0] as number);
    const page = await (await client.get(`/person/${gp.id}`)).text();
    expect(page).toContain(`data-id="${gp.id}"`);
    expect(page).toMatch(/<ol id="ladder"><li>.* - (father|mother)<\/li><li>.* - self<\/li><\/ol>/);
    const search = await (await client.get(`/search?surname=${encodeURIComponent(gp.surname)}`)).text();
    expect(search).toMatch(/<p id="total">\d+ found<\/p>/);
  });
});

describe('GEDCOM 7 export', () => {
  it('/person/:id/export.ged: the person and every ancestor as a GEDCOM 7 download, read back the same', async () => {
    const id = tree.person(referencePerson).id;
    const res = await client.get(`/person/${id}/export.ged`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/vnd.familysearch.gedcom; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${id}-ancestors.ged"`);
    const text = await res.text();
    checkGedcom7(text);
    const selection = withAncestors(tree, referencePerson);
    expectSameTree(tree, selection, (await readOnly({ text })).tree);
    expect(selection.people.length).toBeGreaterThan(20);
    // The person's page links to it; an unknown person is a 404.
    expect(await (await client.get(`/person/${id}`)).text()).toContain(`href="/person/${id}/export.ged"`);
    expect((await client.get('/person/NOPE/export.ged')).status).toBe(404);
    expect((await new SiteClient(site.origin).get(`/person/${id}/export.ged`)).status).toBe(302);
  });

  it("a research run's export through the API, asked for in batches and joined, equals the export of the same people from the tree itself", async () => {
    const ids = tree.people.filter((_, i) => i % 11 === 0).map((p) => p.id); // 273 people: two requests
    const fromSite = await new SiteSource(async <T>(path: string) => {
      const r = await client.json(path);
      expect(r.status).toBe(200);
      return r.body as T;
    }, site.origin).exportTree(ids);
    const local = withFamilies(
      tree,
      ids.map((id) => tree.indexOf(id) as number),
    );
    const back = fromSite.tree;
    expect(back.size).toBe(local.people.length);
    expect(back.families.length).toBe(local.families.length);
    // Same people and families, in the order first met: compare by id.
    const order = local.people.map((i) => back.indexOf(tree.person(i).id) as number);
    expect(order.every((k) => k !== undefined)).toBe(true);
    const byId = new Map(back.families.map((f, k) => [f.id, k]));
    const sorted = {
      people: [...local.people].sort((a, b) => (back.indexOf(tree.person(a).id) as number) - (back.indexOf(tree.person(b).id) as number)),
      families: [...local.families].sort(
        (a, b) => (byId.get(tree.families[a]?.id as string) as number) - (byId.get(tree.families[b]?.id as string) as number),
      ),
    };
    expectSameTree(tree, sorted, back);
  });

  it('/api/export: a session only, at most 200 ids, each one known, and nothing but ids', async () => {
    expect((await new SiteClient(site.origin).json('/api/export?ids=I1')).status).toBe(401);
    expect(await client.json('/api/export')).toMatchObject({ status: 400, body: { error: { parameter: 'ids' } } });
    const many = Array.from({ length: 201 }, (_, i) => `I${i + 1}`).join(',');
    expect(await client.json(`/api/export?ids=${many}`)).toMatchObject({
      status: 400,
      body: { error: { message: '"ids" names 201 people; at most 200 per request' } },
    });
    expect(await client.json('/api/export?ids=I1,NOPE')).toMatchObject({
      status: 404,
      body: { error: { message: 'No person with id NOPE' } },
    });
    expect(await client.json('/api/export?ids=I1&all=1')).toMatchObject({ status: 400, body: { error: { parameter: 'all' } } });
  });
});

describe('rate limits and knobs', () => {
  it('limits each session with a token bucket: 429 with Retry-After', async () => {
    const s = await extraSite({ rateLimit: { capacity: 3, refillPerSecond: 1 } });
    const c = await signedIn(s);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await c.get('/api/me');
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another session has its own bucket.
    expect((await (await signedIn(s)).json('/api/me')).status).toBe(200);
  });

  it('every knob: latency, error rate, 429 storm, session invalidation, responses that never finish', async () => {
    const s = await extraSite({ rateLimit: false });
    const c = await signedIn(s);
    s.setKnobs({ latencyMs: { 'GET /api/me': 150 } });
    let t = performance.now();
    await c.get('/api/me');
    expect(performance.now() - t).toBeGreaterThanOrEqual(145);
    t = performance.now();
    await c.get('/api/csrf');
    expect(performance.now() - t).toBeLessThan(140); // only the route named
    s.setKnobs({ latencyMs: {}, errorRate: 1 });
    expect(await c.json('/api/me')).toEqual({
      status: 500,
      body: { error: { code: 'injected_error', message: 'Injected server error (errorRate knob)' } },
    });
    s.setKnobs({ errorRate: 0, storm429: true });
    const storm = await c.get('/api/me');
    expect(storm.status).toBe(429);
    expect(storm.headers.get('retry-after')).toBe('1');
    s.setKnobs({ storm429: false, hang: ['GET /api/persons/:id'] });
    const hung = await c.request('GET', '/api/persons/I1', { signal: AbortSignal.timeout(500) }).catch((e: unknown) => e);
    expect((hung as Error).name).toBe('TimeoutError');
    s.setKnobs({ hang: [] });
    expect((await c.json('/api/persons/I1')).status).toBe(200);
    expect(s.invalidateSessions()).toBe(1);
    expect((await c.json('/api/me')).status).toBe(401);
    expect(s.counts()['GET /api/me']).toBeGreaterThanOrEqual(4);
    expect(() => s.setKnobs({ errorRate: 2 })).toThrow(/errorRate must be a number from 0 to 1/);
  });

  it('the admin endpoint exists only when enabled, and needs its token', async () => {
    expect((await new SiteClient(site.origin).json('/admin/knobs')).status).toBe(404);
    const s = await extraSite({ adminToken: 'admin-secret' });
    const admin = new SiteClient(s.origin);
    expect((await admin.request('GET', '/admin/knobs', { headers: { 'x-admin-token': 'nope' } })).status).toBe(403);
    const set = await admin.request('POST', '/admin/knobs', {
      headers: { 'x-admin-token': 'admin-secret' },
      body: JSON.stringify({ storm429: true }),
    });
    expect(await set.json()).toMatchObject({ storm429: true, errorRate: 0 });
    expect(s.knobs().storm429).toBe(true);
    const bad = await admin.request('POST', '/admin/knobs', {
      headers: { 'x-admin-token': 'admin-secret' },
      body: JSON.stringify({ loud: 1 }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'bad_parameter', message: expect.stringMatching(/loud is unknown/) as unknown },
    });
    const c = await signedIn(s);
    const inv = await admin.request('POST', '/admin/invalidate-sessions', { headers: { 'x-admin-token': 'admin-secret' } });
    expect(await inv.json()).toEqual({ invalidated: 1 });
    expect((await c.json('/api/me')).status).toBe(401);
  });
});
