import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionSupervisor } from '../../src/compose.js';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { readGedcom } from '../../src/genealogy/gedcom.js';
import { gedcomLines, generateTree } from '../../src/genealogy/synthetic.js';
import type { SessionSupervisor } from '../../src/runtime/supervisor/session-supervisor.js';
import { formatResult } from '../../src/research/format.js';
import { RESEARCH_DEFAULTS, runResearchCli } from '../../src/cli/research.js';
import { GedcomSource, RunCache, SiteSource, research, validateCriteria } from '../../src/research/research.js';
import { loadSessionConfig } from '../../src/session/session-config.js';
import { SessionManager } from '../../src/session/session-manager.js';
import { type TreeSite, startTreeSite } from '../../src/site/server.js';
import { leftoversUnder } from '../support/leftovers.js';

/** Research through the reference site in real Chromium, and the same research on the GEDCOM file the site serves. */
const PASSWORD = 'research password';
const generated = generateTree({ people: 4000, seed: 33 });
const gedcomText = [...gedcomLines(generated.tree)].join('\n');
let site: TreeSite;
let root: string;
let supervisor: SessionSupervisor;
let session: SessionManager;
let local: GedcomSource;

beforeAll(async () => {
  // The site serves the tree read back from the GEDCOM text, exactly as GEDCOM mode reads it.
  const { tree } = await readGedcom({ text: gedcomText });
  site = await startTreeSite({
    tree,
    referencePerson: generated.referencePerson,
    users: [{ username: 'ann', password: PASSWORD }],
    rateLimit: false,
  });
  local = new GedcomSource((await readGedcom({ text: gedcomText })).tree, generated.referencePerson);
  root = mkdtempSync(join(browserDirsRoot(), 'research-'));
  supervisor = createSessionSupervisor({ browser: { tmpRoot: root } });
  session = new SessionManager({
    config: loadSessionConfig(
      { BASE_URL: site.origin, SITE_USERNAME: 'ann', SITE_PASSWORD: PASSWORD, RATE_LIMIT: '50/50' },
      '/nonexistent/.env',
    ),
    supervisor,
  });
  await session.ensureSessionReady();
});

afterAll(async () => {
  await supervisor.stop();
  await site.close();
  expect(await leftoversUnder(root)).toEqual([]);
  rmdirSync(root);
});

const siteSource = (): SiteSource => new SiteSource((path) => session.get(path), site.origin);

/** Criteria drawn from real people of the tree, some exact, some loose. */
function criteriaFromTree(): Record<string, unknown>[] {
  const t = generated.tree;
  const pick = [generated.referencePerson, 17, 250, 999, 3210].map((i) => t.person(i));
  return pick.map((p, k) => ({
    given: p.given.slice(0, k % 2 ? 3 : p.given.length),
    surname: p.surname,
    ...(k % 3 === 0 && p.birth?.date ? { birthYear: p.birth.date.year + (k % 2) } : {}),
    ...(k === 2 ? { sex: p.sex } : {}),
  }));
}

describe('research through the reference site (real Chromium) and on the same GEDCOM file', () => {
  it('gives the same ranked people, scores and relationship paths both ways', async () => {
    for (const input of criteriaFromTree()) {
      const criteria = input as Parameters<typeof research>[0];
      const [viaSite, viaFile] = await Promise.all([
        research(criteria, siteSource(), { ladderFor: 1, top: 5 }),
        research(criteria, local, { ladderFor: 1, top: 5 }),
      ]);
      // The same people, scores, ties and paths; only a site has person pages to link.
      const strip = (r: Awaited<ReturnType<typeof research>>) => ({
        ranked: r.ranked.map(({ url: _url, ...rest }) => rest),
        tie: r.tie,
        details: r.details,
        candidates: r.candidates,
        total: r.totalMatches,
        home: r.home,
      });
      expect(strip(viaSite), JSON.stringify(input)).toEqual(strip(viaFile));
      expect(viaSite.ranked.length).toBeGreaterThan(0);
      expect(viaSite.ranked.every((x) => x.url === `${site.origin}/person/${x.person.id}`)).toBe(true);
    }
  });

  it('fetches each person’s ladder once per run (counted at the site), sharing it between searches', async () => {
    site.resetCounts();
    const cache = new RunCache();
    const p = generated.tree.person(250);
    const criteria = { given: p.given, surname: p.surname };
    const first = await research(criteria, siteSource(), { cache, ladderFor: 2 });
    const second = await research(criteria, siteSource(), { cache, ladderFor: 2 });
    const ids = first.details.map((d) => d.person.id);
    expect(second.details.map((d) => d.person.id)).toEqual(ids);
    for (const id of ids) expect(site.ladderFetches(id)).toBe(1);
    expect(cache.hits).toBeGreaterThanOrEqual(ids.length * 2);
    expect(formatResult(first).join('\n')).toMatch(/Relationship path from .* to .*\n\s+1\. /);
  });

  it('a batch at concurrency 4 prints exactly what it prints at concurrency 1, and fetches each ladder once (counted at the site)', async () => {
    // Each search twice in a row, so the repeats run at the same time and must share their fetches.
    const criteria = criteriaFromTree().flatMap((c) => [c, c]);
    const rows = criteria.map((c, i) => ({ line: i + 2, criteria: validateCriteria(c) }));
    const run = async (concurrency: number): Promise<{ lines: string[]; ladders: number; distinct: number }> => {
      const lines: string[] = [];
      site.resetCounts();
      const summary = await runResearchCli({
        ...RESEARCH_DEFAULTS,
        rows,
        site: site.origin,
        ladderFor: 1,
        concurrency,
        env: { SITE_USERNAME: 'ann', SITE_PASSWORD: PASSWORD, RATE_LIMIT: '50/50', BROWSER_ACTOR_TMPDIR: root },
        out: (l) => lines.push(l.replace(/\(\d+ ms\)|\d+(\.\d+)? ?ms/g, '<ms>')),
        err: () => undefined,
      });
      expect(summary.failed).toEqual([]);
      const distinct = new Set(summary.results.flatMap((r) => r.result.details.map((d) => d.person.id))).size;
      return { lines, ladders: site.counts()['GET /api/persons/:id/ladder'] ?? 0, distinct };
    };
    const sequential = await run(1);
    const concurrent = await run(4);
    expect(concurrent.lines).toEqual(sequential.lines);
    expect(sequential.lines.length).toBeGreaterThan(criteria.length);
    expect(concurrent.ladders).toBe(concurrent.distinct);
    expect(sequential.ladders).toBe(sequential.distinct);
  }, 60_000);

  it('respects the page caps (counted at the site)', async () => {
    site.resetCounts();
    const r = await research({ surname: generated.tree.person(0).surname.slice(0, 2) }, siteSource(), { maxPages: 2, pageSize: 10 });
    expect(site.counts()['GET /api/persons']).toBe(2);
    expect(r.candidates).toBe(20);
    expect(r.totalMatches).toBeGreaterThan(20);
  });
});
