import type { SearchQuery } from '../genealogy/search-index.js';
import { HttpError } from './http.js';

/** The search parameters the API and the search page accept, checked. */
export const SEARCH_PARAMS = [
  'given',
  'surname',
  'sex',
  'birthYearFrom',
  'birthYearTo',
  'birthPlace',
  'deathYearFrom',
  'deathYearTo',
  'deathPlace',
  'page',
  'pageSize',
] as const;

export function searchParams(params: URLSearchParams): { query: SearchQuery; page: number; pageSize: number } {
  for (const key of params.keys()) {
    if (!(SEARCH_PARAMS as readonly string[]).includes(key))
      throw new HttpError(
        400,
        'bad_parameter',
        `Unknown search parameter "${key.slice(0, 50)}"; known: ${SEARCH_PARAMS.join(', ')}`,
        key.slice(0, 50),
      );
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
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max)
      throw new HttpError(400, 'bad_parameter', `"${name}" must be a whole number from ${min} to ${max}`, name);
    return Number(v);
  };
  const sex = params.get('sex') ?? undefined;
  if (sex !== undefined && sex !== '' && !['M', 'F', 'U'].includes(sex))
    throw new HttpError(400, 'bad_parameter', '"sex" must be M, F or U', 'sex');
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
    if (a !== undefined && b !== undefined && a > b)
      throw new HttpError(400, 'bad_parameter', `"${from}" (${a}) is after "${to}" (${b})`, from);
  }
  return { query, page: int('page', 1, 1_000_000) ?? 1, pageSize: int('pageSize', 1, 100) ?? 20 };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
