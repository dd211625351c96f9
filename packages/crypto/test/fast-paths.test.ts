/**
 * The fast paths of canonical JSON and the v2 AAD/IV give exactly what the straightforward
 * versions give: every canonical byte is signed, hashed or used as AAD.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, isHandshakeError } from "../src/index.js";
import { secV2Aad, secV2Iv } from "../src/sec-v2.js";

// Fixed seed (override with FUZZ_SEED) so any failure reproduces.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);

// ---- the reference: canonical JSON as written before the fast paths -------------------------

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? (cb >= 0xe000 ? 1 : ca - cb) : ca >= 0xe000 ? -1 : ca - cb;
    return ca - cb;
  }
  return a.length - b.length;
}
const SHORT: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};
const refAscii = (s: string): string =>
  '"' +
  s.replace(/[\\"]|[^ -~]/g, (ch) => SHORT[ch] ?? "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0")) +
  '"';
function reference(value: unknown, ascii: boolean, out: string[] = []): string {
  if (value === null) out.push("null");
  else if (typeof value === "boolean") out.push(String(value));
  else if (typeof value === "string") out.push(ascii ? refAscii(value) : JSON.stringify(value));
  else if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error("float");
    out.push(value === 0 ? "0" : String(value));
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((v, i) => {
      if (i > 0) out.push(",");
      reference(v, ascii, out);
    });
    out.push("]");
  } else {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort(compareCodePoints);
    out.push("{");
    keys.forEach((k, i) => {
      if (i > 0) out.push(",");
      out.push(ascii ? refAscii(k) : JSON.stringify(k), ":");
      reference(obj[k], ascii, out);
    });
    out.push("}");
  }
  return out.join("");
}

/** The result or "throws": both sides must refuse the same values. */
function outcome(f: () => string): string {
  try {
    return f();
  } catch {
    return "throws";
  }
}

// Strings over every kind of UTF-16 unit: ASCII, escapes, DEL, BMP, U+E000.., lone surrogates, astral.
const unit = fc.oneof(
  fc.constantFrom('"', "\\", "\n", "\t", "\x00", "\x1f", "\x7f", "é", "\u2028", "\ue000", "\uffff"),
  fc.constantFrom("\ud800", "\udfff", "😀", "\u{10ffff}"),
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);
const text = fc.array(unit, { maxLength: 12 }).map((a) => a.join(""));
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.constantFrom(0, -0, 2 ** 53 - 1, -(2 ** 53 - 1), 1.5, 2 ** 53),
    text,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(text, fc.option(tie("value"), { nil: undefined }), { maxKeys: 20 }),
  ),
})).value;

describe("canonicalJson fast paths", () => {
  it("give the same bytes (or the same refusal) as the reference, in both modes", () => {
    fc.assert(
      fc.property(json, (v) => {
        for (const ascii of [true, false]) {
          expect(outcome(() => canonicalJson(v, { ascii }))).toBe(outcome(() => reference(v, ascii)));
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it("sort keys with surrogates by code point (astral after U+E000) and skip undefined values", () => {
    const v = { "\ue000": 1, "😀": 2, z: 3, u: undefined, "\ud800": 4 };
    expect(canonicalJson(v)).toBe(reference(v, false));
    expect(canonicalJson(v, { ascii: true })).toBe(reference(v, true));
  });
});

// ---- the v2 AAD and IV ----------------------------------------------------------------------

const AAD_OPTIONAL = ["my_nonce", "your_nonce", "my_ref", "your_ref"] as const;

function referenceAad(h: Record<string, unknown>, sid: string, seq: number): string {
  const aad: Record<string, unknown> = { sid, seq, from: h.from, to: h.to, intent: h.intent };
  for (const k of AAD_OPTIONAL) if (h[k] !== undefined) aad[k] = h[k];
  return canonicalJson(aad, { ascii: true });
}

describe("secV2Aad written in key order", () => {
  it("is canonical JSON of the AAD object for any header", () => {
    const header = fc.record(
      {
        from: text,
        to: fc.option(text, { nil: null }),
        intent: text,
        my_nonce: text,
        your_nonce: text,
        my_ref: text,
        your_ref: text,
        extra: text,
      },
      { requiredKeys: ["from", "to", "intent"] },
    );
    fc.assert(
      fc.property(header, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (h, seq) => {
        const sid = "0123456789abcdef0123456789abcdef";
        expect(secV2Aad(h, sid, seq)).toBe(referenceAad(h, sid, seq));
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it("still refuses wrong field types, sids and seqs with malformed", () => {
    const sid = "0123456789abcdef0123456789abcdef";
    const ok = { from: "a", to: null, intent: "request" };
    const bad: [unknown, string, number][] = [
      [{ ...ok, from: 1 }, sid, 1],
      [{ ...ok, to: undefined }, sid, 1],
      [{ ...ok, my_ref: 5 }, sid, 1],
      [{ ...ok, your_nonce: null }, sid, 1],
      [ok, "ABC", 1],
      [ok, sid, 0],
      [ok, sid, 1.5],
      [ok, sid, 2 ** 53],
      [null, sid, 1],
    ];
    for (const [h, s, q] of bad) {
      let error: unknown;
      try {
        secV2Aad(h as never, s, q);
      } catch (e) {
        error = e;
      }
      expect(isHandshakeError(error) && error.reason).toBe("malformed");
    }
  });
});

describe("secV2Iv", () => {
  it("is 4 zero bytes then seq as 8-byte big-endian", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (seq) => {
        const want = new Uint8Array(12);
        new DataView(want.buffer).setBigUint64(4, BigInt(seq), false);
        expect(secV2Iv(seq)).toEqual(want);
      }),
      { seed: SEED, numRuns: 1000 },
    );
    expect(Buffer.from(secV2Iv(2 ** 53 - 1)).toString("hex")).toBe("00000000001fffffffffffff");
    expect(Buffer.from(secV2Iv(2 ** 32)).toString("hex")).toBe("000000000000000100000000");
  });
});
