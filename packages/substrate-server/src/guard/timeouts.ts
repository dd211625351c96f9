// Connection and request timeouts (and the HTTPS switch) as Fastify server options. Node's defaults
// let a body that stops half-way hold its connection and buffers forever. Here headers must arrive
// within `headersMs`, a body within `bodyMs` (enforced by body-guard.ts with a 408), a whole
// exchange, answer included, within `requestMs` (a backstop: Node then drops the connection), an
// idle connection is closed after `idleMs`, and the server checks for overdue requests every
// `checkEveryMs` (Node's default is 30 s, which would let a stalled request live up to 30 s longer).

import type { FastifyServerOptions } from "fastify";

/** Timeouts of the HTTP server, in ms. */
export interface ServerTimeouts {
  /** A request body must be received within this after its headers (default 20000). */
  bodyMs: number;
  /** A whole exchange, answer included, must finish within this (default 120000). */
  requestMs: number;
  /** Headers must be received within this (default 10000). */
  headersMs: number;
  /** A connection with no traffic at all is closed after this (default 30000). */
  idleMs: number;
  /** Keep-alive connections between requests are closed after this (default 5000). */
  keepAliveMs: number;
  /** How often overdue requests are looked for (default 2000). */
  checkEveryMs: number;
}

/** Defaults: a stalled body is cut 20 s after its headers; stalled headers within 10 s + 2 s. */
export const DEFAULT_TIMEOUTS: ServerTimeouts = {
  bodyMs: 20_000,
  requestMs: 120_000,
  headersMs: 10_000,
  idleMs: 30_000,
  keepAliveMs: 5_000,
  checkEveryMs: 2_000,
};

/** PEM certificate chain and private key for HTTPS. */
export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
}

/** The Fastify options for `timeouts` (defaults filled in) and, if given, HTTPS with `tls`. */
export function serverTimeoutOptions(
  timeouts: Partial<ServerTimeouts> | undefined,
  tls: TlsFiles | undefined,
): Pick<FastifyServerOptions, "connectionTimeout" | "keepAliveTimeout" | "requestTimeout"> & {
  http?: object;
  https?: object;
} {
  const t = { ...DEFAULT_TIMEOUTS, ...timeouts };
  for (const [k, v] of Object.entries(t)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`timeouts.${k} must be a positive integer`);
  }
  // Node requires headersTimeout <= requestTimeout.
  const nodeServer = {
    headersTimeout: Math.min(t.headersMs, t.requestMs),
    requestTimeout: t.requestMs,
    connectionsCheckingInterval: t.checkEveryMs,
  };
  return {
    connectionTimeout: t.idleMs,
    keepAliveTimeout: t.keepAliveMs,
    requestTimeout: t.requestMs,
    // Fastify hands `http` to http.createServer and `https` to https.createServer.
    ...(tls ? { https: { ...nodeServer, cert: tls.cert, key: tls.key } } : { http: nodeServer }),
  };
}
