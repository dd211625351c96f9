/**
 * Counters and latency samples of one agent (`agent.metrics()`). Samples live in bounded ring
 * buffers so a long-running agent keeps constant memory; percentiles are computed on demand.
 */

/** Percentile summary of a latency series, in ms. */
export interface LatencySummary {
  /** Samples in the window (at most the ring size). */
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/** A snapshot of an agent's counters (see `Agent.metrics()`). */
export interface AgentMetrics {
  sessions: { started: number; established: number; closed: number; aborted: number; active: number };
  /** Handshake latency: session start (left `*_ready`) → channel established, per side. */
  handshakeMs: LatencySummary;
  /** Session latency: session start → clean close, per side. */
  sessionMs: LatencySummary;
  /** Dropped inbound messages by reason (machine rejections). */
  rejections: Record<string, number>;
  /** Substrate HTTP requests made by this agent's client (all attempts). */
  substrateCalls: number;
  /** Relay reconnects scheduled by the TCP client. */
  relayReconnects: number;
  /** Messages dropped because their sender is not registered in our tenant. */
  droppedUnknownPeers: number;
  /** Unknown-peer lookups skipped because the lookup budget was spent (flood protection). */
  lookupsThrottled: number;
  /** `register`s held back because `maxSessions` accepted sessions were open (or others waited first). */
  registersIgnoredBusy: number;
  /** Peers whose `register` waits for a free slot right now (answered longest-waiting first). */
  registersWaiting: number;
  /**
   * Sessions accepted as responder at once right now: `maxSessions` while sessions are quick,
   * fewer (down to 1) while they take longer than `retransmitMs` — the agent is overloaded
   * (admission.ts).
   */
  sessionCap: number;
  /**
   * The interval between this agent's `register`s now, before jitter, ms: `registerIntervalMs`,
   * or up to 4× that while its session cap is cut (an overloaded agent invites fewer sessions;
   * admission.ts).
   */
  registerIntervalMs: number;
  /**
   * The retransmit timeout toward a peer without round trips of its own, ms: `retransmitMs`, or
   * more while answers take long (at most 4 × `retransmitMs`; rto.ts).
   */
  retransmitTimeoutMs: number;
  /** Late copies of a `close` that ended a recent session (dropped), and re-sent `finish`es of released sessions (answered with the close again). */
  lateCloses: number;
  /** Rejections left out of the audit chain by the global cap on blocks (`rejectionAuditsPerMinute`). */
  auditRejectionsSuppressed: number;
  /** `register`s dropped by the register gate, by cause (never audited; see register-gate.ts). */
  registersDropped: Record<string, number>;
  /** Register signatures verified (forged registers that passed the cheap checks included). */
  registerSignaturesVerified: number;
  /** Inbound messages dropped because their peer's lane already held `maxLaneDepth` events. */
  laneDrops: number;
  /** Refusals of a v1-only peer with legacy off (each logs at most once per peer and starts a back-off). */
  legacyRefusals: number;
  /** `register`s / `confirm`s of v1-only peers ignored during their back-off. */
  legacyIgnored: number;
  /** `register`s of v1 initiators held until their `close` re-sends stopped (legacy on). */
  legacyRegistersHeld: number;
  /** Aggregated rejection blocks handed to the audit chain (one per peer, reason and minute at most). */
  rejectionAuditBlocks: number;
  /** Rejection warn lines left out by the per-peer budget (2 a minute). */
  rejectionWarnsSuppressed: number;
}

/** A bounded ring of numeric samples. */
export class SampleRing {
  readonly #values: number[] = [];
  #next = 0;

  constructor(readonly size = 4096) {}

  /** Add one sample. */
  add(value: number): void {
    if (this.#values.length < this.size) this.#values.push(value);
    else this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.size;
  }

  /** The samples currently held (unordered). */
  values(): number[] {
    return [...this.#values];
  }

  /** p50/p99/max of the held samples. */
  summary(): LatencySummary {
    const sorted = [...this.#values].sort((a, b) => a - b);
    return {
      count: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? null) : null,
    };
  }
}

/** Nearest-rank percentile of an ascending array; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}
