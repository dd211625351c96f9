/**
 * Adaptive retransmit timeout (PROTOCOL.md §4): the machine asks for its retransmit timer with
 * the configured `retransmitMs`; the agent stretches it to what answers from that peer have
 * actually taken, so that a loaded fleet (every process busy, answers queued for hundreds of ms)
 * does not re-send messages that are only late — re-sends it then has to process too.
 *
 * The estimator is TCP's (RFC 6298): smoothed round-trip time and its mean deviation, timeout
 * `srtt + max(4·rttvar, retransmitMs/2)` (the floor on the margin plays the part of TCP's minimum
 * RTO: steady round trips shrink rttvar toward 0, and a little jitter must not cause a re-send),
 * samples only from messages sent once (Karn's rule: an answer to a re-sent message could belong
 * to either copy). The timeout never drops below `retransmitMs` (an idle
 * fleet behaves exactly as configured) and never exceeds {@link RTO_MAX_FACTOR} × `retransmitMs`
 * (so `maxRetransmits` re-sends still fit well inside `sessionTimeoutMs` with the defaults, and a
 * lost message is still re-sent). A peer without samples of its own uses the agent's estimate
 * over all peers: on one machine, load delays every peer alike.
 */

/** Upper bound of the adaptive retransmit timeout, as a multiple of `retransmitMs`. */
export const RTO_MAX_FACTOR = 4;

/** A round-trip estimator (RFC 6298 §2). */
export class RttEstimator {
  readonly #parent: RttEstimator | null;
  #srtt = 0;
  #rttvar = 0;
  #samples = 0;

  /** @param parent - the agent-wide estimator: it also gets every sample, and stands in while this one has none */
  constructor(parent: RttEstimator | null = null) {
    this.#parent = parent;
  }

  /** Samples taken so far. */
  get samples(): number {
    return this.#samples;
  }

  /** Smoothed round-trip time, ms (0 before the first sample). */
  get srttMs(): number {
    return this.#srtt;
  }

  /** Add one round-trip sample, ms; anything not finite or negative is ignored. */
  sample(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    if (this.#samples === 0) {
      this.#srtt = ms;
      this.#rttvar = ms / 2;
    } else {
      this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - ms);
      this.#srtt = 0.875 * this.#srtt + 0.125 * ms;
    }
    this.#samples++;
    this.#parent?.sample(ms);
  }

  /** The retransmit timeout for a configured `baseMs`, ms: within [baseMs, RTO_MAX_FACTOR × baseMs]. */
  timeoutMs(baseMs: number): number {
    const source = this.#samples > 0 ? this : this.#parent && this.#parent.#samples > 0 ? this.#parent : null;
    if (!source) return baseMs;
    const rto = Math.ceil(source.#srtt + Math.max(4 * source.#rttvar, baseMs / 2));
    return Math.min(baseMs * RTO_MAX_FACTOR, Math.max(baseMs, rto));
  }
}

/** Per-peer round-trip bookkeeping: when our last first-time message went out, if it is unanswered. */
export class PeerRtt {
  readonly estimator: RttEstimator;
  #sentAt = 0;

  constructor(agentWide: RttEstimator) {
    this.estimator = new RttEstimator(agentWide);
  }

  /** A message went out for the first time at `now` and waits for an answer. */
  sent(now: number): void {
    this.#sentAt = now;
  }

  /** The waiting message was re-sent, or nothing waits any more: no sample until the next first send (Karn). */
  forget(): void {
    this.#sentAt = 0;
  }

  /** A session message from the peer arrived at `now`: it answers the waiting message, if any. */
  answered(now: number): void {
    if (this.#sentAt === 0) return;
    this.estimator.sample(now - this.#sentAt);
    this.#sentAt = 0;
  }
}
