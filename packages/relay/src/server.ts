// The relay server: a Summoner-compatible TCP broadcast bus. Every line a client sends is
// delivered to every other client framed exactly like Summoner's Python relay, with
// per-connection limits (line size, rate, outgoing queue, idle time) and connection caps so
// that no client can make the relay grow memory without bound or delay the others: a client
// that reads too slowly loses its own deliveries (and then its connection), nobody else's.

import type net from "node:net";
import type tls from "node:tls";
import { formatRemoteAddr } from "./address.js";
import { ConnectionCaps } from "./conn-caps.js";
import { frameRelayedLine } from "./envelope.js";
import { LineSplitter } from "./line-splitter.js";
import type { Logger } from "./logger.js";
import { resolveRelayOptions } from "./server-options.js";
import { createListener, type RelayTlsOptions } from "./tls-server.js";
import { TokenBucket } from "./token-bucket.js";

/** Notices the relay sends (each followed by `\n`). */
export const WARNINGS = Object.freeze({
  rateLimit: "Warning: You are sending messages too quickly. Please slow down.",
  shutdown: "Warning: Server is shutting down.",
  idle: "Warning: Disconnected due to inactivity.",
  slowConsumer: "Warning: Disconnected because you are not reading fast enough.",
  invalidUtf8: "Warning: Line is not valid UTF-8; it was dropped.",
  tooManyConnections: "Warning: Too many connections; try again later.",
  tooLong: (max: number) => `Warning: Line too long (max ${max} bytes); it was dropped.`,
});

/** Options for {@link startRelay}. */
export interface RelayServerOptions {
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /** Port (default 8888; 0 picks any free port). */
  port?: number;
  /** Largest line in bytes, excluding `\n` (default 65536). Longer lines are dropped. */
  maxLineBytes?: number;
  /** Lines per minute per connection, burst of the same size (default 1000; 0 = off). */
  rateLimitPerMinute?: number;
  /** Hard cap on a client's unsent outgoing bytes; above it the client is disconnected (default 8 MiB). */
  maxQueueBytes?: number;
  /**
   * Soft cap on a client's unsent outgoing bytes (default min(1 MiB, maxQueueBytes / 2)).
   * Above it, deliveries to that client are dropped (counted in `drops.queueFull`); senders are
   * never paused, so a slow reader delays nobody but itself.
   */
  softQueueBytes?: number;
  /**
   * A client that stays above the soft cap this long without draining at least `softQueueBytes / 4`
   * bytes is disconnected as a slow consumer (default 5000).
   */
  slowConsumerGraceMs?: number;
  /** Most clients connected at once (default 4096; 0 = no limit). Beyond it new ones get a notice and are closed. */
  maxConnections?: number;
  /** Most clients connected at once from one source IP (default 512; 0 = no limit). */
  maxConnectionsPerAddress?: number;
  /** Serve TLS with this certificate and key (PEM) instead of plain TCP. */
  tls?: RelayTlsOptions;
  /** Disconnect a client that sent nothing for this long (default 0 = never). */
  idleTimeoutMs?: number;
  /** Minimum interval between two warnings of the same kind to one client (default 1000). */
  warningIntervalMs?: number;
  /** How long `close()` waits for clients to hang up before destroying sockets (default 2000). */
  shutdownGraceMs?: number;
  /** Logger (default silent). Line contents are never logged. */
  logger?: Logger;
}

