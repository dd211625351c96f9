/**
 * The register gate: decides, before a `register` reaches a peer's machine or its admission
 * queue, whether it may start a session. Cheap checks run first and cost no signature work and
 * no substrate call: the role/state (only a ready responder answers), the per-peer session rate
 * (at most one session start per `minGapMs`), the presence and freshness of `ts`, and a `ts`
 * strictly newer than the last one accepted from that peer (a replayed register is old news).
 * Only then is the signature verified under the peer's pinned key. Unsigned registers pass only
 * from peers whose identity does not list protocol 2, and only when legacy peers are accepted;
 * every other unsigned register goes to `onUnsignedRegister` and is dropped. Drops are counted,
 * never audited (a forged line must not make us write to the substrate).
 */
import {
  acceptsV1,
  checkRegisterCheap,
  type PeerIdentity,
  parseMessage,
  type RegisterMsg,
  type RegisterWindow,
  verifyRegisterSignature,
} from "@hsagent/protocol";
import type { AgentConfig } from "./config.js";

/** Why the gate dropped a register. */
export type RegisterDrop =
  | "not-ready"
  | "rate"
  | "malformed"
  | "unsigned"
  | "stale"
  | "future"
  | "replayed"
  | "bad-signature";

/** Options of {@link RegisterGate}. */
export interface RegisterGateOptions {
  /** Least time between two sessions started from one peer's registers, ms. */
  minGapMs: number;
  /** Freshness window of register timestamps. */
  window: RegisterWindow;
  /** Whether unsigned registers of v1-only peers are taken (`--allow-legacy`). */
  acceptLegacy: boolean;
  /** Called for an unsigned register that is not taken (the legacy-off path); it is dropped after. */
  onUnsignedRegister?: (peerId: string, payload: Record<string, unknown>) => void;
  /** Clock (tests). */
  now?: () => number;
}

interface PeerMark {
  /** When a session last started from this peer's register. */
  lastStart: number;
  /** Newest register timestamp accepted from this peer, ms. */
  lastTs: number;
}

/** Per-peer register admission; see the module comment. */
export class RegisterGate {
  readonly #opts: RegisterGateOptions;
  readonly #now: () => number;
  readonly #marks = new Map<string, PeerMark>();
  /** Registers dropped, by cause. */
  readonly dropped: Record<RegisterDrop, number> = {
    "not-ready": 0,
    rate: 0,
    malformed: 0,
    unsigned: 0,
    stale: 0,
    future: 0,
    replayed: 0,
    "bad-signature": 0,
  };
  /** Signatures verified (forged lines that reach this are bounded by the cheap checks). */
  verified = 0;

  constructor(options: RegisterGateOptions) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Decide on `payload` (a register from `peer`). `answering` is true when our machine toward the
   * peer is a ready responder (anything else would ignore it anyway). Returns null to let it
   * through, or why it was dropped (already counted).
   */
  check(peer: PeerIdentity, payload: Record<string, unknown>, answering: boolean): RegisterDrop | null {
    if (!answering) return "not-ready"; // the machine would ignore it; not counted (every initiator sees these)
    const mark = this.#marks.get(peer.agentId);
    const now = this.#now();
    if (mark && now - mark.lastStart < this.#opts.minGapMs) return this.#drop("rate");
    const parsed = parseMessage(payload);
    if (!parsed.ok || parsed.msg.intent !== "register") return this.#drop("malformed");
    const msg: RegisterMsg = parsed.msg;
    if (msg.sig === undefined && msg.ts === undefined) {
      if (this.#opts.acceptLegacy && !(peer.protocols ?? []).includes(2)) return null;
      this.#opts.onUnsignedRegister?.(peer.agentId, payload);
      return this.#drop("unsigned");
    }
    const cheap = checkRegisterCheap(msg, now, this.#opts.window);
    if (!cheap.ok) return this.#drop(cheap.fault === "unsigned" ? "malformed" : cheap.fault);
    if (mark && cheap.tsMs <= mark.lastTs) return this.#drop("replayed");
    this.verified++;
    if (!verifyRegisterSignature(msg, peer.signPubB64)) return this.#drop("bad-signature");
    this.#marks.set(peer.agentId, {
      lastStart: mark?.lastStart ?? Number.NEGATIVE_INFINITY,
      lastTs: cheap.tsMs,
    });
    return null;
  }

  /** A session with `peerId` started (as responder): its next one waits `minGapMs`. */
  started(peerId: string): void {
    const mark = this.#marks.get(peerId);
    if (mark) mark.lastStart = this.#now();
    else this.#marks.set(peerId, { lastStart: this.#now(), lastTs: Number.NEGATIVE_INFINITY });
  }

  /** Forget a peer (e.g. its identity was revoked). */
  forget(peerId: string): void {
    this.#marks.delete(peerId);
  }

  #drop(why: RegisterDrop): RegisterDrop {
    this.dropped[why]++;
    return why;
  }
}

/**
 * The agent's gate from its settings: one session start per peer per 0.75 register periods
 * (just under the peers' -20% jitter, so every honest register still counts), the handshake's
 * freshness window, legacy per `acceptsV1`. Unsigned registers refused here are logged once per
 * peer at debug (the v1-with-legacy-off policy itself belongs to the legacy interop code).
 */
export function createRegisterGate(
  config: AgentConfig,
  log: { debug(obj: object, msg: string): void },
  onUnsigned?: (peerId: string, payload: Record<string, unknown>) => void,
): RegisterGate {
  const told = new Set<string>();
  return new RegisterGate({
    minGapMs: Math.floor(config.registerIntervalMs * 0.75),
    window: { ttlSeconds: config.nonceTtlSeconds, maxSkewSeconds: config.maxClockSkewSeconds },
    acceptLegacy: acceptsV1(config),
    onUnsignedRegister: (peerId, payload) => {
      if (told.size < 10_000 && !told.has(peerId)) {
        told.add(peerId);
        log.debug({ peer: peerId }, "unsigned register dropped");
      }
      onUnsigned?.(peerId, payload);
    },
  });
}
