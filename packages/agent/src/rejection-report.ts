/**
 * Bounded rejection reporting (PROTOCOL.md §9). Sits in front of the audit append and the warn
 * log: rejections of one peer and one reason are gathered for a window (default one minute) and
 * handed out as ONE block carrying their count, and at most `warnsPerWindow` warn lines are
 * allowed per peer and window. Exact totals are the caller's business (metrics count every
 * rejection); this module only decides what reaches the audit chain and the log, and when.
 * Transport-agnostic: `emit` receives each block, whatever carries audit events.
 */
import { type RejectionAudit, rejectionAudit } from "@hsagent/protocol";
import type { AuditEventInput } from "@hsagent/stores";
import { type Clock, clockOf } from "./timers.js";

/** One aggregated audit block: `count` rejections of `reason` from `peer` within a window. */
export interface RejectionBlock {
  /** Audit event type of the reason. */
  readonly type: RejectionAudit;
  readonly peer: string;
  readonly reason: string;
  /** Rejections gathered in this block (≥ 1). */
  readonly count: number;
  /** The intents rejected, comma-separated in order of first appearance ("" when none). */
  readonly intents: string;
  /** Epoch ms of the first and last rejection in the block. */
  readonly firstAt: number;
  readonly lastAt: number;
}

/** Options of {@link RejectionReport}. */
export interface RejectionReportOptions extends Partial<Clock> {
  /** Receives each block, at most one per (peer, reason) and window. */
  emit(block: RejectionBlock): void;
  /** Window length, ms (default 60 000). */
  windowMs?: number;
  /** Warn lines allowed per peer and window (default 2). */
  warnsPerWindow?: number;
  /** Most (peer, reason) keys and peers tracked at once (default 10 000; the oldest is flushed early). */
  maxKeys?: number;
}

/** Counters of a {@link RejectionReport}. */
export interface RejectionReportStats {
  /** Rejections recorded. */
  recorded: number;
  /** Blocks emitted. */
  blocks: number;
  /** Warn lines refused by the per-peer budget. */
  warnsSuppressed: number;
}

interface Pending {
  readonly peer: string;
  readonly reason: string;
  count: number;
  readonly intents: string[];
  readonly firstAt: number;
  lastAt: number;
  cancel: () => void;
}

/** Aggregates rejections per (peer, reason) into one audit block per window; rations warn lines per peer. */
export class RejectionReport {
  readonly #emit: (block: RejectionBlock) => void;
  readonly #windowMs: number;
  readonly #warns: number;
  readonly #maxKeys: number;
  readonly #clock: Clock;
  readonly #pending = new Map<string, Pending>();
  /** Per peer: when its last allowed warn lines were (at most `warnsPerWindow`). */
  readonly #warnTimes = new Map<string, number[]>();
  readonly #stats: RejectionReportStats = { recorded: 0, blocks: 0, warnsSuppressed: 0 };
  #closed = false;

  constructor(options: RejectionReportOptions) {
    this.#emit = options.emit;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#warns = options.warnsPerWindow ?? 2;
    this.#maxKeys = Math.max(1, options.maxKeys ?? 10_000);
    this.#clock = clockOf(options);
  }

  /**
   * Record one rejection. It joins the pending block of (peer, reason), which is emitted one
   * window after its first rejection. @returns whether a warn line may be logged for it.
   */
  record(peer: string, reason: string, intent: string | null): { warn: boolean } {
    const now = this.#clock.now();
    this.#stats.recorded++;
    if (!this.#closed) this.#gather(peer, reason, intent, now);
    return { warn: this.#allowWarn(peer, now) };
  }

  #gather(peer: string, reason: string, intent: string | null, now: number): void {
    const key = `${peer}\u0000${reason}`;
    let p = this.#pending.get(key);
    if (!p) {
      if (this.#pending.size >= this.#maxKeys) {
        const oldest = this.#pending.keys().next().value;
        if (oldest !== undefined) this.#flushKey(oldest);
      }
      const created: Pending = {
        peer,
        reason,
        count: 0,
        intents: [],
        firstAt: now,
        lastAt: now,
        cancel: () => {},
      };
      created.cancel = this.#clock.schedule(() => this.#flushKey(key), this.#windowMs);
      this.#pending.set(key, created);
      p = created;
    }
    p.count++;
    p.lastAt = now;
    if (intent !== null && !p.intents.includes(intent) && p.intents.length < 8) p.intents.push(intent);
  }

  /** Sliding budget: a warn is allowed when fewer than `warnsPerWindow` were allowed in the last window. */
  #allowWarn(peer: string, now: number): boolean {
    let times = this.#warnTimes.get(peer);
    if (!times) {
      if (this.#warnTimes.size >= this.#maxKeys) this.#pruneWarnTimes(now);
      times = [];
      this.#warnTimes.set(peer, times);
    }
    while (times.length > 0 && now - times[0]! >= this.#windowMs) times.shift();
    if (times.length >= this.#warns) {
      this.#stats.warnsSuppressed++;
      return false;
    }
    times.push(now);
    return true;
  }

  #pruneWarnTimes(now: number): void {
    for (const [peer, times] of this.#warnTimes) {
      if (times.every((t) => now - t >= this.#windowMs)) this.#warnTimes.delete(peer);
    }
    // Still full of live budgets: forget the oldest (at worst that peer gets its lines again).
    if (this.#warnTimes.size >= this.#maxKeys) {
      const oldest = this.#warnTimes.keys().next().value;
      if (oldest !== undefined) this.#warnTimes.delete(oldest);
    }
  }

  #flushKey(key: string): void {
    const p = this.#pending.get(key);
    if (!p) return;
    this.#pending.delete(key);
    p.cancel();
    this.#stats.blocks++;
    this.#emit({
      type: rejectionAudit(p.reason),
      peer: p.peer,
      reason: p.reason,
      count: p.count,
      intents: p.intents.join(","),
      firstAt: p.firstAt,
      lastAt: p.lastAt,
    });
  }

  /** Emit every pending block now (before the audit log is flushed at stop). */
  flush(): void {
    for (const key of [...this.#pending.keys()]) this.#flushKey(key);
  }

  /** Flush, then stop gathering (later rejections still count and ration warns, but make no block). */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  /** Rejections pending in unemitted blocks. */
  get pendingCount(): number {
    let n = 0;
    for (const p of this.#pending.values()) n += p.count;
    return n;
  }

  /** A snapshot of the counters. */
  stats(): RejectionReportStats {
    return { ...this.#stats };
  }
}

/** The audit event of a block: type, peer, reason, and `detail` {count, intents, first, last}. */
export function blockAuditInput(block: RejectionBlock): AuditEventInput {
  return {
    type: block.type,
    peer: block.peer,
    reason: block.reason,
    detail: {
      count: block.count,
      ...(block.intents ? { intents: block.intents } : {}),
      first: new Date(block.firstAt).toISOString(),
      last: new Date(block.lastAt).toISOString(),
    },
  };
}
