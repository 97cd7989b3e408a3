import { describeTie } from '../genealogy/scoring.js';
import type { LadderView, PersonSummary } from '../genealogy/views.js';
import { LINK_WORDS, describeCriteria, placesOf, timingRows } from './format.js';
import type { ResearchResult } from './research.js';
import { ConfigError } from '../errors.js';

/**
 * The research report as one self-contained HTML file: no script, no request for anything (a
 * Content-Security-Policy says so), readable from disk and on a phone. Per search: the ranked
 * matches, the best match's family, and the relationship path drawn as a chart: the common
 * ancestor on top and the two lines of descent from it side by side, or one column (a pedigree)
 * for a direct line. Every text from a tree or a site is escaped. The data the report was made
 * from is embedded (as inert JSON), so that `--resume` can continue it.
 */

export interface ReportSearch {
  readonly line?: number | undefined;
  readonly result: Omit<ResearchResult, 'ms'> & { readonly ms?: number };
}

/** What the HTML report says about the run besides its searches. */
export interface ReportInfo {
  /** Where the people came from: a site's address or a GEDCOM file's name. */
  readonly source?: string;
  /** The run's summary line ("40 searched, 2 skipped, …"). */
  readonly summary?: string;
  /** "Where the time went": component, operation, count, total ms. */
  readonly timings?: readonly {
    readonly component: string;
    readonly operation: string;
    readonly count: number;
    readonly ms: number;
    readonly timed?: boolean;
  }[];
  readonly wallMs?: number;
  /** When the report was written (ISO time). */
  readonly generatedAt?: string;
}

/** The id of the embedded data block. */
export const REPORT_DATA_ID = 'research-data';

