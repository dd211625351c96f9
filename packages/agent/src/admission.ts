/**
 * Admission control (PROTOCOL.md §4): at most `maxSessions` sessions accepted as responder are
 * open at once. A `register` that arrives at the cap is held, not dropped; when a slot frees, the
 * longest-waiting peer's latest register is answered at once on its lane, so no pair starves
 * however busy this agent is. Also counts the open sessions (both roles) for the metrics.
 */
import { type MachineState, READY_STATE } from "@hsagent/protocol";
import type { PeerEntry } from "./peers.js";
import type { Runtime } from "./runtime.js";

/** Answers a held register on its peer's lane (the loop's receive path, past the gates). */
export type Answer = (entry: PeerEntry, payload: Record<string, unknown>) => Promise<void>;

/** The most {@link Admission.registerBackoff} stretches the register interval. */
export const MAX_REGISTER_BACKOFF = 4;

/** The session cap and the queue of held registers of one agent. */
export class Admission {
  readonly #rt: Runtime;
  readonly #answer: Answer;
  /** Open sessions, both roles. */
  #active = 0;
  /** Open sessions this agent accepted as responder. */
  #accepted = 0;
  /** Peers whose `register` waits for a free slot, in arrival order: latest payload, when last heard. */
  readonly #waiting = new Map<string, { payload: Record<string, unknown>; at: number }>();
  /** Peers taken off `#waiting` whose register is being processed on their lane (slots reserved). */
  readonly #granted = new Set<string>();
  /** The adaptive session cap, 1..maxSessions (see {@link Admission.limit}). */
  #limit: number;
  /** When each open accepted session started (responder role), by peer. */
  readonly #openedAt = new Map<string, number>();
  #lastCut = 0;

  constructor(rt: Runtime, answer: Answer) {
    this.#rt = rt;
    this.#answer = answer;
    this.#limit = rt.config.maxSessions;
  }

  /**
   * How many sessions this agent accepts as responder at once now: `maxSessions` while its
   * sessions are quick, fewer while they are slow. An agent whose sessions take longer than one
   * retransmit period is overloaded (its process, the relay or the substrate): more parallel
   * sessions would only queue behind each other and make peers re-send. So a slow session cuts
   * the cap by 30% (at most once per retransmit period, never below 1), and every quick one
   * raises it by 1/cap, back up to `maxSessions` (AIMD, as TCP's congestion window).
   * Known limit: the signal is the session's duration, so a distant or deliberately slow peer also
   * lowers the cap (other peers then queue, answered longest-waiting first); a local-load signal
   * such as event-loop delay would separate the two.
   */
  get limit(): number {
    return Math.max(1, Math.floor(this.#limit));
  }

  /**
   * How much longer than `registerIntervalMs` this agent waits between its registers now:
   * `maxSessions / cap`, 1 while sessions are quick, up to {@link MAX_REGISTER_BACKOFF} while the
   * cap is cut. A register invites every peer that hears it to open a session; an overloaded agent
   * (whose own sessions are slow) inviting at the full rate only fills its peers' queues with
   * registers they must drop (offered load, not served load), so it invites less often.
   */
  get registerBackoff(): number {
    return Math.min(MAX_REGISTER_BACKOFF, Math.max(1, this.#rt.config.maxSessions / this.#limit));
  }

  #adapt(peerId: string): void {
    const opened = this.#openedAt.get(peerId);
    this.#openedAt.delete(peerId);
    if (opened === undefined) return;
    const now = Date.now();
    const slowMs = this.#rt.config.retransmitMs;
    if (now - opened > slowMs) {
      if (now - this.#lastCut < slowMs) return;
      this.#lastCut = now;
      this.#limit = Math.max(1, this.#limit * 0.7);
    } else this.#limit = Math.min(this.#rt.config.maxSessions, this.#limit + 1 / this.#limit);
  }

  /** Open sessions, both roles. */
  get active(): number {
    return this.#active;
  }

  /** Registers waiting for a slot. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /**
   * A ready responder got `payload` (a register that passed the gates) from `entry`: at the cap,
   * or while others wait already, hold it (the latest one per peer, keeping its place) and return
   * true; otherwise return false and let it open a session now.
   */
  hold(entry: PeerEntry, payload: Record<string, unknown>): boolean {
    if (this.#accepted + this.#granted.size < this.limit && this.#waiting.size === 0) return false;
    this.#rt.counters.registersIgnoredBusy++;
    const waiting = this.#waiting.get(entry.id);
    if (waiting) {
      waiting.payload = payload;
      waiting.at = Date.now();
    } else this.#waiting.set(entry.id, { payload, at: Date.now() });
    this.admit();
    return true;
  }

  /** A step moved `entry`'s machine from `before` to `after`: count sessions opening and ending. */
  track(entry: PeerEntry, before: MachineState, after: MachineState): void {
    const role = entry.machine.role;
    const ready = READY_STATE[role];
    const wasActive = before.name !== ready;
    const isActive = after.name !== ready;
    if (!wasActive && isActive) {
      this.#active++;
      this.#rt.counters.started++;
      if (role === "responder") {
        this.#accepted++;
        this.#openedAt.set(entry.id, Date.now());
        this.#rt.registers.started(entry.id);
      }
    } else if (wasActive && !isActive) {
      this.#active--;
      if (role === "responder") {
        this.#accepted--;
        this.#adapt(entry.id);
        this.admit();
      }
    }
  }

  /**
   * While fewer than {@link Admission.limit} accepted sessions are open, answer the longest-waiting held
   * `register` on its peer's lane. A held register older than 1.5 register periods is dropped
   * instead: that peer has gone quiet (a live one registers again meanwhile, refreshing its entry
   * without losing its place). The period is ours with our current backoff: peers on the same
   * machine or substrate are loaded alike and back off alike.
   */
  admit(): void {
    const rt = this.#rt;
    const now = Date.now();
    const maxAgeMs = rt.config.registerIntervalMs * this.registerBackoff * 1.5;
    for (const [peerId, waiting] of this.#waiting) {
      if (rt.stopping || this.#accepted + this.#granted.size >= this.limit) return;
      this.#waiting.delete(peerId);
      const entry = rt.peers.get(peerId);
      if (!entry || now - waiting.at > maxAgeMs) continue;
      this.#granted.add(peerId);
      entry.lane
        .run(async () => {
          try {
            await this.#answer(entry, waiting.payload);
          } finally {
            this.#granted.delete(peerId);
          }
          // A register that did not open a session (rejected, or the peer was busy) frees its slot.
          this.admit();
        })
        .catch((error: unknown) => rt.laneFault(entry, error));
    }
  }

  /** Forget the held registers (stopping). */
  clear(): void {
    this.#waiting.clear();
  }
}
