// Per-request loggers cost: Fastify makes a pino child (with a request-id binding) for every
// request. When the level is above `info`, the server logs nothing per request — only errors,
// which name the request id themselves — so every request shares the server's logger instead.

import type { FastifyServerOptions } from "fastify";

/** Levels at which Fastify logs each request (incoming / completed). */
const REQUEST_LEVELS: ReadonlySet<string> = new Set(["trace", "debug", "info"]);

/**
 * Fastify options that skip the per-request child logger when the configured `level` logs no
 * requests (`warn` and above); empty otherwise (and when logging is off: Fastify skips it then).
 */
export function requestLoggerOptions(level: string | undefined): Partial<FastifyServerOptions> {
  if (level === undefined || REQUEST_LEVELS.has(level)) return {};
  return {
    disableRequestLogging: true,
    childLoggerFactory: (logger) => logger,
  };
}
