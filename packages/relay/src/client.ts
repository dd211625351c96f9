// TCP relay client: keeps a connection to a Summoner relay alive (exponential backoff with
// jitter), decodes relayed lines robustly (byte-level splitting, size limit, junk dropped
// and counted), and sends typed envelopes with backpressure and a bounded queue so that no
// outgoing message is ever silently lost.

import net from "node:net";
import tls from "node:tls";
import {
  type DropReason,
  decodeRelayedLine,
  encodeEnvelope,
  type Payload,
  type RelayMessage,
} from "./envelope.js";
import { RelayError } from "./errors.js";
import { DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_QUEUED_LINES } from "./limits.js";
import { LineSplitter } from "./line-splitter.js";
import { type Logger, silentLogger } from "./logger.js";
import type { Transport, Unsubscribe } from "./transport.js";

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

type State = "idle" | "connecting" | "connected" | "waiting" | "closed";

interface Pending {
  line: string;
  resolve: () => void;
  reject: (err: RelayError) => void;
}

type Listener<K extends keyof RelayClientEvents> = (arg: RelayClientEvents[K]) => void;

/**
 * A reconnecting TCP client for a Summoner relay; implements {@link Transport}.
 * Call {@link RelayClient.connect} (or use {@link connectRelay}) to start it.
 */
export class RelayClient implements Transport {
  private readonly host: string;
  private readonly port: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly maxAttempts: number;
  private readonly connectTimeout: number;
  private readonly maxLineBytes: number;
  private readonly maxReceiveLineBytes: number;
  private readonly maxQueued: number;
  private readonly queueOffline: boolean;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly tls: RelayClientOptions["tls"];
  private readonly listeners = new Map<keyof RelayClientEvents, Set<(arg: never) => void>>();
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private readonly splitter: LineSplitter;
  private state: State = "idle";
  private socket: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private lastError: Error | undefined;
  private queue: Pending[] = [];
  private needDrain = false;
  private closing: Promise<void> | null = null;
  private readonly counters = {
    linesIn: 0,
    linesOut: 0,
    messages: 0,
    notices: 0,
    connects: 0,
    reconnects: 0,
    drops: {
      "too-long": 0,
      "invalid-utf8": 0,
      "invalid-json": 0,
      "not-relay-frame": 0,
      "not-envelope": 0,
      "payload-not-object": 0,
    } as Record<DropReason | "too-long" | "invalid-utf8", number>,
  };

  /** @param options - where to connect and how to behave; see {@link RelayClientOptions} */
  constructor(options: RelayClientOptions = {}) {
    this.host = options.host ?? "127.0.0.1";
    this.port = options.port ?? 8888;
    this.minDelay = options.minDelayMs ?? 100;
    this.maxDelay = Math.max(options.maxDelayMs ?? 10_000, this.minDelay);
    this.maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.connectTimeout = options.connectTimeoutMs ?? 10_000;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.maxReceiveLineBytes = options.maxReceiveLineBytes ?? 2 * this.maxLineBytes + 1024;
    this.maxQueued = options.maxQueuedLines ?? DEFAULT_MAX_QUEUED_LINES;
    this.queueOffline = options.queueWhileDisconnected ?? true;
    this.log = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.tls = options.tls;
    if (
      !(this.minDelay >= 0) ||
      !(this.maxAttempts >= 1) ||
      !(this.maxQueued >= 0) ||
      !(this.maxLineBytes >= 1) ||
      !(this.maxReceiveLineBytes >= 1)
    ) {
      throw new RelayError("INVALID_OPTION", "invalid RelayClient options");
    }
    this.splitter = new LineSplitter({
      maxLineBytes: this.maxReceiveLineBytes,
      onLine: (line) => this.onLine(line),
      onOverlong: (n) => {
        this.counters.linesIn++;
        this.counters.drops["too-long"]++;
        this.log.debug("relay client: dropped overlong line", { bytes: n });
      },
    });
  }

  /** True while a connection is established. */
  get isConnected(): boolean {
    return this.state === "connected";
  }

