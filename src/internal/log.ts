/**
 * The logging interface the layers below the composition root write to: pino's method shape
 * (an object of fields, then a message). `silentLog` is the default everywhere; the CLI and
 * programs pass a real logger (see src/logging.ts), which redacts what it writes.
 */
export interface Log {
  trace(fields: object, message?: string): void;
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

const nothing = (): void => undefined;
export const silentLog: Log = { trace: nothing, debug: nothing, info: nothing, warn: nothing, error: nothing };
