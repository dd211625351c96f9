/**
 * Write-behind milestone persistence for one peer (PROTOCOL.md §8). The protocol lane never waits
 * for these writes: a milestone is written `delayMs` after it was reached (default 25 ms), in
 * order on this peer's own queue, and milestones reached meanwhile — or while a write is in
 * flight — coalesce into the latest. `ended` drops any queued save and purges the session state
 * (one DELETE, which removes its associations) and this session's nonce markers, in parallel; a
 * session that ended before its first write never touches the session store at all. This keeps
 * the substrate off the handshake's latency path and a session within the call budget; a session
 * that lives longer than `delayMs` is visible in the substrate, so a restarted agent finds and
 * purges it (a crash within its first `delayMs` leaves no session state behind to purge).
 * A purge the substrate refuses (5xx, timeout) is retried with backoff before any later save of
 * this peer is written, so a substrate outage never leaves a state object that would make every
 * later session of the pair conflict; a save whose outcome is unknown counts as written.
 */
import type { SessionRecord as MachineRecord, Milestone } from "@hsagent/protocol";
import { type AgentStores, SessionConflictError, type SessionRecord } from "@hsagent/stores";
import { OneShot } from "./timers.js";

/** What the writer reports back to the runtime. */
export interface MilestoneHooks {
  /** Another process owns the state: abort the session (its state is left alone). */
  onConflict(error: SessionConflictError): void;
  /** A write failed for another reason (logged and counted by the runtime). */
  onError(error: unknown, what: string): void;
}

/** First and longest wait before retrying a refused session purge. */
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5_000;

/** Milestone writer of one (self, peer) pair. */
export class MilestoneWriter {
  readonly #stores: AgentStores;
  readonly #peerObjId: string;
  readonly #hooks: MilestoneHooks;
  #pending: SessionRecord | null = null;
  #end: { role: MachineRecord["role"] } | null = null;
  /** True once a save for the current session reached the store (a DELETE is then needed). */
  #saved = false;
  /** The store refused our state (conflict): never delete it. */
  #conflicted = false;
  #running: Promise<void> | null = null;
  /** The delayed write of the pending milestone. */
  readonly #timer = new OneShot();
  readonly #delayMs: number;
  /** A refused session purge waiting for its retry (saves wait behind it). */
  #retryEnd: { role: MachineRecord["role"] } | null = null;
  readonly #retryTimer = new OneShot();
  #retryDelayMs = RETRY_MIN_MS;

  /** Whether the store's purge writes the buffered audit events (see {@link endCarriesAudit}). */
  readonly #purgeCarriesAudit: () => boolean;
  #endCarriesAudit = false;
  /** An end whose purge starts after the current step (see `record`). */
  #soon: ReturnType<typeof setImmediate> | null = null;

  constructor(
    stores: AgentStores,
    peerObjId: string,
    hooks: MilestoneHooks,
    delayMs = 25,
    purgeCarriesAudit: () => boolean = () => false,
  ) {
    this.#stores = stores;
    this.#peerObjId = peerObjId;
    this.#hooks = hooks;
    this.#delayMs = delayMs;
    this.#purgeCarriesAudit = purgeCarriesAudit;
  }

  /**
   * True from the `ended` milestone of a session whose state was written until its purge is
   * under way: that purge carries the audit log's buffered events in the same substrate write
   * (the session's end audit included), so whoever ends the session need not flush them itself.
   * One call per session end instead of two.
   */
  get endCarriesAudit(): boolean {
    return this.#endCarriesAudit;
  }

