// One Server-Sent Events stream per open page. Model changes only mark the hub dirty; a timer
// sends at most one snapshot per `intervalMs` (default 250 ms, so ≤ 4 updates/s), and only while
// someone listens. Slow readers are skipped until their socket drains, never buffered without bound.

import type { ServerResponse } from "node:http";

/** Options of {@link SseHub}. */
export interface SseHubOptions {
  /** Build the payload to send (serialised once per tick for every client). */
  readonly payload: () => unknown;
  /** Minimum time between two updates, ms (default 250). */
  readonly intervalMs?: number;
  /** Comment line sent on idle streams so proxies keep them open, ms (default 15000). */
  readonly heartbeatMs?: number;
  /** Most concurrent streams (default 32); more get 503. */
  readonly maxClients?: number;
}

/** Fan-out of coalesced snapshots to SSE clients. */
export class SseHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #options: Required<SseHubOptions>;
  #dirty = true;
  #timer: NodeJS.Timeout | null = null;
  #lastBeat = 0;
  /** Snapshots sent (one per tick, whatever the number of clients). */
  ticks = 0;

  constructor(options: SseHubOptions) {
    this.#options = { intervalMs: 250, heartbeatMs: 15_000, maxClients: 32, ...options };
  }

  /** Streams open now. */
  get size(): number {
    return this.#clients.size;
  }

  /** Something changed: the next tick sends a snapshot. */
  markDirty(): void {
    this.#dirty = true;
  }

  /** Take over `res` as an event stream; returns false (after answering 503) when full. */
  add(res: ServerResponse): boolean {
    if (this.#clients.size >= this.#options.maxClients) {
      res.writeHead(503, { "content-type": "text/plain", "retry-after": "5" }).end("too many streams\n");
      return false;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    res.write(this.#frame(JSON.stringify(this.#options.payload())));
    this.#clients.add(res);
    res.on("close", () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stop();
    });
    this.#start();
    return true;
  }

  #frame(json: string): string {
    return `event: snapshot\ndata: ${json}\n\n`;
  }

  #start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    const now = Date.now();
    if (!this.#dirty) {
      if (now - this.#lastBeat >= this.#options.heartbeatMs) {
        this.#lastBeat = now;
        for (const c of this.#clients) if (!c.writableNeedDrain) c.write(": keep-alive\n\n");
      }
      return;
    }
    this.#dirty = false;
    this.#lastBeat = now;
    this.ticks++;
    const text = this.#frame(JSON.stringify(this.#options.payload()));
    for (const c of this.#clients) {
      if (c.writableNeedDrain) {
        this.#dirty = true; // that client gets the next state once it drained
        continue;
      }
      c.write(text);
    }
  }

  /** End every stream and stop the timer. */
  close(): void {
    this.#stop();
    for (const c of this.#clients) c.end();
    this.#clients.clear();
  }
}
