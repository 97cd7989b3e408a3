import { InvalidOptionError } from '../errors.js';
import { PRIORITY_LEVELS } from './mailbox/mailbox.js';

/** Shared by the actor and the supervisor: option checks and following an earlier submit's answer. */

export function isPriority(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < PRIORITY_LEVELS;
}

export function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new InvalidOptionError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidOptionError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** The shared answer of an earlier submit, but settled early by this caller's own signal. */
export function follow(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<unknown> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
