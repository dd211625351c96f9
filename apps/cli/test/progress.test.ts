// Pair bookkeeping of `hsagent up`: a session counts once both sides closed it.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPair, PairTracker, percentile } from "../src/lib/progress.js";

describe("PairTracker", () => {
  it("counts a session when both sides closed it, per unordered pair", () => {
    const t = new PairTracker(["beta", "alpha", "gamma"]);
    expect(t.pairs.map((p) => p.pair.join("-"))).toEqual(["alpha-beta", "alpha-gamma", "beta-gamma"]);
    expect(t.closed("alpha", "beta")).toBeNull(); // one side only
    expect(t.closed("beta", "alpha")?.sessions).toBe(1);
    expect(t.allReached(1)).toBe(false);
    t.closed("gamma", "alpha");
    t.closed("alpha", "gamma");
    t.closed("beta", "gamma");
    t.closed("gamma", "beta");
    expect(t.allReached(1)).toBe(true);
    expect(t.allReached(2)).toBe(false);
    expect(t.closed("alpha", "stranger")).toBeNull();
  });

  it("keeps rejections by reason and the last initiator-side handshake", () => {
    const t = new PairTracker(["a", "b"]);
    t.established("b", "a", 9, "responder");
    t.established("a", "b", 7, "initiator");
    t.established("b", "a", 8, "responder");
    t.rejected("a", "b", "replay");
    t.rejected("b", "a", "replay");
    t.rejected("b", "a", "stale");
    const p = t.pairs[0]!;
    expect(p.lastHandshakeMs).toBe(7);
    expect(p.rejections).toBe(3);
    expect(p.rejectionReasons).toEqual({ replay: 2, stale: 1 });
    expect(formatPair(p)).toBe("a <-> b: 0 sessions completed, last handshake 7.0 ms, 3 rejected, 0 aborted");
  });

  it("sessions = min(closes of either side) for any interleaving", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 200 }), (sides) => {
        const t = new PairTracker(["x", "y"]);
        let cx = 0;
        let cy = 0;
        for (const s of sides) {
          if (s) {
            t.closed("x", "y");
            cx++;
          } else {
            t.closed("y", "x");
            cy++;
          }
        }
        expect(t.pairs[0]!.sessions).toBe(Math.min(cx, cy));
      }),
    );
  });
});

describe("percentile", () => {
  it("nearest rank", () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([3, 1, 2], 100)).toBe(3);
  });
});
