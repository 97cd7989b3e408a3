import { describe, expect, it } from 'vitest';
import {
  ActorCrashedError,
  BrowserActorError,
  MailboxFullError,
  type SerializedError,
  TaskTimeoutError,
  deserializeError,
  isBrowserActorError,
  serializeError,
} from '../../src/errors.js';
import { CODES_WITH_CLASS } from '../support/error-codes.js';

describe('errors', () => {
  it('every code has a class that round-trips through plain data (as across a process)', () => {
    for (const code of CODES_WITH_CLASS) {
      const original = deserializeError({ name: 'x', code, message: `about ${code}`, details: { taskId: 't1' } });
      expect(original).toBeInstanceOf(BrowserActorError);
      const wire = JSON.parse(JSON.stringify(serializeError(original))) as SerializedError;
      const rebuilt = deserializeError(wire) as BrowserActorError;
      expect(rebuilt.constructor).toBe(original.constructor);
      expect(rebuilt.code).toBe(code);
      expect(rebuilt.message).toBe(`about ${code}`);
      expect(rebuilt.details).toEqual({ taskId: 't1' });
    }
  });

  it('keeps the cause chain and the subclass', () => {
    const error = new ActorCrashedError('browser died', {
      cause: new TaskTimeoutError('slow'),
      details: { maybeExecuted: true },
    });
    const rebuilt = deserializeError(JSON.parse(JSON.stringify(error)) as SerializedError) as ActorCrashedError;
    expect(rebuilt).toBeInstanceOf(ActorCrashedError);
    expect(rebuilt.name).toBe('ActorCrashedError');
    expect(rebuilt.details['maybeExecuted']).toBe(true);
    expect(rebuilt.cause).toBeInstanceOf(TaskTimeoutError);
  });

  it('serialises foreign errors and non-errors without their content', () => {
    expect(serializeError(new RangeError('r'))).toEqual({ name: 'RangeError', code: 'ERR_UNKNOWN', message: 'r' });
    expect(serializeError({ password: 'hunter2' })).toEqual({
      name: 'Error',
      code: 'ERR_UNKNOWN',
      message: 'Non-error value thrown (object)',
    });
    const unknown = deserializeError({ name: 'WeirdError', code: 'ERR_WEIRD', message: 'w' });
    expect(unknown.name).toBe('WeirdError');
    expect((unknown as Error & { code: string }).code).toBe('ERR_WEIRD');
  });

  it('isBrowserActorError narrows by code', () => {
    const e = new MailboxFullError('full');
    expect(isBrowserActorError(e)).toBe(true);
    expect(isBrowserActorError(e, 'ERR_MAILBOX_FULL')).toBe(true);
    expect(isBrowserActorError(e, 'ERR_SHED')).toBe(false);
    expect(isBrowserActorError(new Error('x'))).toBe(false);
  });
});
