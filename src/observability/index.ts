/**
 * `browser-actor/observability`: what the executors report, made visible. Structured logs of every
 * executor event (secrets redacted), Prometheus metrics, and a live status page served beside them.
 * @packageDocumentation
 */
export {
  LOG_LEVELS,
  createLogger,
  logEvents,
  parseLogLevel,
  type LogLevel,
  type Logger,
  type LoggerOptions,
  type LoggedSources,
} from './logging.js';
export { createMetrics, type MetricSources, type Metrics } from './metrics.js';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './metrics-server.js';
export {
  createStatusBoard,
  type ActorStatus,
  type BatchStatus,
  type DispatcherStatus,
  type FaultStatus,
  type QueueStatus,
  type RedisStatus,
  type RunningTask,
  type StatusBoard,
  type StatusSnapshot,
  type Throughput,
  type WorkerStatus,
} from './status.js';
