import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTree } from '../genealogy/synthetic.js';
import { newTotpSecret } from '../internal/totp.js';
import { startTreeSite } from '../site/server.js';
import { type BatchRow, RESEARCH_DEFAULTS, runResearchCli } from './research.js';

/**
 * `npm start`: the product's main job on the embedded default. It starts the reference tree site
 * on a free loopback port (a seeded synthetic tree, a generated demo account with a second
 * factor), runs a short batch of research queries through a supervised headless Chromium, prints
 * the results, the relationship paths and where the time went, writes them as an HTML report
 * (whose path it prints), and stops everything it started.
 */
export async function runStart(
  options: { out?: (line: string) => void; err?: (line: string) => void; people?: number } = {},
): Promise<void> {
  const out = options.out ?? ((l: string) => console.log(l));
  const people = options.people ?? 10_000;
  const started = performance.now();
  const { tree, referencePerson } = generateTree({ people, seed: 1 });
  const password = randomBytes(12).toString('base64url');
  const totpSecret = newTotpSecret();
  const site = await startTreeSite({
    tree,
    referencePerson,
    users: [{ username: 'demo', password, totpSecret }],
    rateLimit: { capacity: 20, refillPerSecond: 10 },
  });
  try {
    const home = tree.person(referencePerson);
    out(
      `browser-actor: research on the reference tree site at ${site.origin}/ (${people} synthetic people, seed 1; demo account with a second factor)`,
    );
    out(
      `home person: ${home.given} ${home.surname} (${home.id}); ${Math.round(performance.now() - started)} ms to build the tree and start the site\n`,
    );
    // A short batch drawn from the tree: the home person's ancestors and relatives, searched the
    // way a user would (names, a birth year, a place), some deliberately loose.
    const father = tree.parents(referencePerson).find((p) => tree.person(p).sex === 'M') ?? tree.parents(referencePerson)[0];
    const grand = father === undefined ? undefined : tree.parents(father)[0];
    const great = grand === undefined ? undefined : tree.parents(grand)[0];
    const picks = [grand, great, father, Math.floor(people / 2)].filter((p): p is number => p !== undefined);
    const rows: BatchRow[] = picks.map((p, k) => {
      const person = tree.person(p);
      const year = person.birth?.date?.year;
      return {
        line: k + 1,
        criteria: {
          given: person.given.split(' ')[0] ?? person.given,
          surname: person.surname,
          ...(year !== undefined ? { birthYear: year + (k % 2) } : {}),
          ...(k === 1 && person.birth?.place ? { birthPlace: person.birth.place.split(',')[0] ?? '' } : {}),
        },
      };
    });
    // The report: one HTML file that opens from disk (ranked matches, families, the paths drawn).
    const report = join(mkdtempSync(join(tmpdir(), 'browser-actor-report-')), 'research-report.html');
    await runResearchCli({
      ...RESEARCH_DEFAULTS,
      rows,
      ladderFor: 1,
      outFile: report,
      site: site.origin,
      benchmark: true,
      out,
      err: options.err ?? out, // the batch summary is part of this job's report
      env: { ...process.env, SITE_USERNAME: 'demo', SITE_PASSWORD: password, TOTP_SECRET: totpSecret, RATE_LIMIT: '10/10' },
    });
    out(`\nreport: ${report} (open it in a browser)`);
    out(`done in ${((performance.now() - started) / 1000).toFixed(1)} s; the site and the browser are stopped`);
  } finally {
    await site.close();
  }
}
