/**
 * Legacy off: the one clear refusal of a peer that speaks only protocol v1 (PROTOCOL.md §7).
 * Decides, per inbound `register` / `confirm`, whether it goes on to the machine ("pass"), is
 * refused without opening a session ("refuse": the caller counts a `legacy-refused` rejection
 * and, the first time for that peer, logs {@link legacyRefusalLine}), or is dropped silently
 * because the peer is backing off ("ignore", counted). Pure decision logic with an injected clock;
 * the runtime calls it from its register path (and, later, from a signed-register gate's hook
 * for unsigned registers).
 */

/** What to do with a `register` / `confirm` of a peer. */
export type LegacyVerdict =
  /** Hand it to the machine as usual. */
  | { action: "pass" }
  /** Refuse it (no session); `log` is true the first time this peer is refused. */
  | { action: "refuse"; log: boolean }
  /** Drop it without a word: the peer was refused and is backing off (counted). */
  | { action: "ignore" };

/** Options of {@link LegacyGate}. */
export interface LegacyGateOptions {
  /** Whether legacy v1 peers are allowed (then every verdict is "pass"). */
  allowLegacy: boolean;
  /** How long a refused peer's registers and confirms are ignored, ms (default 600 000). */
  backoffMs?: number;
  /** Clock (default Date.now). */
  now?: () => number;
  /** Most peers remembered (default 10 000; the oldest is forgotten first). */
  maxPeers?: number;
}

/** Counters of a {@link LegacyGate}. */
export interface LegacyGateStats {
  /** Refusals of a v1-only peer (each starts a back-off period). */
  refusals: number;
  /** Registers and confirms dropped while their peer was backing off. */
  ignored: number;
}

/** The one log line of a refusal. */
export function legacyRefusalLine(peer: string): string {
  return `peer ${peer} speaks only protocol v1; enable --allow-legacy to talk to it`;
}

/**
 * True when a peer speaks only protocol v1: its identity advertises protocols without 2, or
 * (identity silent) its `register` carries no `proto` listing 2. An identity listing 2 is never
 * v1-only, whatever an (unsigned) register says: a forged register cannot shut a v2 peer out.
 */
export function speaksOnlyV1(proto: unknown, identityProtocols: readonly number[] | undefined): boolean {
  if (identityProtocols?.includes(2)) return false;
  if (identityProtocols !== undefined && identityProtocols.length > 0) return true;
  return !(Array.isArray(proto) && proto.includes(2));
}

/** Per-peer back-off of v1-only peers while legacy is off. */
export class LegacyGate {
  readonly #allow: boolean;
  readonly #backoffMs: number;
  readonly #now: () => number;
  readonly #maxPeers: number;
  /** Peers backing off: until when (epoch ms). */
  readonly #until = new Map<string, number>();
  /** Peers already named in the log line (each once per process). */
  readonly #logged = new Set<string>();
  readonly #stats: LegacyGateStats = { refusals: 0, ignored: 0 };

  constructor(options: LegacyGateOptions) {
    this.#allow = options.allowLegacy;
    this.#backoffMs = options.backoffMs ?? 600_000;
    this.#now = options.now ?? Date.now;
    this.#maxPeers = Math.max(1, options.maxPeers ?? 10_000);
  }

  /**
   * Screen an inbound message of `peer` before the machine sees it. Only `register` and
   * `confirm` are ever held back; everything else passes.
   */
  screen(
    peer: string,
    payload: Record<string, unknown>,
    identityProtocols?: readonly number[],
  ): LegacyVerdict {
    if (this.#allow || identityProtocols?.includes(2)) return { action: "pass" };
    const intent = payload.intent;
    if (intent !== "register" && intent !== "confirm") return { action: "pass" };
    const proto = payload.proto;
    if (intent === "register" && Array.isArray(proto) && proto.includes(2)) {
      this.#until.delete(peer); // it speaks v2 now: end the back-off at once
      return { action: "pass" };
    }
    if (this.#backingOff(peer)) {
      this.#stats.ignored++;
      return { action: "ignore" };
    }
    if (intent === "register" && speaksOnlyV1(proto, identityProtocols)) return this.refused(peer);
    return { action: "pass" };
  }

  /**
   * `peer` was refused as v1-only (by {@link screen}, or the machine rejected its v1 blob with
   * `legacy-refused`): start its back-off. @returns the verdict, `log` true the first time.
   */
  refused(peer: string): { action: "refuse"; log: boolean } {
    this.#stats.refusals++;
    this.#remember(this.#until, peer, this.#now() + this.#backoffMs);
    const log = !this.#logged.has(peer);
    if (log) {
      if (this.#logged.size >= this.#maxPeers) this.#logged.delete(this.#logged.values().next().value!);
      this.#logged.add(peer);
    }
    return { action: "refuse", log };
  }

  #backingOff(peer: string): boolean {
    const until = this.#until.get(peer);
    if (until === undefined) return false;
    if (this.#now() < until) return true;
    this.#until.delete(peer);
    return false;
  }

  #remember(map: Map<string, number>, peer: string, value: number): void {
    map.delete(peer);
    if (map.size >= this.#maxPeers) map.delete(map.keys().next().value!);
    map.set(peer, value);
  }

  /** Whether `peer` is backing off right now. */
  isBackingOff(peer: string): boolean {
    return this.#backingOff(peer);
  }

  /** A snapshot of the counters. */
  stats(): LegacyGateStats {
    return { ...this.#stats };
  }
}
