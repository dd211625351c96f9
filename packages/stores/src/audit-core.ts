// The batching engine behind both audit logs. append() only buffers (cheap,
// synchronous, never throws for I/O); a flush writes ALL buffered events as
// one block, triggered by a short timer (flushIntervalMs after the first
// buffered event) or as soon as maxBatchEvents are waiting. Flushes are
// serialized. A failed flush puts its events back at the front of the buffer
// and retries on the next timer, so nothing acknowledged is lost on a clean
// stop: close() flushes until empty (or gives up after a bounded number of
// failures and rejects, leaving the events readable in `pending()`).
// Rejection events (`*_REJECTED`) are dropped (and counted) when the buffer is
// full: a flood of garbage from the relay must not grow memory without bound.

import { randomUUID } from "node:crypto";
import { StoreError } from "./errors.js";
import { assertNoSecretFields } from "./guard.js";
import type {
  AuditEvent,
  AuditEventInput,
  AuditLog,
  AuditStats,
  AuditValidation,
  JsonValue,
} from "./types.js";

/** Options of the audit logs. */
export interface AuditOptions {
  /** Max delay between an append() and the write of its block, ms (default 200). */
  readonly flushIntervalMs?: number;
  /** Flush at once when this many events wait (default 64). */
  readonly maxBatchEvents?: number;
  /** Buffer bound beyond which rejection events are dropped (default 10000). */
  readonly maxBufferedEvents?: number;
  /** Clock (tests). */
  readonly now?: () => Date;
}

/** The payload of one audit block (JSON text in the chain). */
export interface AuditBlockPayload {
  readonly v: 1;
  /** Unique id of the batch, so a block written twice after an ambiguous failure can be deduplicated. */
  readonly batch: string;
  readonly agentId: string;
  readonly events: AuditEvent[];
}

const TYPE_RE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Where a batching audit log writes and reads. */
export interface AuditSink {
  write(payload: AuditBlockPayload): Promise<void>;
  /**
   * Work to run beside a block that another write carries ({@link BatchingAuditLog.rideWith}),
   * as `write` would have done beside its own append (e.g. marking the chain owner-write-only).
   */
  beside?(): Promise<void> | null;
  readRecent(blocks: number): Promise<AuditBlockPayload[]>;
  validate(): Promise<AuditValidation>;
}

/** Validates and normalizes one input event. */
export function normalizeEvent(input: AuditEventInput, now: () => Date): AuditEvent {
  if (typeof input !== "object" || input === null || !TYPE_RE.test(String(input.type))) {
    throw new StoreError("audit event type must be UPPER_SNAKE_CASE", "INVALID_ARGUMENT");
  }
  const event: { [k: string]: JsonValue } = { type: input.type, at: input.at ?? now().toISOString() };
  if (input.peer !== undefined) event.peer = String(input.peer);
  if (input.sid !== undefined) event.sid = String(input.sid);
  if (input.reason !== undefined) event.reason = String(input.reason).slice(0, 500);
  if (input.protocolVersion !== undefined) event.protocolVersion = input.protocolVersion;
  if (input.detail !== undefined) event.detail = { ...input.detail };
  assertNoSecretFields(event, "audit event");
  return event as unknown as AuditEvent;
}

