import { ErrorCode } from '../../src/errors.js';
import { GenealogyErrorCode } from '../../src/genealogy/errors.js';
import { ResearchErrorCode } from '../../src/research/errors.js';
import { SessionErrorCode } from '../../src/session/errors.js';

/** Every stable code of every layer: the runtime's and the application layers' (the union `ErrorCode` in a program that loads them all). */
export const ALL_ERROR_CODES: readonly ErrorCode[] = [
  ...Object.values(ErrorCode),
  ...Object.values(SessionErrorCode),
  ...Object.values(GenealogyErrorCode),
  ...Object.values(ResearchErrorCode),
];

/** The codes that name errors from elsewhere (foreign errors, thrown non-errors) and so have no class of ours. */
export const CODES_WITHOUT_CLASS: readonly ErrorCode[] = [ErrorCode.UNKNOWN, ErrorCode.UNEXPECTED];

/** The codes each rebuilt as a class of ours after crossing a process boundary. */
export const CODES_WITH_CLASS: readonly ErrorCode[] = ALL_ERROR_CODES.filter((c) => !CODES_WITHOUT_CLASS.includes(c));
