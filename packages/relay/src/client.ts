// TCP relay client: keeps a connection to a Summoner relay alive (exponential backoff with
// jitter), decodes relayed lines robustly (byte-level splitting, size limit, junk dropped
// and counted), and sends typed envelopes with backpressure and a bounded queue so that no
// outgoing message is ever silently lost.

import net from "node:net";
import tls from "node:tls";
import { ClientEmitter, type Listener } from "./client-emitter.js";
import type { RelayClientEvents, RelayClientOptions, RelayClientStats } from "./client-options.js";
import { ClientReceiver } from "./client-receiver.js";
import { encodeEnvelope, type Payload, type RelayMessage } from "./envelope.js";
import { RelayError } from "./errors.js";
import { DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_QUEUED_LINES } from "./limits.js";
import { type Logger, silentLogger } from "./logger.js";
import { SendQueue } from "./send-queue.js";
import type { Transport, Unsubscribe } from "./transport.js";

export type { RelayClientEvents, RelayClientOptions, RelayClientStats } from "./client-options.js";

type State = "idle" | "connecting" | "connected" | "waiting" | "closed";

/**
 * A reconnecting TCP client for a Summoner relay; implements {@link Transport}.
 * Call {@link RelayClient.connect} (or use {@link connectRelay}) to start it.
 */
export class RelayClient implements Transport {
  readonly #host: string;
  readonly #port: number;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  readonly #maxAttempts: number;
  readonly #connectTimeout: number;
  readonly #maxLineBytes: number;
  readonly #maxReceiveLineBytes: number;
  readonly #maxQueued: number;
  readonly #queueOffline: boolean;
  readonly #log: Logger;
  readonly #random: () => number;
  readonly #tls: RelayClientOptions["tls"];
  readonly #events: ClientEmitter;
  readonly #receiver: ClientReceiver;
  #state: State = "idle";
  #socket: net.Socket | null = null;
  #timer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #lastError: Error | undefined;
  readonly #queue = new SendQueue();
  #closing: Promise<void> | null = null;
  readonly #counters = { linesOut: 0, connects: 0, reconnects: 0 };

