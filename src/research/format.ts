import { type Criteria, describeTie } from '../genealogy/scoring.js';
import type { PersonView } from '../genealogy/views.js';
import type { LinkType } from '../genealogy/tree.js';
import type { ResearchResult, Timings } from './research.js';

/** Human-readable output of one research result, as the design note describes it. */
export function formatResult(r: ResearchResult): string[] {
  const out: string[] = [];
  out.push(`Research: ${describeCriteria(r.criteria)}`);
  const matches = `${r.totalMatches} match${r.totalMatches === 1 ? '' : 'es'}`;
  const origin =
    r.source === 'gedcom'
      ? `${matches} in the tree`
      : `${matches} at the site, ${r.pagesFetched} page${r.pagesFetched === 1 ? '' : 's'} of results fetched`;
  out.push(`  ${r.candidates} candidate${r.candidates === 1 ? '' : 's'} scored (${origin}) in ${Math.round(r.ms)} ms`);
  if (r.ranked.length === 0) {
    out.push('  No one matched.');
    return out;
  }
  // Each match: its score out of the most these criteria can earn, a confidence word, and what
  // tells namesakes apart (lifespan, places, the person's page).
  r.ranked.forEach((x, i) => {
    out.push(
      `  ${String(i + 1).padStart(2)}. ${`${x.score.total}/${x.score.max}`.padStart(7)} ${x.confidence.padEnd(6)}  ${x.person.name} (${x.person.lifespan || 'dates unknown'}) [${x.person.id}]`,
    );
    const where = [placesOf(x.person), x.url].filter((t): t is string => t !== undefined && t !== '');
    if (where.length > 0) out.push(`${' '.repeat(20)}${where.join('  ')}`);
  });
  if (r.tie)
    out.push(`  Note: ${describeTie(r.tie)}. The first of them is shown below as the best match; it is no better than the others.`);
  const best = r.ranked[0];
  if (best) {
    out.push(
      `  Score of the best match, ${best.person.name} (${best.score.total} of ${best.score.max} possible points, ${best.confidence}):`,
    );
    for (const line of best.score.lines) out.push(`    ${line.why.padEnd(52)} ${String(line.points).padStart(3)}`);
    out.push(`    ${'total'.padEnd(52)} ${String(best.score.total).padStart(3)}`);
  }
  for (const d of r.details) {
    const list = (people: readonly { name: string; lifespan: string; link?: Exclude<LinkType, 'birth'> }[]) =>
      people.length
        ? people.map((p) => `${p.name}${p.lifespan ? ` (${p.lifespan})` : ''}${p.link ? ` [by ${LINK_WORDS[p.link]}]` : ''}`).join('; ')
        : '—';
    out.push(`  Family of ${d.person.name}:`);
    out.push(`    Parents:  ${list(d.family.parents)}`);
    out.push(`    Spouses:  ${list(d.family.spouses)}`);
    out.push(`    Children: ${list(d.family.children)}`);
    out.push(`  Relationship path from ${d.person.name} to ${d.ladder.to.name}: ${d.ladder.relationship}`);
    if (d.ladder.steps.length === 0) out.push('    (not related)');
    d.ladder.steps.forEach((s, i) => {
      if (s.link) out.push(`       | linked by ${LINK_WORDS[s.link]}`);
      out.push(`    ${i + 1}. ${s.name}${s.lifespan ? ` (${s.lifespan})` : ''} - ${s.relationship}`);
    });
  }
  return out;
}

/** "born Leeds; died York", or undefined when neither place is known. */
export function placesOf(p: Pick<PersonView, 'birth' | 'death'>): string | undefined {
  const parts = [p.birth?.place ? `born ${p.birth.place}` : '', p.death?.place ? `died ${p.death.place}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** How a parent link that is not a birth link is written. */
export const LINK_WORDS: Readonly<Record<Exclude<LinkType, 'birth'>, string>> = {
  adopted: 'adoption',
  foster: 'fostering',
  step: 'a step link',
  sealed: 'sealing',
  guardian: 'guardianship',
  other: 'a link other than birth',
};

export function describeCriteria(c: Criteria): string {
  const parts: string[] = [];
  if (c.given) parts.push(`given "${c.given}"`);
  if (c.surname) parts.push(`surname "${c.surname}"`);
  if (c.sex) parts.push(`sex ${c.sex}`);
  if (c.birthYear !== undefined) parts.push(`born ${c.birthYear}`);
  if (c.birthPlace) parts.push(`born in "${c.birthPlace}"`);
  if (c.deathYear !== undefined) parts.push(`died ${c.deathYear}`);
  if (c.deathPlace) parts.push(`died in "${c.deathPlace}"`);
  return parts.join(', ');
}

/** The `--benchmark` table: where the run's time went, by component. */
export function formatTimings(t: Timings, wallMs: number): string[] {
  const out = [
    `Where the time went (wall ${Math.round(wallMs)} ms; components overlap when work runs concurrently;`,
    '  count: how many times it happened; total and mean: the time those took, "-" where it is only counted):',
    `  ${'component'.padEnd(16)} ${'operation'.padEnd(30)} ${'count'.padStart(6)} ${'total ms'.padStart(10)} ${'mean ms'.padStart(9)}`,
  ];
  for (const r of timingRows([...t.rows.values()])) {
    out.push(
      `  ${r.component.padEnd(16)} ${r.operation.padEnd(30)} ${String(r.count).padStart(6)} ${r.total.padStart(10)} ${r.mean.padStart(9)}`,
    );
  }
  return out;
}

/**
 * The rows of the time table as shown, by component, the slowest first: total and mean time as
 * text, "-" for a row that only counts (or a mean of nothing).
 */
export function timingRows(
  rows: readonly {
    readonly component: string;
    readonly operation: string;
    readonly count: number;
    readonly ms: number;
    readonly timed?: boolean;
  }[],
): { component: string; operation: string; count: number; total: string; mean: string }[] {
  return [...rows]
    .sort((a, b) => a.component.localeCompare(b.component) || b.ms - a.ms)
    .map((r) => {
      const timed = r.timed !== false;
      return {
        component: r.component,
        operation: r.operation,
        count: r.count,
        total: timed ? r.ms.toFixed(1) : '-',
        mean: timed && r.count > 0 ? (r.ms / r.count).toFixed(2) : '-',
      };
    });
}
