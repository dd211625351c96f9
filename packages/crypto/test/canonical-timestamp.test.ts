/**
 * Canonical JSON (byte-identical to Python's json.dumps(sort_keys, compact, ensure_ascii) in ascii
 * mode) and ISO-8601 timestamps (strict parsing, canonical formatting).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  checkFreshness,
  formatTimestamp,
  parseTimestamp,
  parseTimestampMs,
} from "../src/index.js";
import { reasonOf } from "./fixtures.js";

describe("canonicalJson", () => {
  // Expected strings produced by CPython 3: json.dumps(v, separators=(",", ":"), sort_keys=True)
  it.each([
    [{ b: 1, a: [true, null, "x"], A: {} }, '{"A":{},"a":[true,null,"x"],"b":1}'],
    [
      { s: 'é\u2028😀\x7f\n"\\\t\b\f\r\x01/<>&' },
      '{"s":"\\u00e9\\u2028\\ud83d\\ude00\\u007f\\n\\"\\\\\\t\\b\\f\\r\\u0001/<>&"}',
    ],
    [{ "\ue000": 1, "😀": 2, z: 3, é: 4 }, '{"z":3,"\\u00e9":4,"\\ue000":1,"\\ud83d\\ude00":2}'],
    [[-0, 0, 9007199254740991, -9007199254740991], "[0,0,9007199254740991,-9007199254740991]"],
    [{ message: "How are you? été" }, '{"message":"How are you? \\u00e9t\\u00e9"}'],
    ["\ud800x", '"\\ud800x"'],
  ])("ascii mode matches Python for %j", (value, python) => {
    expect(canonicalJson(value, { ascii: true })).toBe(python);
  });

  it("non-ascii mode is JSON.stringify with keys sorted by code point (astral after U+E000, like Python)", () => {
    expect(canonicalJson({ "\ue000": 1, "😀": 2, z: 3, é: 4 })).toBe('{"z":3,"é":4,"\ue000":1,"😀":2}');
    expect(canonicalJson({ s: "é\u2028\x7f\n" })).toBe(JSON.stringify({ s: "é\u2028\x7f\n" }));
  });

  it("rejects floats, non-finite numbers, unsafe integers and non-JSON values with malformed", () => {
    for (const bad of [
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 53,
      () => 1,
      Symbol("x"),
      new Date(0),
      [undefined],
    ]) {
      expect(reasonOf(() => canonicalJson({ x: bad }))).toBe("malformed");
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(reasonOf(() => canonicalJson(cyclic))).toBe("malformed");
    expect(canonicalJson({ a: undefined, b: 2n ** 70n })).toBe('{"b":1180591620717411303424}');
  });

  const jsonInts = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      fc.maxSafeInteger(),
      fc.string({ unit: "grapheme" }),
      fc.string({ unit: "binary" }),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.string({ unit: "binary" }), tie("value"), { maxKeys: 4 }),
    ),
  })).value;

  it("property: both modes parse back to the same value; ascii output is pure printable ASCII", () => {
    fc.assert(
      fc.property(jsonInts, (v) => {
        const normalized = JSON.parse(JSON.stringify(v));
        const ascii = canonicalJson(v, { ascii: true });
        expect(ascii).toMatch(/^[\x20-\x7e]*$/);
        expect(JSON.parse(ascii)).toEqual(normalized);
        expect(JSON.parse(canonicalJson(v))).toEqual(normalized);
      }),
    );
  });

  it("property: non-ascii mode equals JSON.stringify of a key-sorted copy (for BMP-only keys)", () => {
    const sortDeep = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortDeep)
        : v !== null && typeof v === "object"
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
            )
          : v;
    fc.assert(
      fc.property(jsonInts, (v) => {
        const s = JSON.stringify(sortDeep(v));
        // JS object key order puts integer-like keys first; compare parsed + re-sorted in that case
        if (/"\d+":/.test(s)) return;
        if (/[\ud800-\udfff]/.test(s)) return; // astral keys: we sort by code point, JS by UTF-16
        expect(canonicalJson(v)).toBe(s);
      }),
    );
  });
});

describe("timestamps", () => {
  const base = Date.UTC(2026, 10, 27, 4, 40, 0);

  it("formatTimestamp emits YYYY-MM-DDTHH:MM:SS+00:00, truncating fractions", () => {
    expect(formatTimestamp(new Date(base + 2999))).toBe("2026-11-27T04:40:02+00:00");
    expect(formatTimestamp(new Date("0005-01-01T00:00:00Z"))).toBe("0005-01-01T00:00:00+00:00");
    expect(reasonOf(() => formatTimestamp(new Date(Number.NaN)))).toBe("malformed");
  });

  it.each([
    ["2026-11-27T04:40:00", 0],
    ["2026-11-27T04:40:00Z", 0],
    ["2026-11-27T04:40:00+00:00", 0],
    ["2026-11-27T06:40:00+02:00", 0],
    ["2026-11-27T03:10:00-01:30", 0],
    ["2026-11-27T03:10:00-0130", 0],
    ["2026-11-27T05:40:00+01", 0],
    ["2026-11-27T04:40:00.123456+00:00", 123],
    ["2026-11-27T04:40:00,5Z", 500],
    ["2026-11-27 04:40:00", 0],
    ["2026-11-27T04:40", 0],
    ["20261127T044000Z", 0],
    ["20261127T064000+0200", 0],
    ["2026-11-27", -(4 * 3600 + 40 * 60) * 1000],
  ])("parses %s", (text, deltaMs) => {
    expect(parseTimestampMs(text)).toBe(base + deltaMs);
    expect(parseTimestamp(text).getTime()).toBe(base + deltaMs);
  });

  it.each([
    "",
    "yesterday",
    "2026-13-01T00:00:00",
    "2026-02-29T00:00:00",
    "2026-11-31T00:00:00",
    "2026-11-27T24:00:00",
    "2026-11-27T04:60:00",
    "2026-11-27T04:40:60",
    "2026-11-27T04:40:00+24:00",
    "2026-11-27T04:40:00Zjunk",
    "2026-11-27T04:40:00 +00:00",
    "2026-11-27T4:40:00",
    " 2026-11-27T04:40:00",
    "2026-11-27T04:40:00.",
    "2026-11-27T04:40:00.1234567890Z",
    "+002026-11-27T04:40:00",
    "2026-1127T04:40:00",
  ])("rejects %j as malformed", (text) => {
    expect(reasonOf(() => parseTimestamp(text))).toBe("malformed");
  });

  it("rejects non-strings as malformed", () => {
    for (const v of [null, undefined, 0, {}, new Date(base)])
      expect(reasonOf(() => parseTimestamp(v))).toBe("malformed");
  });

  it("accepts leap days", () => {
    expect(parseTimestampMs("2028-02-29T00:00:00Z")).toBe(Date.UTC(2028, 1, 29));
  });

  it("property: format → parse round-trips to whole seconds", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("0000-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        (d) => {
          expect(parseTimestampMs(formatTimestamp(d))).toBe(Math.floor(d.getTime() / 1000) * 1000);
        },
      ),
    );
  });

  it("checkFreshness: inclusive window [now - ttl, now + skew]", () => {
    const ts = "2026-11-27T04:40:00+00:00";
    expect(checkFreshness(ts, { now: base + 60_000 })).toBe(base);
    expect(reasonOf(() => checkFreshness(ts, { now: base + 60_001 }))).toBe("stale");
    expect(checkFreshness(ts, { now: base - 30_000 })).toBe(base);
    expect(reasonOf(() => checkFreshness(ts, { now: base - 30_001 }))).toBe("future");
    expect(reasonOf(() => checkFreshness(ts, { now: base + 11_000, ttlSeconds: 10 }))).toBe("stale");
    expect(reasonOf(() => checkFreshness(ts, { now: new Date(base - 6_000), maxSkewSeconds: 5 }))).toBe(
      "future",
    );
    for (const bad of [Number.NaN, -1, "60"]) {
      expect(reasonOf(() => checkFreshness(ts, { now: base, ttlSeconds: bad as number }))).toBe("malformed");
      expect(reasonOf(() => checkFreshness(ts, { now: base, maxSkewSeconds: bad as number }))).toBe(
        "malformed",
      );
    }
    expect(reasonOf(() => checkFreshness(ts, { now: Number.NaN }))).toBe("malformed");
  });
});
