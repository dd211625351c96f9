// Connection caps of the relay: at most `maxConnections` clients in total and at most
// `maxPerAddress` from one source IP, so that one host cannot take every slot (or every
// file descriptor) of the relay. Counts refusals by cause for the metrics.

/** Why a connection was refused. */
export type RefusalCause = "total" | "perAddress";

/** Counts open connections per source address and decides whether a new one may join. */
export class ConnectionCaps {
  readonly #perAddress = new Map<string, number>();
  #open = 0;
  /** Refusals so far, by cause. */
  readonly refused = { total: 0, perAddress: 0 };

  /**
   * @param maxConnections - most clients at once (0 = no limit)
   * @param maxPerAddress - most clients at once from one source IP (0 = no limit)
   */
  constructor(
    readonly maxConnections: number,
    readonly maxPerAddress: number,
  ) {}

  /** Take a slot for `ip`, or return why not (the refusal is counted). */
  admit(ip: string): RefusalCause | null {
    if (this.maxConnections > 0 && this.#open >= this.maxConnections) {
      this.refused.total++;
      return "total";
    }
    const n = this.#perAddress.get(ip) ?? 0;
    if (this.maxPerAddress > 0 && n >= this.maxPerAddress) {
      this.refused.perAddress++;
      return "perAddress";
    }
    this.#perAddress.set(ip, n + 1);
    this.#open++;
    return null;
  }

  /** Give back the slot a connection from `ip` held. */
  release(ip: string): void {
    const n = this.#perAddress.get(ip) ?? 0;
    if (n <= 1) this.#perAddress.delete(ip);
    else this.#perAddress.set(ip, n - 1);
    if (this.#open > 0) this.#open--;
  }
}
