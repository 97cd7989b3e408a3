/** The research job's error: criteria that cannot be searched for. On the runtime's base class. */
import { type BrowserActorErrorOptions, BrowserActorError, registerErrorClass } from '../errors.js';

/** The research layer's stable codes. */
export const ResearchErrorCode = {
  /** Research criteria are missing or malformed (a name is required; years must be years, …). */
  INVALID_CRITERIA: 'ERR_INVALID_CRITERIA',
} as const;

/** Any of the research layer's codes. */
export type ResearchErrorCode = (typeof ResearchErrorCode)[keyof typeof ResearchErrorCode];

declare module '../errors.js' {
  interface ApplicationErrorCodes {
    research: ResearchErrorCode;
  }
}

/** Research criteria are missing or malformed (`ERR_INVALID_CRITERIA`); the message names the field. */
export class InvalidCriteriaError extends BrowserActorError {
  override name = 'InvalidCriteriaError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(ResearchErrorCode.INVALID_CRITERIA, message, options);
  }
}

registerErrorClass(ResearchErrorCode.INVALID_CRITERIA, InvalidCriteriaError);
