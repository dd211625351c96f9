// Option checking of the relay server: every numeric option is validated (a bad one is a
// RelayError INVALID_OPTION) and defaulted in one place, so startRelay works with plain values.

import { RelayError } from "./errors.js";
import {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
} from "./limits.js";
import { silentLogger } from "./logger.js";
import type { RelayServerOptions } from "./server.js";

function positiveInt(name: string, v: number | undefined, dflt: number, allowZero = false): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 0 || (v === 0 && !allowZero)) {
    throw new RelayError(
      "INVALID_OPTION",
      `${name} must be a ${allowZero ? "non-negative" : "positive"} integer`,
    );
  }
  return v;
}

/**
 * Validate `options` and fill in the defaults (see {@link RelayServerOptions}).
 * @throws RelayError `INVALID_OPTION`
 */
export function resolveRelayOptions(options: RelayServerOptions) {
  const host = options.host ?? "127.0.0.1";
  const port = positiveInt("port", options.port, 8888, true);
  if (port > 65535) throw new RelayError("INVALID_OPTION", "port must be at most 65535");
  const maxLineBytes = positiveInt("maxLineBytes", options.maxLineBytes, DEFAULT_MAX_LINE_BYTES);
  const rate = positiveInt(
    "rateLimitPerMinute",
    options.rateLimitPerMinute,
    DEFAULT_RATE_LIMIT_PER_MINUTE,
    true,
  );
  const maxQueueBytes = positiveInt("maxQueueBytes", options.maxQueueBytes, DEFAULT_MAX_QUEUE_BYTES);
  const softQueueBytes = Math.min(
    positiveInt(
      "softQueueBytes",
      options.softQueueBytes,
      Math.min(1024 * 1024, Math.floor(maxQueueBytes / 2)),
    ),
    maxQueueBytes,
  );
  const graceMs = positiveInt("slowConsumerGraceMs", options.slowConsumerGraceMs, 5000);
  const idleMs = positiveInt("idleTimeoutMs", options.idleTimeoutMs, 0, true);
  const warnEveryMs = positiveInt("warningIntervalMs", options.warningIntervalMs, 1000, true);
  const shutdownGraceMs = positiveInt("shutdownGraceMs", options.shutdownGraceMs, 2000, true);
  const maxConnections = positiveInt("maxConnections", options.maxConnections, DEFAULT_MAX_CONNECTIONS, true);
  const maxPerAddress = positiveInt(
    "maxConnectionsPerAddress",
    options.maxConnectionsPerAddress,
    DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    true,
  );
  const log = options.logger ?? silentLogger;
  return {
    host,
    port,
    maxLineBytes,
    rate,
    maxQueueBytes,
    softQueueBytes,
    graceMs,
    idleMs,
    warnEveryMs,
    shutdownGraceMs,
    maxConnections,
    maxPerAddress,
    log,
  };
}
