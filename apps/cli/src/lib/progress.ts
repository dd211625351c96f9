// Session bookkeeping of `hsagent up`: per pair of agents, sessions completed (a session counts
// once both sides closed it), the last handshake latency, rejections and aborts; rendered as a
// live block on a TTY or as plain lines otherwise.

/** Counters of one unordered pair of agents. */
export interface PairStats {
  /** The two agent names, sorted. */
  readonly pair: readonly [string, string];
  /** Sessions both sides closed cleanly. */
  sessions: number;
  /** Handshake latency of the most recent established session (ms, as seen by the initiator side if known). */
  lastHandshakeMs: number | null;
  /** Key agreement of the most recent established session (`x25519` or `x25519+mlkem768`). */
  keyAgreement: string | null;
  /** All handshake latencies seen (ms). */
  readonly handshakeSamples: number[];
  /** Messages rejected by either side from the other. */
  rejections: number;
  /** The same, by reason. */
  readonly rejectionReasons: Record<string, number>;
  /** Sessions aborted on either side. */
  aborted: number;
}

function key(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/** Tracks the pairs of a set of agents. */
export class PairTracker {
  readonly #pairs = new Map<string, PairStats>();
  readonly #closed = new Map<string, number>(); // "self\0peer" → sessions closed by self with peer

  constructor(names: readonly string[]) {
    const sorted = [...names].sort();
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const a = sorted[i]!;
        const b = sorted[j]!;
        this.#pairs.set(key(a, b), {
          pair: [a, b],
          sessions: 0,
          lastHandshakeMs: null,
          keyAgreement: null,
          handshakeSamples: [],
          rejections: 0,
          rejectionReasons: {},
          aborted: 0,
        });
      }
    }
  }

  /** Every pair, in name order. */
  get pairs(): PairStats[] {
    return [...this.#pairs.values()];
  }

  /** `self` closed a session with `peer`; returns the pair if its completed count changed. */
  closed(self: string, peer: string): PairStats | null {
    const p = this.#pairs.get(key(self, peer));
    if (!p) return null;
    const k = `${self}\u0000${peer}`;
    this.#closed.set(k, (this.#closed.get(k) ?? 0) + 1);
    const both = Math.min(
      this.#closed.get(`${self}\u0000${peer}`) ?? 0,
      this.#closed.get(`${peer}\u0000${self}`) ?? 0,
    );
    if (both === p.sessions) return null;
    p.sessions = both;
    return p;
  }

  /** `self` established a session with `peer` after `handshakeMs`, keys agreed by `keyAgreement`. */
  established(
    self: string,
    peer: string,
    handshakeMs: number,
    role: string | undefined,
    keyAgreement?: string,
  ): void {
    const p = this.#pairs.get(key(self, peer));
    if (!p) return;
    if (keyAgreement !== undefined) p.keyAgreement = keyAgreement;
    p.handshakeSamples.push(handshakeMs);
    if (p.handshakeSamples.length > 10_000) p.handshakeSamples.shift();
    if (role === "initiator" || p.lastHandshakeMs === null) p.lastHandshakeMs = handshakeMs;
  }

  /** `self` rejected a message from `peer` for `reason`. */
  rejected(self: string, peer: string, reason = "unknown"): void {
    const p = this.#pairs.get(key(self, peer));
    if (!p) return;
    p.rejections++;
    p.rejectionReasons[reason] = (p.rejectionReasons[reason] ?? 0) + 1;
  }

  /** `self` aborted a session with `peer`. */
  abortedSession(self: string, peer: string): void {
    const p = this.#pairs.get(key(self, peer));
    if (p) p.aborted++;
  }

  /** True when every pair completed at least `n` sessions. */
  allReached(n: number): boolean {
    return this.pairs.every((p) => p.sessions >= n);
  }
}

/** One human line for a pair. */
export function formatPair(p: PairStats): string {
  const ms = p.lastHandshakeMs === null ? "-" : `${p.lastHandshakeMs.toFixed(1)} ms`;
  const hs = p.keyAgreement === null ? ms : `${ms} (${p.keyAgreement})`;
  return `${p.pair[0]} <-> ${p.pair[1]}: ${p.sessions} session${p.sessions === 1 ? "" : "s"} completed, last handshake ${hs}, ${p.rejections} rejected, ${p.aborted} aborted`;
}

/** Nearest-rank percentile of the samples (null when empty). */
export function percentile(samples: readonly number[], pct: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((pct / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}
