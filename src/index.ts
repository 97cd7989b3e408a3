/**
 * browser-actor, the runtime: one actor owns one browser and serves typed tasks from a bounded
 * priority mailbox; a supervisor keeps it alive; dispatchers spread work over processes and
 * machines. Start with {@link createBrowserActor} or {@link createSessionSupervisor}.
 *
 * The application layers built on it have entry points of their own:
 * `browser-actor/session` (sign-in, auth checks, the HTTP API client, the rate limiter),
 * `browser-actor/genealogy` (GEDCOM, family trees, kinship, scoring),
 * `browser-actor/research` (the research job), `browser-actor/site` (the reference tree site),
 * `browser-actor/observability` (logging, metrics, the status page) and
 * `browser-actor/testing` (the Fake driver and a manual clock).
 * @packageDocumentation
 */
export {
  createBrowserActor,
  createSessionSupervisor,
  type CreateBrowserActorOptions,
  type CreateSessionSupervisorOptions,
} from './compose.js';
export { loadConfig, type Config } from './config.js';
export { type BrowserOptions } from './compose.js';
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
export { DEFAULT_RECYCLE } from './runtime/supervisor/supervisor-options.js';
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
export { findChromium, HEADLESS_SHELL_CANDIDATES, type ChromiumChoice } from './drivers/find-chromium.js';
export { BLOCKED_RESOURCES } from './drivers/browser-types.js';
export { systemClock, type Clock, type TimerHandle } from './internal/clock.js';
export * from './errors.js';
export type {
  ExecutorCapabilities,
  ExecutorEvent,
  ExecutorEventOf,
  ExecutorEventType,
  ExecutorHealth,
  ExecutorKind,
  ExecutorLaneHandle,
  ExecutorLaneOptions,
  ExecutorState,
  ExecutorSubmitOptions,
  TaskExecutor,
  Where,
} from './runtime/executor.js';
export { onExecutorEvent } from './runtime/executor.js';
