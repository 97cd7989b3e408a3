/**
 * browser-actor: one actor owns one browser and serves typed tasks from a bounded priority
 * mailbox. Start with {@link createBrowserActor}.
 */
export { createBrowserActor, createSessionSupervisor, type CreateBrowserActorOptions, type CreateSessionSupervisorOptions } from './compose.js';
export { loadConfig, type Config } from './config.js';
export { LOG_LEVELS, createLogger, logEvents, parseLogLevel, type LogLevel, type Logger, type LoggerOptions, type LoggedSources } from './observability/logging.js';
export { type BrowserOptions } from './compose.js';
export { createMetrics, type MetricSources, type Metrics } from './observability/metrics.js';
export { startMetricsServer, type MetricsServer } from './observability/metrics-server.js';
export { createStatusBoard, type ActorStatus, type DispatcherStatus, type StatusBoard, type StatusSnapshot, type WorkerStatus } from './observability/status.js';
export {
  BrowserActor,
  type ActorState,
  type ActorStats,
  type BrowserActorEvents,
  type BrowserActorOptions,
  type SubmitOptions,
  type TaskOutcome,
} from './runtime/actor/browser-actor.js';
export {
  SessionSupervisor,
  type FaultKind,
  type FaultRecord,
  type SessionSupervisorEvents,
  type SessionSupervisorOptions,
  type SupervisedSubmitOptions,
  type SupervisorHealth,
  type LaneHandle,
  type LaneHealth,
  type LaneOptions,
  type LaneWork,
  type SupervisorState,
} from './runtime/supervisor/session-supervisor.js';
export {
  WorkDispatcher,
  createWorkDispatcher,
  type DispatchLaneHandle,
  type DispatchSubmitOptions,
  type DispatcherStats,
  type WorkDispatcherEvents,
  type WorkDispatcherOptions,
  type WorkerState,
  type WorkerStats,
} from './runtime/dispatch/work-dispatcher.js';
export {
  RedisWorkDispatcher,
  createRedisDispatcher,
  type RedisDispatcherEvents,
  type RedisDispatcherStats,
  type RedisWorkDispatcherOptions,
} from './runtime/dispatch/redis-dispatcher.js';
export { startWorkerHost, type WorkerHost, type WorkerHostOptions } from './runtime/dispatch/redis-host.js';
export { readClusterStatus, type ClusterHost, type ClusterStatus, type HostAnnouncement } from './runtime/dispatch/redis-cluster.js';
export { type RedisLinkChange, type RedisLinkStatus } from './runtime/dispatch/redis-link.js';
export { backoffCeilingMs, nextDelayMs, type BackoffOptions } from './internal/backoff.js';
export {
  OverflowPolicy,
  PRIORITY_LEVELS,
  Priority,
  PriorityMailbox,
  type MailboxOptions,
  type Ticket,
  type TicketState,
} from './runtime/mailbox/mailbox.js';
export { CurrentUrl, ExecuteJS, ExportCookies, GetCookies, ImportCookies, Navigate, Screenshot } from './runtime/tasks/constructors.js';
export { toNetscape } from './runtime/tasks/cookie-formats.js';
export { isIdempotent } from './runtime/tasks/run-task.js';
export { defaultTaskLimits, type TaskLimits } from './runtime/tasks/validate.js';
export type * from './runtime/tasks/types.js';
export type * from './drivers/driver.js';
export { PlaywrightDriver, REQUIRED_CHROMIUM_FLAGS, type PlaywrightDriverOptions } from './drivers/playwright/playwright-driver.js';
export { WEBDRIVER_CAPABILITIES, WebDriverDriver, type WebDriverDriverOptions } from './drivers/webdriver/webdriver-driver.js';
export { FULL_CAPABILITIES, type DriverCapabilities } from './drivers/driver.js';
export { findChromium } from './drivers/find-chromium.js';
export { systemClock, type Clock, type TimerHandle } from './internal/clock.js';
export * from './errors.js';
export { SessionManager, REFERENCE_SITE_PROFILE, type CodeProvider, type Identity, type SessionManagerOptions, type SessionStats, type SiteProfile } from './session/session-manager.js';
export { BrowserManager, normalizeUrl, type BrowserManagerOptions, type NavResult } from './session/browser-manager.js';
export { ApiClient, type ApiClientOptions, type ApiStats } from './session/api-client.js';
export { RateLimiter, type RateLimiterOptions } from './session/rate-limiter.js';
export { withRetry, type RetryDecision, type RetryOptions } from './session/retry.js';
export { AuthCheckPolicy, type AuthPolicyOptions } from './session/auth-policy.js';
export { ProbeCoalescer, type ProbeCoalescerOptions } from './session/probe-coalescer.js';
export { describeSessionConfig, loadSessionConfig, parseDotEnv, withDotEnv, type SessionConfig } from './session/session-config.js';
export { readGedcom, type GedcomDiagnostic, type GedcomReadResult } from './genealogy/gedcom.js';
export { parseGedcomDate, lifespan, type GedcomDate } from './genealogy/dates.js';
export { ladder, relationship, type Kinship, type Ladder, type LadderStep } from './genealogy/kinship.js';
export { FamilyTree, TreeBuilder, type Family, type Person, type Sex } from './genealogy/tree.js';
export { chooseHomePerson, gedcomLines, generateTree, type SyntheticOptions } from './genealogy/synthetic.js';
export { startTreeSite, type SiteKnobs, type SiteUser, type TreeSite, type TreeSiteOptions } from './site/server.js';
export { totpCode } from './internal/totp.js';
