/** The genealogy layer's error: a file that is not GEDCOM at all. On the runtime's base class. */
import { type BrowserActorErrorOptions, BrowserActorError, registerErrorClass } from '../errors.js';

/** The genealogy layer's stable codes. */
export const GenealogyErrorCode = {
  /** A file is not a GEDCOM file at all (as opposed to a GEDCOM file with bad lines, which are reported as diagnostics). */
  INVALID_GEDCOM: 'ERR_INVALID_GEDCOM',
} as const;

/** Any of the genealogy layer's codes. */
export type GenealogyErrorCode = (typeof GenealogyErrorCode)[keyof typeof GenealogyErrorCode];

declare module '../errors.js' {
  interface ApplicationErrorCodes {
    genealogy: GenealogyErrorCode;
  }
}

/** The input is not a GEDCOM file (`ERR_INVALID_GEDCOM`); the message says what was found instead. */
export class InvalidGedcomError extends BrowserActorError {
  override name = 'InvalidGedcomError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(GenealogyErrorCode.INVALID_GEDCOM, message, options);
  }
}

registerErrorClass(GenealogyErrorCode.INVALID_GEDCOM, InvalidGedcomError);
