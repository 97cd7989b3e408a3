/**
 * The one way options are checked: each check names the option, says what was expected and what
 * came, and throws {@link InvalidOptionError} (`ERR_INVALID_OPTION`), never a `RangeError` or a
 * `TypeError`. Message style: "`name` must be <expected>, got <value>".
 */
import { InvalidOptionError } from '../errors.js';

/** How a value that came is shown in a message: numbers and booleans as written, text quoted and cut short, others by type. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null || value === undefined)
    return String(value);
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}

/** The error for option `name`: it must be `expected`, and `value` came. */
export function badOption(name: string, expected: string, value: unknown): InvalidOptionError {
  return new InvalidOptionError(`${name} must be ${expected}, got ${shown(value)}`);
}

/** A finite number above 0. */
export function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw badOption(name, 'a positive number', value);
  return value;
}

/** A finite number of at least `min`. */
export function atLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw badOption(name, `a number ≥ ${min}`, value);
  return value;
}

/** A finite number strictly between `low` and `high`. */
export function between(name: string, value: unknown, low: number, high: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > low && value < high))
    throw badOption(name, `a number between ${low} and ${high} (both excluded)`, value);
  return value;
}

/** An integer above 0. */
export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw badOption(name, 'a positive integer', value);
  return value;
}

/** An integer from `min` to `max` (both included; `max` may be left open). */
export function integerIn(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw badOption(name, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** An optional true/false option: `fallback` when absent, else it must be a boolean (not 'true', not 1). */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw badOption(name, 'true or false', value);
  return value;
}

/** One of `allowed`. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw badOption(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  return value as T;
}
