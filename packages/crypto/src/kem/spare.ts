/**
 * One ML-KEM-768 key pair made ahead of time, so a responder does not generate its session's KEM
 * key pair while the peer waits for `confirm`. Taking it hands it out once and clears the slot;
 * the next one is made a little later (a timer, `refillDelayMs`), between handshakes rather than
 * in the middle of the one that took it. Key pairs live in memory only, like any ephemeral key;
 * a spare has protected nothing until it is taken, so holding it longer costs no forward secrecy.
 */
import { getMlKem768 } from "./index.js";
import type { MlKem768, MlKemKeyPair } from "./types.js";

/** Options of {@link MlKemSpare}. */
export interface MlKemSpareOptions {
  /** Implementation to use (default: the fastest present, {@link getMlKem768}). */
  kem?: MlKem768;
  /** How long after a take the next spare is made, ms (default 10). */
  refillDelayMs?: number;
}

/** A one-slot supply of fresh ML-KEM-768 key pairs, each handed out at most once. */
export class MlKemSpare {
  readonly #kem: MlKem768 | undefined;
  readonly #delayMs: number;
  #next: MlKemKeyPair | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: MlKemSpareOptions = {}) {
    this.#kem = options.kem;
    this.#delayMs = options.refillDelayMs ?? 10;
  }

  /**
   * A fresh key pair: the spare if one is ready, else one made now. Either way a new spare is
   * made `refillDelayMs` later (the timer does not keep the process alive).
   */
  take(): MlKemKeyPair {
    const pair = this.#next ?? this.#impl().generateKeyPair();
    this.#next = null;
    if (this.#timer === null) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#next ??= this.#impl().generateKeyPair();
      }, this.#delayMs);
      this.#timer.unref();
    }
    return pair;
  }

  /** True if a spare is ready (the next {@link take} costs no key generation). */
  get ready(): boolean {
    return this.#next !== null;
  }

  /** Drops the spare and a pending refill. */
  clear(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#next = null;
  }

  #impl(): MlKem768 {
    return this.#kem ?? getMlKem768();
  }
}

const shared = new MlKemSpare();

/**
 * A fresh ML-KEM-768 key pair from this process's shared {@link MlKemSpare}: made ahead of time
 * when one is ready, never handed out twice.
 */
export function takeMlKemKeyPair(): MlKemKeyPair {
  return shared.take();
}
