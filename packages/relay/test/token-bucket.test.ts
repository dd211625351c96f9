// The shared token bucket: burst, continuous refill on an injected clock, and the keyed map that
// answers with the wait and sweeps refilled buckets.
import { describe, expect, it } from "vitest";
import { KeyedTokenBuckets, TokenBucket } from "../src/token-bucket.js";

describe("TokenBucket", () => {
  it("allows a burst of capacity, then refills at perSecond", () => {
    let t = 0;
    const b = new TokenBucket({ capacity: 3, perSecond: 2, now: () => t });
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    expect(b.secondsToNextToken()).toBeCloseTo(0.5);
    t = 499;
    expect(b.take()).toBe(false);
    t = 500;
    expect(b.take()).toBe(true);
    t = 100_000;
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
  });
});

describe("KeyedTokenBuckets", () => {
  it("limits each key on its own and answers the seconds to wait", () => {
    const k = new KeyedTokenBuckets({ capacity: 2, perSecond: 0.5 });
    expect([k.take("a", 0), k.take("a", 0)]).toEqual([0, 0]);
    expect(k.take("a", 0)).toBeCloseTo(2);
    expect(k.take("b", 0)).toBe(0);
    expect(k.take("a", 1000)).toBeCloseTo(1);
  });

  it("sweeps buckets that have refilled, at most every sweepEveryMs", () => {
    const k = new KeyedTokenBuckets({ capacity: 2, perSecond: 1, sweepEveryMs: 10_000 });
    k.take("a", 10_000);
    k.take("b", 10_000);
    expect(k.size).toBe(2);
    k.take("c", 15_000);
    expect(k.size).toBe(3);
    k.take("c", 20_000);
    expect(k.size).toBe(1);
  });
});
