/**
 * Protocol configuration: the §9 constants, version policy and the application hooks that choose
 * what each exchange round says. Everything is plain data plus pure functions so the machines stay
 * deterministic under test.
 */

/**
 * JSON value an application may put in an exchange round. Numbers must be safe integers (canonical
 * JSON refuses floats, as Python and JavaScript print them differently); a hook returning anything
 * else is a programming error and makes `step` throw.
 */
export type AppMessage = null | boolean | number | string | AppMessage[] | { [key: string]: AppMessage };

/** Protocol settings (PROTOCOL.md §9 plus version policy and app hooks). */
export interface ProtocolConfig {
  /** Exchange rounds = exchangeLimit + 1 (EXCHANGE_LIMIT, default 3). */
  exchangeLimit: number;
  /** How many times the initiator sends `close` (FINAL_LIMIT, default 3). */
  finalLimit: number;
  /** Wait before re-sending the last message (default 500). */
  retransmitMs: number;
  /** Re-sends of one message before the session is aborted (default 5). */
  maxRetransmits: number;
  /** Longest time a session may stay outside `*_ready` (default 15000). */
  sessionTimeoutMs: number;
  /** Handshake freshness window in seconds (default 60). */
  nonceTtlSeconds: number;
  /** Future clock skew tolerance in seconds (default 30). */
  maxClockSkewSeconds: number;
  /** Accept legacy v1 (HSAgent_2) peers (default false, flag `--allow-legacy`). */
  allowLegacy: boolean;
  /** Versions we speak, preferred first (default `[2, 1]`; `[1]` behaves like HSAgent_2). */
  protocolVersions: readonly number[];
  /**
   * Offer the hybrid X25519+ML-KEM-768 key agreement in v2 sessions (default true; `--no-pq`,
   * `HSAGENT_PQ=off` turn it off). Used when both sides offer it.
   */
  pq: boolean;
  /** What the initiator says in round `round` (1-based). Default "How are you?". */
  initiatorMessage: (round: number, peerId: string) => AppMessage;
  /** What the responder answers in round `round` to `received`. Default "I am OK!". */
  responderMessage: (round: number, received: unknown, peerId: string) => AppMessage;
}

/** The defaults of PROTOCOL.md §9. */
export const DEFAULT_CONFIG: Readonly<ProtocolConfig> = Object.freeze({
  exchangeLimit: 3,
  finalLimit: 3,
  retransmitMs: 500,
  maxRetransmits: 5,
  sessionTimeoutMs: 15_000,
  nonceTtlSeconds: 60,
  maxClockSkewSeconds: 30,
  allowLegacy: false,
  protocolVersions: Object.freeze([2, 1]),
  pq: true,
  initiatorMessage: () => "How are you?",
  responderMessage: () => "I am OK!",
});

/** Fill unspecified settings with {@link DEFAULT_CONFIG}. */
export function resolveConfig(partial: Partial<ProtocolConfig> = {}): ProtocolConfig {
  const cfg: ProtocolConfig = { ...DEFAULT_CONFIG, ...partial };
  for (const key of [
    "exchangeLimit",
    "finalLimit",
    "retransmitMs",
    "maxRetransmits",
    "sessionTimeoutMs",
  ] as const) {
    const v = cfg[key];
    if (!Number.isSafeInteger(v) || v < (key === "exchangeLimit" || key === "maxRetransmits" ? 0 : 1)) {
      throw new RangeError(`protocol config: ${key} must be a positive integer`);
    }
  }
  if (typeof cfg.pq !== "boolean") throw new RangeError("protocol config: pq must be a boolean");
  if (!cfg.protocolVersions.every((v) => v === 1 || v === 2) || cfg.protocolVersions.length === 0) {
    throw new RangeError("protocol config: protocolVersions must be a non-empty list of 1 and/or 2");
  }
  return cfg;
}

/** True when `cfg` speaks protocol v2. */
export function speaksV2(cfg: ProtocolConfig): boolean {
  return cfg.protocolVersions.includes(2);
}

/** True when `cfg` accepts v1 peers: it lists 1 and sets allowLegacy, or it speaks only v1. */
export function acceptsV1(cfg: ProtocolConfig): boolean {
  return cfg.protocolVersions.includes(1) && (cfg.allowLegacy || !speaksV2(cfg));
}