/** Counters exposed by {@link RelayServer.metrics}. */
export interface RelayMetrics {
  /** Connections open now, and accepted since start. */
  connections: { current: number; total: number };
  /** Lines received from clients (`in`, every terminated line) and deliveries written (`out`). */
  lines: { in: number; out: number };
  /**
   * Lines dropped (`tooLong`, `rateLimit`, `invalid` UTF-8), deliveries dropped because the
   * recipient's queue was above the soft cap (`queueFull`), and clients cut as `slowConsumer`.
   */
  drops: { tooLong: number; rateLimit: number; slowConsumer: number; invalid: number; queueFull: number };
  /** Connections refused by the caps: over `maxConnections` (`total`) or `maxConnectionsPerAddress`. */
  refused: { total: number; perAddress: number };
  /** Clients disconnected for inactivity. */
  idleDisconnects: number;
  /** Warning lines sent (after warning rate limiting), and warnings suppressed by it. */
  warnings: { sent: number; suppressed: number };
  /** Largest unfinished-line buffer seen on any connection, in bytes (bounded by maxLineBytes). */
  inputBufferHighWater: number;
  /** Largest outgoing queue (socket.writableLength) seen on any connection, in bytes. */
  outputQueueHighWater: number;
  /** Sum of unsent outgoing bytes over all connections right now. */
  outputQueuedBytes: number;
}

/** A running relay. */
export interface RelayServer {
  /** The bound address. */
  readonly address: { host: string; port: number };
  /** `tls` when serving TLS, else `tcp`. */
  readonly scheme: "tcp" | "tls";
  /** Send `Warning: Server is shutting down.` to everyone, close all connections, stop listening. */
  close(): Promise<void>;
  /** A snapshot of the counters. */
  metrics(): RelayMetrics;
  /** True while the relay accepts connections (false once `close()` was called). */
  readonly listening: boolean;
}

interface Conn {
  readonly id: number;
  readonly socket: net.Socket;
  readonly addr: string;
  readonly splitter: LineSplitter;
  readonly bucket: TokenBucket | null;
  lastActive: number;
  closed: boolean;
  /** Bytes ever queued to this connection (with writableLength: how much it has drained). */
  queued: number;
  /** Armed while the queue is above the soft cap; checks progress after the grace. */
  stallTimer: NodeJS.Timeout | null;
  /** Corked until the end of this event-loop turn (writes are batched into one writev). */
  corked: boolean;
  readonly lastWarning: Map<string, number>;
}

/**
 * Start a relay and resolve once it accepts connections.
 * @throws RelayError `INVALID_OPTION` for bad options; rejects with the listen error (e.g. EADDRINUSE)
 */