/** Batching AuditLog over an {@link AuditSink}. */
export class BatchingAuditLog implements AuditLog {
  readonly stats: AuditStats = { appended: 0, persisted: 0, blocks: 0, dropped: 0, failedFlushes: 0 };
  readonly #sink: AuditSink;
  readonly #agentId: string;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #maxBuffered: number;
  readonly #now: () => Date;
  #buffer: AuditEvent[] = [];
  /** A block whose write failed; retried first, with the same batch id. */
  #failed: AuditBlockPayload | null = null;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(sink: AuditSink, agentId: string, options: AuditOptions = {}) {
    this.#sink = sink;
    this.#agentId = agentId;
    this.#intervalMs = options.flushIntervalMs ?? 200;
    this.#maxBatch = options.maxBatchEvents ?? 64;
    this.#maxBuffered = options.maxBufferedEvents ?? 10_000;
    this.#now = options.now ?? (() => new Date());
  }

  /** Events accepted but not yet written. */
  pending(): readonly AuditEvent[] {
    return [...(this.#failed?.events ?? []), ...this.#buffer];
  }

  append(input: AuditEventInput): void {
    if (this.#closed) throw new StoreError("audit log is closed", "CLOSED");
    const event = normalizeEvent(input, this.#now);
    const waiting = this.#buffer.length + (this.#failed?.events.length ?? 0);
    if (waiting >= this.#maxBuffered && event.type.endsWith("_REJECTED")) {
      this.stats.dropped++;
      return;
    }
    this.#buffer.push(event);
    this.stats.appended++;
    if (this.#buffer.length >= this.#maxBatch) {
      this.#flushInBackground();
    } else {
      this.#arm();
    }
  }

  async flush(): Promise<void> {
    this.#disarm();
    // Serialize: wait for the running flush, then write what is left.
    const run = this.#inFlight.catch(() => {}).then(() => this.#writeBuffered());
    this.#inFlight = run;
    await run;
  }

  /**
   * Run `write` in the flush order with the buffered events as one block payload (null if none),
   * so a caller can carry them in its own write (one substrate batch). When `write` rejects, the
   * events go back to the front of the buffer for the next flush.
   */
  async rideWith<R>(write: (payload: AuditBlockPayload | null) => Promise<R>): Promise<R> {
    this.#disarm();
    const run = this.#inFlight
      .catch(() => {})
      .then(async () => {
        // A block that failed before goes first, whole (same batch id); else the buffered events.
        const payload: AuditBlockPayload | null =
          this.#failed ??
          (this.#buffer.length === 0
            ? null
            : { v: 1, batch: randomUUID(), agentId: this.#agentId, events: this.#buffer.splice(0) });
        this.#failed = null;
        try {
          const [out] = await Promise.all([write(payload), payload ? this.#sink.beside?.() : null]);
          if (payload) {
            this.stats.blocks++;
            this.stats.persisted += payload.events.length;
          }
          return out;
        } catch (error) {
          if (payload) {
            this.stats.failedFlushes++;
            this.#failed = payload;
            this.#arm();
          }
          throw error;
        }
      });
    this.#inFlight = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#disarm();
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.flush();
        if (this.pending().length === 0) return;
      } catch (error) {
        lastError = error;
      }
    }
    if (this.pending().length > 0)
      throw lastError ?? new StoreError("audit events left unwritten", "FLUSH_FAILED");
  }

  async recent(limit = 100): Promise<AuditEvent[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new StoreError("limit must be in 1..10000", "INVALID_ARGUMENT");
    }
    await this.flush();
    const blocks = await this.#sink.readRecent(Math.min(1000, limit));
    const seen = new Set<string>();
    const events: AuditEvent[] = [];
    for (const block of blocks) {
      if (seen.has(block.batch)) continue;
      seen.add(block.batch);
      events.push(...block.events);
    }
    return events.slice(-limit);
  }

  async validate(): Promise<AuditValidation> {
    await this.flush();
    return this.#sink.validate();
  }

  #arm(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#flushInBackground();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #flushInBackground(): void {
    this.flush().catch(() => {
      // Counted in stats.failedFlushes; the events stay buffered and the timer retries.
      this.#arm();
    });
  }

  async #writeBuffered(): Promise<void> {
    while (this.#failed || this.#buffer.length > 0) {
      const payload: AuditBlockPayload = this.#failed ?? {
        v: 1,
        batch: randomUUID(),
        agentId: this.#agentId,
        events: this.#buffer.splice(0),
      };
      this.#failed = null;
      try {
        await this.#sink.write(payload);
      } catch (error) {
        this.stats.failedFlushes++;
        this.#failed = payload;
        throw error;
      }
      this.stats.blocks++;
      this.stats.persisted += payload.events.length;
    }
  }
}

/** Parses a block payload written by {@link BatchingAuditLog}; null for foreign payloads. */
export function parseAuditPayload(value: JsonValue): AuditBlockPayload | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  if (value.v !== 1 || typeof value.batch !== "string" || !Array.isArray(value.events)) return null;
  const events = value.events.filter(
    (e): e is { [k: string]: JsonValue } =>
      e !== null &&
      typeof e === "object" &&
      !Array.isArray(e) &&
      typeof e.type === "string" &&
      typeof e.at === "string",
  ) as unknown as AuditEvent[];
  return {
    v: 1,
    batch: value.batch,
    agentId: typeof value.agentId === "string" ? value.agentId : "",
    events,
  };
}
