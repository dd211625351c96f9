// Returns memory after a spike of large bodies. Buffers that held a big upload are freed only when
// V8 collects them, and an idle server may not collect for a long time, so RSS would stay at the
// spike's height. After large releases one full collection is scheduled 3 s later (once the
// bodies of cut connections are dropped; timer unref'd, debounced). The collector is `global.gc` when
// node runs with --expose-gc; otherwise it is exposed at runtime (v8.setFlagsFromString) the first
// time it is needed.

import v8 from "node:v8";
import vm from "node:vm";

/** Releases of at least this many bytes schedule a collection. */
export const GC_NUDGE_MIN_BYTES = 8 * 1024 * 1024;

let collector: (() => void) | null | undefined;

function gcFunction(): (() => void) | null {
  if (collector !== undefined) return collector;
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === "function") {
    collector = existing;
    return collector;
  }
  try {
    v8.setFlagsFromString("--expose-gc");
    const fn = vm.runInNewContext("gc") as unknown;
    collector = typeof fn === "function" ? (fn as () => void) : null;
  } catch {
    collector = null;
  }
  return collector;
}

/** Schedules one full collection a little after large releases. */
export class GcNudge {
  #timer: NodeJS.Timeout | null = null;
  readonly #delayMs: number;

  constructor(delayMs = 3000) {
    this.#delayMs = delayMs;
  }

  /** Note that `bytes` were released; schedule a collection if they were many. */
  released(bytes: number): void {
    if (bytes < GC_NUDGE_MIN_BYTES || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      gcFunction()?.();
    }, this.#delayMs);
    this.#timer.unref();
  }
}
