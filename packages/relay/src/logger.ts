// Minimal pluggable logger. The relay and the client log through this interface only,
// so applications can route logs anywhere; the default is silent.

/** A minimal logger: any object with these four methods (console works). */
export interface Logger {
  /** Verbose diagnostics (dropped lines, reconnect attempts). */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Lifecycle events (listening, connected). */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something went wrong but the process carries on. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Something went wrong badly. */
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** A logger that discards everything (the default). */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
