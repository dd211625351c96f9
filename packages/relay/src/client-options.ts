// The public shapes of the TCP relay client: its options, the events it emits and its counters.

import type { DropReason, RelayMessage } from "./envelope.js";
import type { Logger } from "./logger.js";

/** Options for {@link RelayClient} and {@link connectRelay}. */
export interface RelayClientOptions {
  /** Relay host (default `127.0.0.1`). */
  host?: string;
  /** Relay port (default 8888). */
  port?: number;
  /** First reconnect delay in ms (default 100). */
  minDelayMs?: number;
  /** Largest reconnect delay in ms (default 10 000). */
  maxDelayMs?: number;
  /** Consecutive failed connection attempts before giving up (default Infinity). */
  maxAttempts?: number;
  /** Give up a connection attempt after this long (default 10 000 ms). */
  connectTimeoutMs?: number;
  /** Largest line sent, excluding `\n` (default 65536, the relay's limit); longer sends reject with `LINE_TOO_LONG`. */
  maxLineBytes?: number;
  /**
   * Largest relayed line accepted (default 2 × maxLineBytes + 1024). The relay's framing
   * escapes `"` and `\` in the content, so a maximal legal client line can arrive up to about
   * twice as long; longer received lines are dropped (without buffering) and counted.
   */
  maxReceiveLineBytes?: number;
  /** Lines queued while disconnected or waiting for `drain` (default 1000); beyond it sends reject with `QUEUE_FULL`. */
  maxQueuedLines?: number;
  /** Queue sends while disconnected (default true); if false they reject with `NOT_CONNECTED`. */
  queueWhileDisconnected?: boolean;
  /** Logger (default silent). */
  logger?: Logger;
  /** Random source in [0, 1) for jitter (injectable for tests). */
  random?: () => number;
  /**
   * Connect with TLS (a relay started with a certificate). `ca` adds trusted CA certificates (PEM)
   * for a private CA; `servername` overrides the name checked in the certificate (default `host`).
   */
  tls?: { ca?: string | Buffer; servername?: string };
}

/** Events emitted by a {@link RelayClient}. */
export interface RelayClientEvents {
  /** A connection was established (first time or after a reconnect). */
  connected: { host: string; port: number };
  /** An established connection was lost. */
  disconnected: { error?: Error };
  /** A reconnect is scheduled after `delayMs`; `attempt` counts consecutive failures. */
  reconnecting: { attempt: number; delayMs: number };
  /** A valid message from another client. */
  message: RelayMessage;
  /** A server notice (`Warning: ...`). */
  notice: string;
  /** `maxAttempts` was exhausted; the client is now closed. */
  giveup: { attempts: number; error?: Error };
  /** The client was closed. */
  closed: Record<string, never>;
}

/** Counters exposed by {@link RelayClient.stats}. */
export interface RelayClientStats {
  /** Lines received / written to the socket. */
  lines: { in: number; out: number };
  /** Messages and notices delivered to listeners. */
  messages: number;
  notices: number;
  /** Received lines dropped, by cause. */
  drops: Record<DropReason | "too-long" | "invalid-utf8", number>;
  /** Lines currently waiting to be written. */
  queued: number;
  /** Successful connections, and scheduled reconnects. */
  connects: number;
  reconnects: number;
}
