/**
 * The page workload the lanes and dispatch benchmarks share: reference-site person pages, each a
 * navigation plus a script that reads the name and the lifespan.
 */
import { randomBytes } from 'node:crypto';
import { generateTree } from '../src/genealogy/synthetic.js';
import type { FamilyTree } from '../src/genealogy/tree.js';
import { type TreeSite, startTreeSite } from '../src/site/server.js';
import { ExecuteJS, Navigate } from '../src/runtime/tasks/constructors.js';
import type { ResultOf, Task } from '../src/runtime/tasks/types.js';

/** A person page and the name it must show. */
export interface PersonPage {
  readonly path: string;
  readonly name: string;
}

/** The script body that reads a person page (run as is by the runtime, wrapped by plain Playwright). */
export const READ_PERSON = `const name = document.querySelector('#person-name')?.textContent ?? null;
const born = document.querySelector('#born')?.textContent ?? '';
const died = document.querySelector('#died')?.textContent ?? '';
return { name, lifespan: born + ' – ' + died };`;

/** `count` person pages of `tree`, spread over it (every 37th person). */
export function personPages(tree: FamilyTree, count: number): PersonPage[] {
  const pages: PersonPage[] = [];
  for (let i = 0; pages.length < count; i = (i + 37) % tree.size) {
    const p = tree.person(i);
    pages.push({ path: `/person/${encodeURIComponent(p.id)}`, name: [p.given, p.surname].filter(Boolean).join(' ') });
  }
  return pages;
}

/** A supervisor's or a dispatcher's `withLane`. */
type WithLane = <R>(fn: (lane: { submit<T extends Task>(task: T): Promise<ResultOf<T>> }) => Promise<R>) => Promise<R>;

/** Visit a page as our side does: navigate, then read, on one lane (tab). */
export function laneVisitor(withLane: WithLane, origin: string): (page: PersonPage) => Promise<{ name: string | null; lifespan: string }> {
  const read = ExecuteJS<{ name: string | null; lifespan: string }>(READ_PERSON, [], { idempotent: true });
  return (page) =>
    withLane(async (lane) => {
      await lane.submit(Navigate(origin + page.path));
      return lane.submit(read);
    });
}

/** Visit a page the plainest way: a Navigate, then a read, each submitted on its own (no lane handle). */
export function plainVisitor(
  executor: { submit<T extends Task>(task: T): Promise<ResultOf<T>> },
  origin: string,
): (page: PersonPage) => Promise<{ name: string | null; lifespan: string }> {
  const read = ExecuteJS<{ name: string | null; lifespan: string }>(READ_PERSON, [], { idempotent: true });
  return async (page) => {
    await executor.submit(Navigate(origin + page.path));
    return executor.submit(read);
  };
}

/**
 * The reference site for a page benchmark, on loopback, with a synthetic tree of `people`, one
 * account (`bench`, a fresh password), no rate limit, and loads of task pages counted per tag:
 * pages tagged `?task=k` are counted when the site serves them, so re-runs show as extra loads.
 */
export async function startPageSite(options: {
  readonly people: number;
  readonly latencyMs?: number;
  readonly sessionTtlMs?: number;
}): Promise<{ readonly site: TreeSite; readonly tree: FamilyTree; readonly password: string; readonly served: Map<string, number> }> {
  const password = randomBytes(12).toString('base64url');
  const { tree, referencePerson } = generateTree({ people: options.people, seed: 1 });
  const served = new Map<string, number>();
  const site = await startTreeSite({
    tree,
    referencePerson,
    users: [{ username: 'bench', password }],
    rateLimit: false,
    ...(options.latencyMs === undefined ? {} : { knobs: { latencyMs: { 'GET /person/:id': options.latencyMs } } }),
    ...(options.sessionTtlMs === undefined ? {} : { sessionTtlMs: options.sessionTtlMs }),
    onServe: (method, url) => {
      const task = url.searchParams.get('task');
      if (task !== null && method === 'GET') served.set(task, (served.get(task) ?? 0) + 1);
    },
  });
  return { site, tree, password, served };
}
