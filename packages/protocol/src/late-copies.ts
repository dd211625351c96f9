/**
 * Late copies of a session's teardown (PROTOCOL.md §4 step 8, §5.4): the initiator sends
 * FINAL_LIMIT copies of its `close`, one retransmit tick apart, and a session can end before the
 * last one arrives. Once the responder's session ended on a `close`, a later byte-identical copy
 * of it belongs to that finished session: it is dropped, not rejected and not fed to the next
 * session's machine. An initiator that released its session early (before sending its last
 * `close` copy) answers a re-sent `finish` of that session with its `close` again, as the
 * duplicate rule would have. Pure: the clock is injected; one `LateCopies` per (self, peer).
 */
import { tryCanonical } from "./common.js";
import type { ProtocolConfig } from "./config.js";
import type { OutboundPayload } from "./types.js";

/** Most sessions remembered per peer (FINAL_LIMIT copies may span many short sessions). */
export const LATE_COPIES_KEPT = 256;

/**
 * How long late copies of a session's teardown can still arrive, ms: FINAL_LIMIT retransmit
 * ticks plus the retransmit budget of the peer's `finish`.
 */
export function lateCopyWindowMs(
  config: Pick<ProtocolConfig, "finalLimit" | "maxRetransmits" | "retransmitMs">,
): number {
  return (config.finalLimit + config.maxRetransmits + 1) * config.retransmitMs;
}

/** Options of {@link LateCopies}. */
export interface LateCopiesOptions {
  /** Clock, ms. */
  now: () => number;
  /** How long a session's teardown is remembered, ms (usually {@link lateCopyWindowMs}). */
  lateCopyWindowMs: number;
  /** Most sessions remembered (default {@link LATE_COPIES_KEPT}; the oldest go first). */
  maxKept?: number;
}

/** What {@link LateCopies.check} found. */
export type LateCopy =
  /** A copy of the `close` that ended one of our recent sessions: drop it. */
  | { kind: "close" }
  /** A re-sent `finish` of a session we released early: send `reply` (our `close`) again. */
  | { kind: "finish"; reply: OutboundPayload };

interface Remembered {
  readonly text: string;
  readonly until: number;
}

/** The late-copy memory of one (self, peer) pair; see the module comment. */
export class LateCopies {
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #maxKept: number;
  /** Closes that ended our recent sessions as responder (canonical JSON). */
  readonly #closes: Remembered[] = [];
  /** Sessions released early as initiator: the peer's `finish` (canonical) and our `close`. */
  readonly #released: (Remembered & { readonly reply: OutboundPayload })[] = [];
  /**
   * How many entries of each list hold each text: a payload that matches none (nearly all) is
   * answered without comparing it to every remembered text.
   */
  readonly #closeTexts = new Map<string, number>();
  readonly #releasedTexts = new Map<string, number>();

  constructor(options: LateCopiesOptions) {
    this.#now = options.now;
    this.#windowMs = options.lateCopyWindowMs;
    this.#maxKept = options.maxKept ?? LATE_COPIES_KEPT;
  }

  /** Our session ended on `close` (a received payload): its later copies are late copies. */
  closed(close: unknown): void {
    const text = tryCanonical(close);
    const now = this.#now();
    if (text !== null) {
      this.#closes.push({ text, until: now + this.#windowMs });
      this.#closeTexts.set(text, (this.#closeTexts.get(text) ?? 0) + 1);
    }
    this.#prune(this.#closes, this.#closeTexts, now);
  }

  /**
   * We released a session early as initiator: `finish` is the canonical JSON of the peer's last
   * accepted message, `reply` the `close` we sent for it.
   */
  released(finish: string, reply: OutboundPayload): void {
    const now = this.#now();
    this.#released.push({ text: finish, reply, until: now + this.#windowMs });
    this.#releasedTexts.set(finish, (this.#releasedTexts.get(finish) ?? 0) + 1);
    this.#prune(this.#released, this.#releasedTexts, now);
  }

  /** Whether `payload` is a late copy of a recent session's teardown (null: it is not). */
  check(payload: Readonly<Record<string, unknown>>): LateCopy | null {
    if (this.#closes.length > 0 && payload.intent === "close") {
      this.#prune(this.#closes, this.#closeTexts, this.#now());
      const text = tryCanonical(payload);
      if (text !== null && this.#closeTexts.has(text)) return { kind: "close" };
    }
    if (this.#released.length > 0 && payload.intent === "finish") {
      this.#prune(this.#released, this.#releasedTexts, this.#now());
      const text = tryCanonical(payload);
      // The oldest entry with this text, as before; looked for only when one exists.
      const hit =
        text !== null && this.#releasedTexts.has(text)
          ? this.#released.find((r) => r.text === text)
          : undefined;
      if (hit) return { kind: "finish", reply: hit.reply };
    }
    return null;
  }

  /** Drop expired entries, and the oldest beyond the bound (keeping `texts` in step). */
  #prune(list: Remembered[], texts: Map<string, number>, now: number): void {
    while (list.length > 0 && (list[0]!.until < now || list.length > this.#maxKept)) {
      const { text } = list.shift()!;
      const left = (texts.get(text) ?? 1) - 1;
      if (left > 0) texts.set(text, left);
      else texts.delete(text);
    }
  }
}
