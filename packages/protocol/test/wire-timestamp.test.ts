import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatWireTimestamp, formatWireTimestampSlow } from "../src/common.js";

// Fixed seed (override with FUZZ_SEED) so any failure reproduces.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);

describe("formatWireTimestamp", () => {
  it("gives the bytes of the uncached formatter for any moment, in any order", () => {
    const ms = fc.oneof(
      fc.integer({ min: 0, max: 253_402_300_799_999 }),
      fc.integer({ min: -62_198_755_200_000, max: 8_640_000_000_000_000 }),
      fc.constantFrom(
        0,
        999,
        1000,
        1001,
        1_700_000_000_000,
        253_402_300_799_999,
        253_402_300_800_000,
        -1,
        -1000,
      ),
      fc.double({ min: 0, max: 2e12, noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(ms, { minLength: 1, maxLength: 8 }), (list) => {
        for (const m of list) expect(formatWireTimestamp(m)).toBe(formatWireTimestampSlow(m));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it("keeps the classic form on a whole second and three digits of ms otherwise", () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(formatWireTimestamp(t)).toBe("2026-01-02T03:04:05+00:00");
    expect(formatWireTimestamp(t + 7)).toBe("2026-01-02T03:04:05.007+00:00");
    expect(formatWireTimestamp(t + 70)).toBe("2026-01-02T03:04:05.070+00:00");
    expect(formatWireTimestamp(t + 999)).toBe("2026-01-02T03:04:05.999+00:00");
    expect(formatWireTimestamp(t + 1000)).toBe("2026-01-02T03:04:06+00:00");
  });
});
