/**
 * `browser-actor/site`: the reference family-tree site (a real HTTP server with sign-in, a second
 * factor, rate limits, pages and a JSON API) that the research job and the tests run against.
 * @packageDocumentation
 */
export {
  startTreeSite,
  type SignInLimits,
  type SiteCaps,
  type SiteKnobs,
  type SiteUser,
  type TreeSite,
  type TreeSiteOptions,
} from './server.js';
export { DEFAULT_SIGN_IN_LIMITS, DEFAULT_SITE_CAPS } from './auth.js';
export { totpCode } from '../internal/totp.js';