  /** @param options - where to connect and how to behave; see {@link RelayClientOptions} */
  constructor(options: RelayClientOptions = {}) {
    this.#host = options.host ?? "127.0.0.1";
    this.#port = options.port ?? 8888;
    this.#minDelay = options.minDelayMs ?? 100;
    this.#maxDelay = Math.max(options.maxDelayMs ?? 10_000, this.#minDelay);
    this.#maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.#connectTimeout = options.connectTimeoutMs ?? 10_000;
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#maxReceiveLineBytes = options.maxReceiveLineBytes ?? 2 * this.#maxLineBytes + 1024;
    this.#maxQueued = options.maxQueuedLines ?? DEFAULT_MAX_QUEUED_LINES;
    this.#queueOffline = options.queueWhileDisconnected ?? true;
    this.#log = options.logger ?? silentLogger;
    this.#random = options.random ?? Math.random;
    this.#tls = options.tls;
    this.#events = new ClientEmitter(this.#log);
    if (
      !(this.#minDelay >= 0) ||
      !(this.#maxAttempts >= 1) ||
      !(this.#maxQueued >= 0) ||
      !(this.#maxLineBytes >= 1) ||
      !(this.#maxReceiveLineBytes >= 1)
    ) {
      throw new RelayError("INVALID_OPTION", "invalid RelayClient options");
    }
    this.#receiver = new ClientReceiver(this.#maxReceiveLineBytes, this.#events, this.#log);
  }

  /** True while a connection is established. */
  get isConnected(): boolean {
    return this.#state === "connected";
  }

  /** Subscribe to an event; returns an unsubscribe function. */
  on<K extends keyof RelayClientEvents>(event: K, listener: Listener<K>): Unsubscribe {
    return this.#events.on(event, listener);
  }

  /** Subscribe to the next occurrence of an event. */
  once<K extends keyof RelayClientEvents>(event: K, listener: Listener<K>): Unsubscribe {
    return this.#events.once(event, listener);
  }

  /** {@link Transport.onMessage} */
  onMessage(handler: (message: RelayMessage) => void): Unsubscribe {
    return this.on("message", handler);
  }

  /** {@link Transport.onNotice} */
  onNotice(handler: (text: string) => void): Unsubscribe {
    return this.on("notice", handler);
  }

  /**
   * Start connecting (idempotent). Resolves on the first successful connection; rejects
   * with `RECONNECT_FAILED` if `maxAttempts` is exhausted first, or `CLOSED` if closed.
   */
  connect(): Promise<void> {
    if (this.#state === "connected") return Promise.resolve();
    if (this.#state === "closed") return Promise.reject(new RelayError("CLOSED", "client is closed"));
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
    if (this.#state === "idle") this.#dial();
    return p;
  }

  #dial(): void {
    this.#state = "connecting";
    this.#timer = null;
    const socket = this.#tls
      ? tls.connect({
          host: this.#host,
          port: this.#port,
          ...(net.isIP(this.#host) === 0 ? { servername: this.#host } : {}),
          ...this.#tls,
        })
      : net.connect({ host: this.#host, port: this.#port });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.#connectTimeout, () => {
      if (this.#state === "connecting") socket.destroy(new Error("connect timeout"));
    });
    socket.once(this.#tls ? "secureConnect" : "connect", () => {
      if (this.#socket !== socket) return;
      socket.setTimeout(0);
      this.#state = "connected";
      this.#attempt = 0;
      this.#lastError = undefined;
      this.#queue.needDrain = false;
      this.#receiver.reset();
      this.#counters.connects++;
      this.#log.info("relay client: connected", { host: this.#host, port: this.#port });
      this.#events.emit("connected", { host: this.#host, port: this.#port });
      this.#pump();
    });
    socket.on("data", (chunk: Buffer) => {
      if (this.#socket === socket) this.#receiver.push(chunk);
    });
    socket.on("drain", () => {
      if (this.#socket !== socket) return;
      this.#queue.needDrain = false;
      this.#pump();
    });
    socket.on("error", (err: Error) => {
      this.#lastError = err;
      this.#log.debug("relay client: socket error", { error: err.message });
    });
    socket.on("end", () => {
      if (this.#socket !== socket) return;
      this.#receiver.end();
    });
    socket.on("close", () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      const wasConnected = this.#state === "connected";
      if (this.#state === "closed") return;
      if (wasConnected) {
        this.#log.info("relay client: disconnected", { error: this.#lastError?.message });
        this.#events.emit("disconnected", this.#lastError ? { error: this.#lastError } : {});
        if (!this.#queueOffline) this.#queue.fail("NOT_CONNECTED", "connection lost");
      } else {
        this.#attempt++;
      }
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    if (this.#state === "closed") return;
    if (this.#attempt >= this.#maxAttempts) {
      this.#log.warn("relay client: giving up", { attempts: this.#attempt });
      const error = this.#lastError;
      this.#state = "closed";
      this.#queue.fail("RECONNECT_FAILED", "could not reconnect to the relay");
      this.#events.emit("giveup", error ? { attempts: this.#attempt, error } : { attempts: this.#attempt });
      this.#events.emit("closed", {});
      return;
    }
    // Exponential backoff, "equal jitter": half fixed, half random.
    const base = Math.min(this.#maxDelay, this.#minDelay * 2 ** Math.min(this.#attempt, 30));
    const delayMs = Math.round(base / 2 + (this.#random() * base) / 2);
    this.#state = "waiting";
    this.#counters.reconnects++;
    this.#events.emit("reconnecting", { attempt: this.#attempt + 1, delayMs });
    this.#timer = setTimeout(() => this.#dial(), delayMs);
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
    if (Buffer.byteLength(text) - 1 > this.#maxLineBytes) {
      return Promise.reject(new RelayError("LINE_TOO_LONG", `line exceeds ${this.#maxLineBytes} bytes`));
    }
    if (this.#state === "closed") return Promise.reject(new RelayError("CLOSED", "client is closed"));
    if (this.#state !== "connected" && !this.#queueOffline) {
      return Promise.reject(new RelayError("NOT_CONNECTED", "not connected to the relay"));
    }
    if (this.#queue.length >= this.#maxQueued && (this.#state !== "connected" || this.#queue.needDrain)) {
      return Promise.reject(
        new RelayError("QUEUE_FULL", `outgoing queue is full (${this.#maxQueued} lines)`),
      );
    }
    const sent = this.#queue.push(text);
    this.#pump();
    return sent;
  }

  #pump(): void {
    const socket = this.#socket;
    if (this.#state !== "connected" || !socket) return;
    this.#counters.linesOut += this.#queue.pump(socket);
  }

  /** Counters: lines in/out, messages, notices, drops by cause, queue length, connects. */
  stats(): RelayClientStats {
    const c = this.#counters;
    const r = this.#receiver.counts;
    return {
      lines: { in: r.linesIn, out: c.linesOut },
      messages: r.messages,
      notices: r.notices,
      drops: { ...r.drops },
      queued: this.#queue.length,
      connects: c.connects,
      reconnects: c.reconnects,
    };
  }

  /** Close the connection and stop reconnecting; queued sends reject with `CLOSED`. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const wasClosed = this.#state === "closed";
    const wasConnected = this.#state === "connected";
    this.#state = "closed";
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#queue.fail("CLOSED", "client was closed");
    const socket = this.#socket;
    this.#socket = null;
    this.#closing = new Promise<void>((resolve) => {
      if (!socket || socket.destroyed) return resolve();
      const t = setTimeout(() => socket.destroy(), 1000);
      socket.once("close", () => {
        clearTimeout(t);
        resolve();
      });
      if (wasConnected) socket.end();
      else socket.destroy();
    });
    if (!wasClosed) this.#events.emit("closed", {});
    return this.#closing;
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
