/**
 * Legacy on: pacing our `confirm` to an HSAgent_2 (v1) initiator (PROTOCOL.md §7). After a
 * session the original keeps re-sending `close` (about every second for about 4 s) and ignores
 * a `confirm` meanwhile; answered at once, our `confirm` waits on the doubling retransmit
 * back-off and the handshake takes 4–8 s. So while a v1 peer's `close` copies keep arriving, its
 * `register` is held, and answered (replayed) once the copies have stopped: no copy for 1.5× the
 * last gap between two copies (at least `minQuietMs`, at most `maxQuietMs`). The held register is
 * the latest one; one timer per held peer. The runtime notes only the close that ended a session
 * and exact copies of it (within the late-close window), so forged closes cannot stall a peer.
 */
import { type Clock, clockOf } from "./timers.js";

/** Options of {@link ClosePacer}. */
export interface ClosePacerOptions extends Partial<Clock> {
  /** Quiet time assumed before two copies were seen, and its bounds, ms (defaults 1500, 500, 3000). */
  defaultQuietMs?: number;
  minQuietMs?: number;
  maxQuietMs?: number;
  /** A held register older than this is dropped instead of answered, ms (default 5000). */
  maxHoldMs?: number;
  /** Most peers tracked (default 10 000; the oldest is forgotten first). */
  maxPeers?: number;
}

interface PeerCloses {
  lastAt: number;
  gapMs: number | null;
  held: { payload: Record<string, unknown>; at: number; replay: (p: Record<string, unknown>) => void } | null;
  cancel: (() => void) | null;
}

/** Holds v1 peers' registers while their `close` re-sends continue. */
export class ClosePacer {
  readonly #defaultQuiet: number;
  readonly #minQuiet: number;
  readonly #maxQuiet: number;
  readonly #maxHold: number;
  readonly #maxPeers: number;
  readonly #clock: Clock;
  readonly #peers = new Map<string, PeerCloses>();
  #held = 0;
  #closed = false;

  constructor(options: ClosePacerOptions = {}) {
    this.#minQuiet = options.minQuietMs ?? 500;
    this.#maxQuiet = options.maxQuietMs ?? 3000;
    this.#defaultQuiet = options.defaultQuietMs ?? 1500;
    this.#maxHold = options.maxHoldMs ?? 5000;
    this.#maxPeers = Math.max(1, options.maxPeers ?? 10_000);
    this.#clock = clockOf(options);
  }

  /** A `close` (first or late copy) arrived from `peer`. */
  noteClose(peer: string): void {
    const now = this.#clock.now();
    const p = this.#peers.get(peer);
    if (p) {
      p.gapMs = now - p.lastAt > this.#maxQuiet ? null : now - p.lastAt;
      p.lastAt = now;
      return;
    }
    if (this.#peers.size >= this.#maxPeers) {
      const [oldest, o] = this.#peers.entries().next().value!;
      o.cancel?.();
      this.#peers.delete(oldest);
    }
    this.#peers.set(peer, { lastAt: now, gapMs: null, held: null, cancel: null });
  }

  /** How long `peer` must stay quiet after its last `close` before it counts as ready. */
  #quietMs(p: PeerCloses): number {
    const q = p.gapMs === null ? this.#defaultQuiet : 1.5 * p.gapMs;
    return Math.min(this.#maxQuiet, Math.max(this.#minQuiet, q));
  }

  /** Ms until `peer`'s close re-sends count as stopped (0: now). */
  waitMs(peer: string): number {
    const p = this.#peers.get(peer);
    if (!p) return 0;
    return Math.max(0, p.lastAt + this.#quietMs(p) - this.#clock.now());
  }

  /**
   * Hold `payload` (a v1 peer's `register`) if its `close` copies are still arriving; `replay`
   * is called with the latest held register once they have stopped. @returns true when held.
   */
  hold(
    peer: string,
    payload: Record<string, unknown>,
    replay: (p: Record<string, unknown>) => void,
  ): boolean {
    if (this.#closed) return false;
    const wait = this.waitMs(peer);
    const p = this.#peers.get(peer);
    if (wait <= 0 || !p) return false;
    p.held = { payload, at: this.#clock.now(), replay };
    this.#held++;
    if (!p.cancel) p.cancel = this.#clock.schedule(() => this.#wake(peer), wait);
    return true;
  }

  #wake(peer: string): void {
    const p = this.#peers.get(peer);
    if (!p) return;
    p.cancel = null;
    const wait = this.waitMs(peer);
    if (wait > 0) {
      p.cancel = this.#clock.schedule(() => this.#wake(peer), wait); // another copy came meanwhile
      return;
    }
    const held = p.held;
    p.held = null;
    if (held && this.#clock.now() - held.at <= this.#maxHold) held.replay(held.payload);
  }

  /** Registers held so far (each held arrival counts). */
  get heldCount(): number {
    return this.#held;
  }

  /** Cancel every timer; held registers are dropped. */
  close(): void {
    this.#closed = true;
    for (const p of this.#peers.values()) {
      p.cancel?.();
      p.cancel = null;
      p.held = null;
    }
  }
}