  /** Queue a milestone of the current session. */
  record(milestone: Milestone, record: MachineRecord): void {
    const marks = this.#stores.nonces.admitHandshake !== undefined;
    if (milestone === "ended") {
      this.#pending = null;
      this.#end = { role: record.role };
      this.#timer.cancel();
      this.#endCarriesAudit = this.#saved && !this.#conflicted && this.#purgeCarriesAudit();
      // A purge that carries the audit starts once the rest of this step is applied, so the
      // session's end audit (the step's next effect) is buffered by then and rides along.
      if (this.#endCarriesAudit) {
        this.#soon ??= setImmediate(() => {
          this.#soon = null;
          this.#kick();
        });
      } else this.#kick();
      return;
    }
    // With a replay high-water mark the state only tells a restarted agent that a session was
    // running (to audit and purge it): its first save is enough, later milestones add nothing.
    if (marks && this.#saved && !this.#end) return;
    this.#pending = {
      role: record.role,
      peerIdentityObjId: this.#peerObjId,
      milestone,
      selfId: record.selfId,
      peerId: record.peerId,
      state: record.state,
      protocolVersion: record.version,
      keyAgreement: record.keyAgreement ?? null,
      sid: record.sid,
      startedAt: record.startedAt,
      updatedAt: record.updatedAt,
    };
    if (this.#delayMs <= 0) {
      this.#kick();
      return;
    }
    this.#timer.start(this.#delayMs, () => this.#kick());
  }

  /** Write what is queued now and resolve when every write has been attempted. */
  async drain(): Promise<void> {
    if (this.#soon !== null) {
      clearImmediate(this.#soon);
      this.#soon = null;
      this.#kick();
    }
    if (this.#timer.pending || this.#retryTimer.pending) {
      this.#timer.cancel();
      this.#retryTimer.cancel();
      this.#kick();
    }
    while (this.#running) await this.#running;
    // Stopping: no more retries from this process; a restart purges what is left.
    this.#retryTimer.cancel();
  }

  #kick(): void {
    if (this.#running || this.#retryTimer.pending) return;
    this.#running = this.#loop().finally(() => {
      this.#running = null;
      if (this.#pending || this.#end || this.#retryEnd) this.#kick();
    });
  }

  #scheduleRetry(): void {
    if (this.#retryTimer.pending) return;
    this.#retryTimer.start(this.#retryDelayMs, () => this.#kick());
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, RETRY_MAX_MS);
  }

  async #loop(): Promise<void> {
    for (;;) {
      // An end always belongs to the session of the last write (record("ended") drops queued
      // saves), so a save queued beside it is the NEXT session's: purge first, then save.
      const retry = this.#retryEnd;
      if (retry) {
        // A refused purge goes first: a later save must not land beside the old state.
        try {
          await this.#stores.sessions.purge(retry.role, this.#peerObjId);
          this.#retryEnd = null;
          this.#retryDelayMs = RETRY_MIN_MS;
        } catch (error) {
          this.#hooks.onError(error, "session purge (retry)");
          this.#scheduleRetry();
          return;
        }
        continue;
      }
      const end = this.#end;
      if (end) {
        this.#end = null;
        const purgeState = this.#saved && !this.#conflicted;
        this.#saved = false;
        this.#conflicted = false;
        this.#endCarriesAudit = false;
        // A high-water mark (admitHandshake) leaves nothing per session to purge.
        const marks = this.#stores.nonces.admitHandshake !== undefined;
        const [nonces, state] = await Promise.allSettled([
          marks ? Promise.resolve(0) : this.#stores.nonces.purgePeer(this.#peerObjId),
          purgeState ? this.#stores.sessions.purge(end.role, this.#peerObjId) : Promise.resolve(false),
        ]);
        if (nonces.status === "rejected") this.#hooks.onError(nonces.reason, "nonce purge");
        // The next session with this peer records its nonce in one round-trip wait (a spare
        // marker written now, off the latency path; a no-op once the agent is stopping).
        if (!marks) void this.#stores.nonces.prepare?.(this.#peerObjId);
        if (state.status === "rejected") {
          this.#hooks.onError(state.reason, "session purge");
          this.#retryEnd = { role: end.role };
          this.#scheduleRetry();
          return;
        }
        continue;
      }
      const save = this.#pending;
      if (!save) return;
      this.#pending = null;
      if (this.#conflicted) continue;
      try {
        await this.#stores.sessions.save(save);
        this.#saved = true;
      } catch (error) {
        if (error instanceof SessionConflictError) {
          this.#conflicted = true;
          this.#hooks.onConflict(error);
        } else {
          // Outcome unknown (5xx, timeout): it may have been written, so the end must purge.
          this.#saved = true;
          this.#hooks.onError(error, "session save");
        }
      }
    }
  }
}
