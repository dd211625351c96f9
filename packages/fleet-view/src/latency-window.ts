// Latency over the last minutes for the fleet page: samples land in fixed time buckets (default
// 5 s, 10 minutes kept); each bucket keeps a bounded sample set and reports p50/p99 on demand.

/** One bucket's summary: bucket start (unix seconds) and p50/p99 in ms (null when empty). */
export interface LatencyPoint {
  readonly t: number;
  readonly n: number;
  readonly p50: number | null;
  readonly p99: number | null;
}

interface Bucket {
  readonly start: number;
  readonly samples: number[];
  seen: number;
  summary: LatencyPoint | null;
}

/** Nearest-rank percentile of an ascending array; null when empty. */
export function percentileOf(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

/** A rolling window of time-bucketed latency samples. */
export class LatencyWindow {
  readonly #buckets: Bucket[] = [];
  readonly #bucketMs: number;
  readonly #keep: number;
  readonly #maxSamples: number;

  constructor(options: { bucketMs?: number; keep?: number; maxSamplesPerBucket?: number } = {}) {
    this.#bucketMs = options.bucketMs ?? 5000;
    this.#keep = options.keep ?? 120;
    this.#maxSamples = options.maxSamplesPerBucket ?? 1024;
  }

  /** Record one latency (ms) observed at `now` (ms since epoch). Non-finite or negative values are ignored. */
  add(ms: number, now = Date.now()): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const start = Math.floor(now / this.#bucketMs) * this.#bucketMs;
    let b = this.#buckets[this.#buckets.length - 1];
    if (!b || b.start !== start) {
      if (b && start < b.start) return; // clock went backwards: drop rather than reorder
      b = { start, samples: [], seen: 0, summary: null };
      this.#buckets.push(b);
      while (this.#buckets.length > this.#keep) this.#buckets.shift();
    }
    b.seen++;
    if (b.samples.length < this.#maxSamples) b.samples.push(ms);
    else {
      // reservoir sampling keeps the bucket's percentiles representative with bounded memory
      const j = Math.floor(Math.random() * b.seen);
      if (j < this.#maxSamples) b.samples[j] = ms;
    }
    b.summary = null;
  }

  /** The buckets of the last `keep` periods ending at `now`, oldest first (buckets without samples are left out). */
  points(now = Date.now()): LatencyPoint[] {
    const oldest = now - this.#keep * this.#bucketMs;
    const out: LatencyPoint[] = [];
    for (const b of this.#buckets) {
      if (b.start < oldest) continue;
      if (!b.summary) {
        const sorted = [...b.samples].sort((x, y) => x - y);
        b.summary = {
          t: b.start / 1000,
          n: b.seen,
          p50: percentileOf(sorted, 50),
          p99: percentileOf(sorted, 99),
        };
      }
      out.push(b.summary);
    }
    return out;
  }
}