export async function startRelay(options: RelayServerOptions = {}): Promise<RelayServer> {
  const opt = resolveRelayOptions(options);
  const { log } = opt;
  const caps = new ConnectionCaps(opt.maxConnections, opt.maxPerAddress);

  const conns = new Set<Conn>();
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const tooLongWarning = WARNINGS.tooLong(opt.maxLineBytes);
  let nextId = 1;
  let closing: Promise<void> | null = null;
  const m = {
    total: 0,
    linesIn: 0,
    linesOut: 0,
    tooLong: 0,
    rateLimit: 0,
    slowConsumer: 0,
    invalid: 0,
    queueFull: 0,
    idle: 0,
    warnSent: 0,
    warnSuppressed: 0,
    inHigh: 0,
    outHigh: 0,
  };

  const now = (): number => performance.now();

  function warn(c: Conn, kind: string, text: string): void {
    if (c.closed) return;
    const t = now();
    const last = c.lastWarning.get(kind);
    if (last !== undefined && t - last < opt.warnEveryMs) {
      m.warnSuppressed++;
      return;
    }
    c.lastWarning.set(kind, t);
    m.warnSent++;
    c.socket.write(text + "\n");
  }

  /** Stop relaying to/from `c`, send a final notice, and close it. */
  function retire(c: Conn, finalNotice: string | null, destroyAfterMs: number, reset = false): void {
    if (c.closed) return;
    c.closed = true;
    conns.delete(c);
    if (c.stallTimer) clearTimeout(c.stallTimer);
    c.stallTimer = null;
    if (finalNotice !== null) c.socket.end(finalNotice + "\n");
    else c.socket.end();
    // A reset frees the kernel's send buffer at once instead of lingering for a stalled peer.
    const t = setTimeout(
      () => (reset && !secure ? c.socket.resetAndDestroy() : c.socket.destroy()),
      destroyAfterMs,
    );
    t.unref();
    c.socket.once("close", () => clearTimeout(t));
  }

  /**
   * `c` went above the soft cap: unless already watched, check after the grace that it drained
   * at least a quarter of the soft cap meanwhile; a client that did not is cut. A slow but
   * progressing reader is watched again; one that got below the cap is left alone.
   */
  function watchStall(c: Conn): void {
    if (c.stallTimer) return;
    const drainedAtStart = c.queued - c.socket.writableLength;
    c.stallTimer = setTimeout(() => {
      c.stallTimer = null;
      if (c.closed) return;
      const queue = c.socket.writableLength;
      if (queue <= opt.softQueueBytes) return;
      if (c.queued - queue - drainedAtStart < opt.softQueueBytes / 4) slowConsumer(c);
      else watchStall(c);
    }, opt.graceMs);
    c.stallTimer.unref();
  }

  function slowConsumer(c: Conn): void {
    m.slowConsumer++;
    log.warn("relay: disconnecting slow consumer", { addr: c.addr, queued: c.socket.writableLength });
    // Best effort: the notice sits behind the queued data; give it a moment, then cut.
    retire(c, WARNINGS.slowConsumer, 250, true);
  }

  // Batch deliveries: a recipient is corked on its first write in an event-loop turn and
  // uncorked in setImmediate, so lines from many senders go out in one writev syscall.
  let corkedConns: Conn[] = [];
  const uncorkAll = (): void => {
    const list = corkedConns;
    corkedConns = [];
    for (const c of list) {
      c.corked = false;
      if (!c.socket.destroyed) c.socket.uncork();
    }
  };

  function broadcast(from: Conn, framed: Buffer): void {
    for (const c of conns) {
      if (c === from || c.closed) continue;
      if (!c.corked) {
        c.corked = true;
        c.socket.cork();
        if (corkedConns.push(c) === 1) setImmediate(uncorkAll);
      }
      if (c.socket.writableLength > opt.softQueueBytes) {
        // Its own loss only: the sender and every other recipient go on at once.
        m.queueFull++;
        watchStall(c);
        continue;
      }
      c.socket.write(framed);
      c.queued += framed.length;
      m.linesOut++;
      const queued = c.socket.writableLength;
      if (queued > m.outHigh) m.outHigh = queued;
      if (queued > opt.maxQueueBytes) slowConsumer(c);
      else if (queued > opt.softQueueBytes) watchStall(c);
    }
  }

  function onLine(c: Conn, bytes: Buffer): void {
    m.linesIn++;
    if (c.closed) return;
    if (c.bucket && !c.bucket.take()) {
      m.rateLimit++;
      warn(c, "rate", WARNINGS.rateLimit);
      return;
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      m.invalid++;
      log.debug("relay: dropped invalid UTF-8 line", { addr: c.addr, bytes: bytes.length });
      warn(c, "utf8", WARNINGS.invalidUtf8);
      return;
    }
    broadcast(c, Buffer.from(frameRelayedLine(c.addr, text), "utf8"));
  }

  function onConnection(socket: net.Socket): void {
    const ip = socket.remoteAddress;
    const rport = socket.remotePort;
    if (closing || ip === undefined || rport === undefined) {
      socket.destroy();
      return;
    }
    const refusal = caps.admit(ip);
    if (refusal !== null) {
      log.warn("relay: connection refused", { addr: formatRemoteAddr(ip, rport), cap: refusal });
      socket.on("error", () => {});
      socket.end(WARNINGS.tooManyConnections + "\n");
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    socket.once("close", () => caps.release(ip));
    socket.setNoDelay(true);
    const c: Conn = {
      id: nextId++,
      socket,
      addr: formatRemoteAddr(ip, rport),
      splitter: new LineSplitter({
        maxLineBytes: opt.maxLineBytes,
        onLine: (line) => onLine(c, line),
        onOverlong: (n) => {
          m.linesIn++;
          m.tooLong++;
          log.debug("relay: dropped overlong line", { addr: c.addr, bytes: n });
          warn(c, "long", tooLongWarning);
        },
      }),
      bucket: opt.rate > 0 ? new TokenBucket({ capacity: opt.rate, perSecond: opt.rate / 60, now }) : null,
      lastActive: now(),
      closed: false,
      queued: 0,
      stallTimer: null,
      corked: false,
      lastWarning: new Map(),
    };
    conns.add(c);
    m.total++;
    log.info("relay: client connected", { addr: c.addr, current: conns.size });
    socket.on("data", (chunk: Buffer) => {
      c.lastActive = now();
      c.splitter.push(chunk);
      const held = c.splitter.bufferedBytes;
      if (held > m.inHigh) m.inHigh = held;
    });
    socket.on("error", (err: Error) =>
      log.debug("relay: socket error", { addr: c.addr, error: err.message }),
    );
    socket.on("close", () => {
      if (!c.closed) {
        c.closed = true;
        conns.delete(c);
      }
      if (c.stallTimer) clearTimeout(c.stallTimer);
      c.stallTimer = null;
      log.info("relay: client disconnected", { addr: c.addr, current: conns.size });
    });
  }

  const secure = options.tls !== undefined;
  const server: net.Server | tls.Server = createListener(options.tls, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: opt.host, port: opt.port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err: Error) => log.error("relay: server error", { error: err.message }));
  const bound = server.address() as net.AddressInfo;
  log.info("relay: listening", { host: bound.address, port: bound.port, tls: secure });

  let idleTimer: NodeJS.Timeout | null = null;
  if (opt.idleMs > 0) {
    idleTimer = setInterval(
      () => {
        const t = now();
        for (const c of conns) {
          if (t - c.lastActive > opt.idleMs) {
            m.idle++;
            log.info("relay: idle timeout", { addr: c.addr });
            retire(c, WARNINGS.idle, opt.shutdownGraceMs);
          }
        }
      },
      Math.max(20, Math.min(1000, Math.floor(opt.idleMs / 4))),
    );
    idleTimer.unref();
  }

  const sockets = (): net.Socket[] => [...conns].map((c) => c.socket);

  return {
    address: { host: bound.address, port: bound.port },
    scheme: secure ? "tls" : "tcp",
    get listening() {
      return closing === null && server.listening;
    },
    close(): Promise<void> {
      if (closing) return closing;
      closing = new Promise<void>((resolve) => {
        if (idleTimer) clearInterval(idleTimer);
        log.info("relay: shutting down", { clients: conns.size });
        const open = sockets();
        for (const c of [...conns]) retire(c, WARNINGS.shutdown, opt.shutdownGraceMs);
        // Resolve once the listener is closed and every client socket is gone.
        let pending = open.length + 1;
        const done = (): void => {
          if (--pending === 0) resolve();
        };
        server.close(() => done());
        for (const s of open) {
          if (s.destroyed) done();
          else s.once("close", done);
        }
      });
      return closing;
    },
    metrics(): RelayMetrics {
      let queued = 0;
      for (const c of conns) queued += c.socket.writableLength;
      return {
        connections: { current: conns.size, total: m.total },
        lines: { in: m.linesIn, out: m.linesOut },
        drops: {
          tooLong: m.tooLong,
          rateLimit: m.rateLimit,
          slowConsumer: m.slowConsumer,
          invalid: m.invalid,
          queueFull: m.queueFull,
        },
        refused: { ...caps.refused },
        idleDisconnects: m.idle,
        warnings: { sent: m.warnSent, suppressed: m.warnSuppressed },
        inputBufferHighWater: m.inHigh,
        outputQueueHighWater: m.outHigh,
        outputQueuedBytes: queued,
      };
    },
  };
}
