import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { joinPayload } from "../src/secure.js";

// Fixed seed (override with FUZZ_SEED) so any failure reproduces.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);

/** Keys in order with their values: what the relay's JSON writer walks. */
const entries = (o: object): [string, unknown][] => Object.entries(o);

describe("joinPayload", () => {
  it("is the spread { ...header, ...extra, ...more }: same keys, same order, same values", () => {
    const key = fc.oneof(
      fc.constantFrom("from", "to", "intent", "my_nonce", "sec", "hs", "message", "1", "0", "__proto__"),
      fc.string({ maxLength: 4 }),
    );
    const obj = fc.dictionary(key, fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)), {
      maxKeys: 6,
    });
    fc.assert(
      fc.property(obj, obj, obj, (h, e, m) => {
        const header = { from: "a", to: null, intent: "request", ...h };
        const joined = joinPayload(header, e, m);
        expect(entries(joined)).toEqual(entries({ ...header, ...e, ...m }));
        expect(Object.getPrototypeOf(joined)).toBe(Object.prototype);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it("keeps an own __proto__ key as a key, never as the prototype", () => {
    const extra = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
    const joined = joinPayload({ from: "a", to: "b", intent: "close" }, extra, { sec: 2 });
    expect(Object.keys(joined)).toEqual(["from", "to", "intent", "__proto__", "x", "sec"]);
    expect(Object.getPrototypeOf(joined)).toBe(Object.prototype);
  });
});
