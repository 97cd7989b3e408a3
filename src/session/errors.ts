/**
 * The session layer's errors: signing in, the site's HTTP answers, reaching the site. They share
 * the runtime's base class ({@link BrowserActorError}) and travel across processes the same way.
 */
import { type BrowserActorErrorOptions, BrowserActorError, registerErrorClass } from '../errors.js';

/** The session layer's stable codes. */
export const SessionErrorCode = {
  /** The site says the session is not signed in (401/403), and signing in again did not help. */
  NOT_SIGNED_IN: 'ERR_NOT_SIGNED_IN',
  /** Signing in failed: wrong credentials, a missing or wrong second-factor code, an unexpected page. */
  SIGN_IN: 'ERR_SIGN_IN',
  /** The site answered an HTTP error (details.status), after the retries that apply. */
  HTTP: 'ERR_HTTP',
  /** The site could not be reached (refused, reset, DNS), after retries. */
  NETWORK: 'ERR_NETWORK',
  /** A page the site says is gone (404/410). */
  PAGE_GONE: 'ERR_PAGE_GONE',
} as const;

/** Any of the session layer's codes. */
export type SessionErrorCode = (typeof SessionErrorCode)[keyof typeof SessionErrorCode];

declare module '../errors.js' {
  interface ApplicationErrorCodes {
    session: SessionErrorCode;
  }
}

/** The session is not signed in and could not be re-established (`ERR_NOT_SIGNED_IN`). */
export class NotSignedInError extends BrowserActorError {
  override name = 'NotSignedInError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(SessionErrorCode.NOT_SIGNED_IN, message, options);
  }
}

/** Signing in failed (`ERR_SIGN_IN`); the message says why, never with the password. */
export class SignInError extends BrowserActorError {
  override name = 'SignInError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(SessionErrorCode.SIGN_IN, message, options);
  }
}

/** An HTTP error answer (`ERR_HTTP`); `details.status` and `details.path`. */
export class HttpStatusError extends BrowserActorError {
  override name = 'HttpStatusError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(SessionErrorCode.HTTP, message, options);
  }
}

/** The site could not be reached (`ERR_NETWORK`). */
export class NetworkError extends BrowserActorError {
  override name = 'NetworkError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(SessionErrorCode.NETWORK, message, options);
  }
}

/** The page is gone (`ERR_PAGE_GONE`); `details.status`. */
export class PageGoneError extends BrowserActorError {
  override name = 'PageGoneError';
  constructor(message: string, options?: BrowserActorErrorOptions) {
    super(SessionErrorCode.PAGE_GONE, message, options);
  }
}

registerErrorClass(SessionErrorCode.NOT_SIGNED_IN, NotSignedInError);
registerErrorClass(SessionErrorCode.SIGN_IN, SignInError);
registerErrorClass(SessionErrorCode.HTTP, HttpStatusError);
registerErrorClass(SessionErrorCode.NETWORK, NetworkError);
registerErrorClass(SessionErrorCode.PAGE_GONE, PageGoneError);
