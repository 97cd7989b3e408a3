import type { IncomingMessage } from 'node:http';
import { HttpError, header, safeEqual } from './http.js';

/** The knobs tests and benchmarks turn, and the token check of the admin endpoint that sets them. */

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

export const NO_KNOBS: SiteKnobs = { latencyMs: {}, errorRate: 0, storm429: false, hang: [] };

export function validateKnobs(k: SiteKnobs): SiteKnobs {
  const bad = (what: string): never => {
    throw new HttpError(400, 'bad_parameter', `knob ${what}`, what.split(' ')[0]);
  };
  const known = ['latencyMs', 'errorRate', 'storm429', 'hang'];
  for (const key of Object.keys(k)) if (!known.includes(key)) bad(`${key.slice(0, 50)} is unknown; knobs are ${known.join(', ')}`);
  if (typeof k.latencyMs !== 'object' || k.latencyMs === null) bad('latencyMs must be an object of route → milliseconds');
  for (const [route, ms] of Object.entries(k.latencyMs))
    if (typeof ms !== 'number' || !(ms >= 0) || ms > 600_000) bad(`latencyMs["${route.slice(0, 100)}"] must be 0–600000 ms`);
  if (typeof k.errorRate !== 'number' || !(k.errorRate >= 0 && k.errorRate <= 1)) bad('errorRate must be a number from 0 to 1');
  if (typeof k.storm429 !== 'boolean') bad('storm429 must be true or false');
  if (!Array.isArray(k.hang) || !k.hang.every((r) => typeof r === 'string')) bad('hang must be a list of route keys');
  return { latencyMs: { ...k.latencyMs }, errorRate: k.errorRate, storm429: k.storm429, hang: [...k.hang] };
}

/** Throws unless the admin endpoint is enabled and the request carries its token. */
export function checkAdmin(req: IncomingMessage, adminToken: string | undefined): void {
  if (adminToken === undefined)
    throw new HttpError(404, 'not_found', 'No such route (the admin endpoint is disabled; start the site with --admin to enable it)');
  if (!safeEqual(header(req, 'x-admin-token') ?? '', adminToken))
    throw new HttpError(403, 'forbidden', 'Wrong or missing x-admin-token header');
}