  /** Subscribe to an event; returns an unsubscribe function. */
  on<K extends keyof RelayClientEvents>(event: K, listener: Listener<K>): Unsubscribe {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (arg: never) => void);
    return () => {
      set.delete(listener as (arg: never) => void);
    };
  }

  /** Subscribe to the next occurrence of an event. */
  once<K extends keyof RelayClientEvents>(event: K, listener: Listener<K>): Unsubscribe {
    const off = this.on(event, (arg) => {
      off();
      listener(arg);
    });
    return off;
  }

  /** {@link Transport.onMessage} */
  onMessage(handler: (message: RelayMessage) => void): Unsubscribe {
    return this.on("message", handler);
  }

  /** {@link Transport.onNotice} */
  onNotice(handler: (text: string) => void): Unsubscribe {
    return this.on("notice", handler);
  }

  private emit<K extends keyof RelayClientEvents>(event: K, arg: RelayClientEvents[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as Listener<K>)(arg);
      } catch (err) {
        // A throwing listener must not break the connection's read loop.
        this.log.error("relay client: listener threw", { event, error: String(err) });
      }
    }
  }

  /**
   * Start connecting (idempotent). Resolves on the first successful connection; rejects
   * with `RECONNECT_FAILED` if `maxAttempts` is exhausted first, or `CLOSED` if closed.
   */
  connect(): Promise<void> {
    if (this.state === "connected") return Promise.resolve();
    if (this.state === "closed") return Promise.reject(new RelayError("CLOSED", "client is closed"));
    const p = new Promise<void>((resolve, reject) => {
      const offs: Unsubscribe[] = [];
      const settle = (): void => {
        for (const o of offs) o();
      };
      offs.push(
        this.once("connected", () => {
          settle();
          resolve();
        }),
        this.once("giveup", ({ error }) => {
          settle();
          reject(new RelayError("RECONNECT_FAILED", "could not connect to the relay", { cause: error }));
        }),
        this.once("closed", () => {
          settle();
          reject(new RelayError("CLOSED", "client was closed before connecting"));
        }),
      );
    });
    if (this.state === "idle") this.dial();
    return p;
  }

  private dial(): void {
    this.state = "connecting";
    this.timer = null;
    const socket = this.tls
      ? tls.connect({
          host: this.host,
          port: this.port,
          ...(net.isIP(this.host) === 0 ? { servername: this.host } : {}),
          ...this.tls,
        })
      : net.connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.connectTimeout, () => {
      if (this.state === "connecting") socket.destroy(new Error("connect timeout"));
    });
    socket.once(this.tls ? "secureConnect" : "connect", () => {
      if (this.socket !== socket) return;
      socket.setTimeout(0);
      this.state = "connected";
      this.attempt = 0;
      this.lastError = undefined;
      this.needDrain = false;
      this.splitter.reset();
      this.counters.connects++;
      this.log.info("relay client: connected", { host: this.host, port: this.port });
      this.emit("connected", { host: this.host, port: this.port });
      this.pump();
    });
    socket.on("data", (chunk: Buffer) => {
      if (this.socket === socket) this.splitter.push(chunk);
    });
    socket.on("drain", () => {
      if (this.socket !== socket) return;
      this.needDrain = false;
      this.pump();
    });
    socket.on("error", (err: Error) => {
      this.lastError = err;
      this.log.debug("relay client: socket error", { error: err.message });
    });
    socket.on("end", () => {
      if (this.socket !== socket) return;
      // An unterminated last line is only honoured if it is a server notice.
      const rest = this.splitter.takeRemainder();
      if (rest === null) return;
      let text = "";
      try {
        text = this.decoder.decode(rest);
      } catch {
        // not UTF-8: ignore below
      }
      if (text.startsWith("Warning:")) {
        this.counters.linesIn++;
        this.counters.notices++;
        this.emit("notice", text);
      }
    });
    socket.on("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      const wasConnected = this.state === "connected";
      if (this.state === "closed") return;
      if (wasConnected) {
        this.log.info("relay client: disconnected", { error: this.lastError?.message });
        this.emit("disconnected", this.lastError ? { error: this.lastError } : {});
        if (!this.queueOffline) this.failQueue("NOT_CONNECTED", "connection lost");
      } else {
        this.attempt++;
      }
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.state === "closed") return;
    if (this.attempt >= this.maxAttempts) {
      this.log.warn("relay client: giving up", { attempts: this.attempt });
      const error = this.lastError;
      this.state = "closed";
      this.failQueue("RECONNECT_FAILED", "could not reconnect to the relay");
      this.emit("giveup", error ? { attempts: this.attempt, error } : { attempts: this.attempt });
      this.emit("closed", {});
      return;
    }
    // Exponential backoff, "equal jitter": half fixed, half random.
    const base = Math.min(this.maxDelay, this.minDelay * 2 ** Math.min(this.attempt, 30));
    const delayMs = Math.round(base / 2 + (this.random() * base) / 2);
    this.state = "waiting";
    this.counters.reconnects++;
    this.emit("reconnecting", { attempt: this.attempt + 1, delayMs });
    this.timer = setTimeout(() => this.dial(), delayMs);
  }

  private onLine(bytes: Buffer): void {
    this.counters.linesIn++;
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      this.counters.drops["invalid-utf8"]++;
      this.log.debug("relay client: dropped invalid UTF-8 line", { bytes: bytes.length });
      return;
    }
    const d = decodeRelayedLine(text);
    if (d.kind === "message") {
      this.counters.messages++;
      this.emit("message", d.message);
    } else if (d.kind === "notice") {
      this.counters.notices++;
      this.log.info("relay client: server notice", { text: d.text });
      this.emit("notice", d.text);
    } else {
      this.counters.drops[d.reason]++;
      this.log.debug("relay client: dropped line", { reason: d.reason, bytes: bytes.length });
    }
  }

  /**
   * Send a payload as a typed envelope. Resolves once the line is handed to the socket;
   * rejects with a {@link RelayError} (`INVALID_PAYLOAD`, `LINE_TOO_LONG`, `QUEUE_FULL`,
   * `NOT_CONNECTED`, `CLOSED`, `RECONNECT_FAILED`).
   */
  send(payload: Payload): Promise<void> {
    let line: string;
    try {
      line = encodeEnvelope(payload);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.sendLine(line);
  }

  /** Send one raw line (a trailing `\n` is added if missing); same guarantees as {@link send}. */
  sendLine(line: string): Promise<void> {
    const text = line.endsWith("\n") ? line : line + "\n";
    if (text.indexOf("\n") !== text.length - 1) {
      return Promise.reject(new RelayError("INVALID_PAYLOAD", "a line must not contain a newline"));
    }
    if (Buffer.byteLength(text) - 1 > this.maxLineBytes) {
      return Promise.reject(new RelayError("LINE_TOO_LONG", `line exceeds ${this.maxLineBytes} bytes`));
    }
    if (this.state === "closed") return Promise.reject(new RelayError("CLOSED", "client is closed"));
    if (this.state !== "connected" && !this.queueOffline) {
      return Promise.reject(new RelayError("NOT_CONNECTED", "not connected to the relay"));
    }
    if (this.queue.length >= this.maxQueued && (this.state !== "connected" || this.needDrain)) {
      return Promise.reject(new RelayError("QUEUE_FULL", `outgoing queue is full (${this.maxQueued} lines)`));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line: text, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    const socket = this.socket;
    if (this.state !== "connected" || !socket) return;
    let i = 0;
    while (i < this.queue.length && !this.needDrain) {
      const item = this.queue[i++]!;
      const ok = socket.write(item.line);
      this.counters.linesOut++;
      item.resolve();
      if (!ok) this.needDrain = true;
    }
    if (i > 0) this.queue = this.queue.slice(i);
  }

  private failQueue(code: "CLOSED" | "RECONNECT_FAILED" | "NOT_CONNECTED", message: string): void {
    const q = this.queue;
    this.queue = [];
    for (const item of q) item.reject(new RelayError(code, message));
  }

  /** Counters: lines in/out, messages, notices, drops by cause, queue length, connects. */
  stats(): RelayClientStats {
    const c = this.counters;
    return {
      lines: { in: c.linesIn, out: c.linesOut },
      messages: c.messages,
      notices: c.notices,
      drops: { ...c.drops },
      queued: this.queue.length,
      connects: c.connects,
      reconnects: c.reconnects,
    };
  }

  /** Close the connection and stop reconnecting; queued sends reject with `CLOSED`. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const wasClosed = this.state === "closed";
    const wasConnected = this.state === "connected";
    this.state = "closed";
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.failQueue("CLOSED", "client was closed");
    const socket = this.socket;
    this.socket = null;
    this.closing = new Promise<void>((resolve) => {
      if (!socket || socket.destroyed) return resolve();
      const t = setTimeout(() => socket.destroy(), 1000);
      socket.once("close", () => {
        clearTimeout(t);
        resolve();
      });
      if (wasConnected) socket.end();
      else socket.destroy();
    });
    if (!wasClosed) this.emit("closed", {});
    return this.closing;
  }
}

/**
 * Create a {@link RelayClient} and wait for its first connection.
 * @throws RelayError `RECONNECT_FAILED` if `maxAttempts` connection attempts fail
 */
export async function connectRelay(options: RelayClientOptions = {}): Promise<RelayClient> {
  const client = new RelayClient(options);
  await client.connect();
  return client;
}