/** One self-contained HTML page (no script, no request) of the searches, with the data embedded for `--resume`. */
export function renderReport(searches: readonly ReportSearch[], info: ReportInfo = {}): string {
  const home = searches[0]?.result.home;
  const body: string[] = [];
  body.push(
    `<header><h1>Research report</h1><p class="meta">${[
      info.source ? `Source: ${esc(info.source)}` : '',
      home ? `Home person: ${esc(home.name)}${home.lifespan ? ` (${esc(home.lifespan)})` : ''}` : '',
      `${searches.length} search${searches.length === 1 ? '' : 'es'}`,
      info.generatedAt ? `Written ${esc(info.generatedAt)}` : '',
    ]
      .filter(Boolean)
      .join(' · ')}</p>${info.summary ? `<p class="summary">${esc(info.summary)}</p>` : ''}</header>`,
  );
  if (searches.length > 1) {
    body.push('<nav><h2>Searches</h2><ol>');
    searches.forEach((s, i) =>
      body.push(`<li><a href="#search-${i + 1}">${esc(describeCriteria(s.result.criteria))}</a>${bestWord(s.result)}</li>`),
    );
    body.push('</ol></nav>');
  }
  searches.forEach((s, i) => body.push(renderSearch(s, i + 1)));
  if (info.timings && info.timings.length > 0) body.push(renderTimings(info.timings, info.wallMs));
  const data = JSON.stringify({ version: 1, searches })
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Research report${home ? ` — ${esc(home.name)}` : ''}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
<script type="application/json" id="${REPORT_DATA_ID}">${data}</script>
</body>
</html>
`;
}

/** The searches embedded in a report written by {@link renderReport}; throws when there are none to read. */
export function readReportData(html: string): ReportSearch[] {
  const m = new RegExp(`<script type="application/json" id="${REPORT_DATA_ID}">([\\s\\S]*?)</script>`).exec(html);
  if (!m) throw new ConfigError('the file holds no research data: give a report that `research --out FILE.html` wrote');
  const data = JSON.parse(m[1] as string) as { version?: unknown; searches?: unknown };
  if (data.version !== 1 || !Array.isArray(data.searches))
    throw new ConfigError(
      'the file holds research data of another version: give a report this version of `research --out FILE.html` wrote',
    );
  return data.searches as ReportSearch[];
}

function bestWord(r: ReportSearch['result']): string {
  const best = r.ranked[0];
  if (!best) return ' — no match';
  return ` — ${esc(best.person.name)}${r.tie ? ` (tied with ${r.tie.count - 1} other${r.tie.count === 2 ? '' : 's'})` : ''}${r.details[0] ? `: ${esc(r.details[0].ladder.relationship)}` : ''}`;
}

function renderSearch(s: ReportSearch, n: number): string {
  const r = s.result;
  const out: string[] = [`<section id="search-${n}" class="search">`];
  out.push(`<h2>${s.line !== undefined ? `<span class="line">line ${s.line}</span> ` : ''}${esc(describeCriteria(r.criteria))}</h2>`);
  out.push(
    `<p class="meta">${r.candidates} candidate${r.candidates === 1 ? '' : 's'} scored (${r.totalMatches} match${r.totalMatches === 1 ? '' : 'es'} ${r.source === 'gedcom' ? 'in the tree' : 'at the site'})</p>`,
  );
  if (r.ranked.length === 0) {
    out.push('<p>No one matched.</p></section>');
    return out.join('\n');
  }
  out.push('<table class="ranked"><thead><tr><th>#</th><th>Score</th><th>Person</th><th>Born / died</th></tr></thead><tbody>');
  r.ranked.forEach((x, i) => {
    const name = x.url ? `<a href="${esc(x.url)}">${esc(x.person.name)}</a>` : esc(x.person.name);
    out.push(
      `<tr><td>${i + 1}</td><td><span class="score">${x.score.total}/${x.score.max}</span> <span class="conf conf-${esc(x.confidence)}">${esc(x.confidence)}</span></td>` +
        `<td>${name} <span class="life">${esc(x.person.lifespan || 'dates unknown')}</span> <span class="id">${esc(x.person.id)}</span></td><td>${esc(placesOf(x.person) ?? '')}</td></tr>`,
    );
  });
  out.push('</tbody></table>');
  if (r.tie) out.push(`<p class="tie">${esc(describeTie(r.tie))}. The first of them is shown below; it is no better than the others.</p>`);
  for (const d of r.details) {
    out.push(`<h3>Family of ${esc(d.person.name)}</h3><dl class="family">`);
    const list = (people: readonly (PersonSummary & { link?: keyof typeof LINK_WORDS })[]): string =>
      people.length
        ? people
            .map(
              (p) =>
                `${esc(p.name)}${p.lifespan ? ` <span class="life">${esc(p.lifespan)}</span>` : ''}${p.link ? ` <span class="link">by ${esc(LINK_WORDS[p.link])}</span>` : ''}`,
            )
            .join('; ')
        : '—';
    out.push(
      `<dt>Parents</dt><dd>${list(d.family.parents)}</dd><dt>Spouses</dt><dd>${list(d.family.spouses)}</dd><dt>Children</dt><dd>${list(d.family.children)}</dd></dl>`,
    );
    out.push(`<h3>${esc(d.person.name)} is the ${esc(d.ladder.relationship)} of ${esc(d.ladder.to.name)}</h3>`);
    out.push(renderChart(d.ladder));
  }
  out.push('</section>');
  return out.join('\n');
}

/**
 * The relationship path as a chart. With a common ancestor inside the path: the ancestor on top,
 * then two columns going down, the searched person's line on the left and the home person's on
 * the right. A direct line (the ancestor is one of the two) or a path by marriage: one column
 * from top to bottom.
 */
export function renderChart(l: LadderView): string {
  if (l.steps.length === 0) return '<p class="chart none">Not related (no path in the tree).</p>';
  const box = (s: LadderView['steps'][number], role: string): string =>
    `<div class="person ${role}" data-id="${esc(s.id)}"><strong>${esc(s.name)}</strong>${s.lifespan ? `<span class="life">${esc(s.lifespan)}</span>` : ''}<span class="rel">${esc(s.relationship)}</span></div>`;
  const linkNote = (s: LadderView['steps'][number] | undefined): string =>
    s?.link ? `<div class="edge">by ${esc(LINK_WORDS[s.link])}</div>` : '<div class="edge"></div>';
  const apex = l.apex;
  if (apex === undefined || apex === 0 || apex === l.steps.length - 1) {
    // One column, oldest generation on top when it is a direct line.
    const ordered = apex === l.steps.length - 1 ? [...l.steps].reverse() : [...l.steps];
    const cells: string[] = [];
    ordered.forEach((s, i) => {
      if (i > 0) {
        // The link belongs to the later of the two in the ladder's own order.
        const later = apex === l.steps.length - 1 ? ordered[i - 1] : s;
        cells.push(linkNote(later));
      }
      cells.push(box(s, s.id === l.from.id ? 'from' : s.id === l.to.id ? 'to' : 'between'));
    });
    return `<div class="chart line" aria-label="relationship path">${cells.join('')}</div>`;
  }
  const ancestor = l.steps[apex] as LadderView['steps'][number];
  // Left: from the ancestor down to the searched person; right: down to the home person.
  const left = l.steps.slice(0, apex).reverse();
  const right = l.steps.slice(apex + 1);
  const column = (
    people: readonly LadderView['steps'][number][],
    linkOf: (k: number) => LadderView['steps'][number] | undefined,
    side: string,
  ): string =>
    `<div class="descent ${side}">${people.map((s, k) => `${linkNote(linkOf(k))}${box(s, s.id === l.from.id ? 'from' : s.id === l.to.id ? 'to' : 'between')}`).join('')}</div>`;
  // In the ladder's order a step's link is to the step before it: going down the left column the
  // link between a person and the one above is on the person above (in ladder order, its successor).
  const leftLink = (k: number): LadderView['steps'][number] | undefined => (k === 0 ? ancestor : left[k - 1]);
  const rightLink = (k: number): LadderView['steps'][number] | undefined => right[k];
  return `<div class="chart tree" aria-label="relationship path"><div class="apex">${box(ancestor, 'ancestor')}</div><div class="lines">${column(left, leftLink, 'left')}${column(right, rightLink, 'right')}</div></div>`;
}

function renderTimings(rows: NonNullable<ReportInfo['timings']>, wallMs: number | undefined): string {
  const out = [
    `<section class="timings"><h2>Where the time went</h2>${wallMs !== undefined ? `<p class="meta">Wall time ${Math.round(wallMs)} ms; components overlap when work runs concurrently.</p>` : ''}`,
  ];
  out.push('<table><thead><tr><th>Component</th><th>Operation</th><th>Count</th><th>Total ms</th></tr></thead><tbody>');
  for (const r of timingRows(rows))
    out.push(`<tr><td>${esc(r.component)}</td><td>${esc(r.operation)}</td><td>${r.count}</td><td>${r.total}</td></tr>`);
  out.push('</tbody></table></section>');
  return out.join('\n');
}

/** HTML text and attribute escaping. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:1rem;max-width:60rem;color:#1d232a;background:#fff}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .4rem}h3{font-size:1rem;margin:1rem 0 .4rem}
.meta{color:#5a6570;margin:.2rem 0}.summary{margin:.4rem 0}
.line{color:#5a6570;font-weight:normal;font-size:.9rem}
section.search{border-top:1px solid #d5dbe1;margin-top:1.2rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #e6eaee;vertical-align:top;overflow-wrap:anywhere}
th{font-size:.85rem;color:#5a6570}
.score{font-variant-numeric:tabular-nums;white-space:nowrap}
.conf{font-size:.8rem;padding:0 .3rem;border-radius:.3rem;background:#eef1f4}.conf-strong{background:#d8f0dc}.conf-good{background:#e5f1d4}.conf-fair{background:#f6edcf}.conf-weak{background:#f6d9d5}
.life,.id{color:#5a6570;font-size:.85rem}.link{font-style:italic}
.tie{background:#fff6d6;border-left:4px solid #e0b400;padding:.4rem .6rem}
dl.family{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:.3rem 0}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
.chart{margin:.6rem 0 1rem}
.person{border:1px solid #9fb0c0;border-radius:.4rem;padding:.35rem .5rem;background:#f7f9fb;overflow-wrap:anywhere}
.person strong{display:block}.person .life,.person .rel{display:block}.person .rel{font-size:.85rem;color:#2d5f8a}
.person.from{border-color:#2d5f8a;border-width:2px}.person.to{border-color:#1f7a3a;border-width:2px}.person.ancestor{background:#eef4fa}
.edge{height:1.1rem;margin-left:1.2rem;border-left:2px solid #9fb0c0;font-size:.75rem;padding-left:.4rem;color:#5a6570;font-style:italic}
.chart.line{max-width:24rem}
.chart.tree .apex{max-width:24rem;margin:0 auto}
.chart.tree .lines{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}
.descent{min-width:0}
.timings td:nth-child(3),.timings td:nth-child(4){font-variant-numeric:tabular-nums;text-align:right}
nav ol{padding-left:1.4rem}
@media (max-width:30rem){body{padding:.6rem;font-size:14px}th,td{padding:.25rem .25rem}}
`;
