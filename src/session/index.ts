/**
 * `browser-actor/session`: a signed-in session on a site, over the runtime. The
 * {@link SessionManager} signs in, checks the sign-in adaptively (probes coalesced), shares the
 * browser's cookies with an HTTP API client and paces every request through one rate limiter; the
 * {@link BrowserManager} avoids needless navigation and opens tabs only when needed.
 * @packageDocumentation
 */
export {
  SessionManager,
  REFERENCE_SITE_PROFILE,
  type CodeProvider,
  type Identity,
  type SessionManagerOptions,
  type SessionStats,
  type SiteProfile,
} from './session-manager.js';
export { BrowserManager, normalizeUrl, type BrowserManagerOptions, type NavResult } from './browser-manager.js';
export { ApiClient, type ApiClientOptions, type ApiStats } from './api-client.js';
export { RateLimiter, type RateLimiterOptions } from './rate-limiter.js';
export { withRetry, type RetryDecision, type RetryOptions } from './retry.js';
export { AuthCheckPolicy, type AuthPolicyOptions } from './auth-policy.js';
export { ProbeCoalescer, type ProbeCoalescerOptions } from './probe-coalescer.js';
export { describeSessionConfig, loadSessionConfig, parseDotEnv, withDotEnv, type SessionConfig } from './session-config.js';
export { HttpStatusError, NetworkError, NotSignedInError, PageGoneError, SessionErrorCode, SignInError } from './errors.js';
