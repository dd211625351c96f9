// The fast paths of the Python-compatible JSON writer give the bytes of the general path: the
// string escaper (nothing to escape / only JSON.stringify-compatible escapes) and the envelope's
// type tree written without building the tree.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeEnvelope, frameRelayedLine, pyJsonDumps, pyJsonString, typeTree } from "../src/index.js";
import { pyJsonStringSlow } from "../src/pyjson.js";

// Fixed seed (override with FUZZ_SEED) so any failure reproduces.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);

const unit = fc.oneof(
  fc.constantFrom(
    '"',
    "\\",
    "\n",
    "\r",
    "\t",
    "\b",
    "\f",
    "\x00",
    "\x0b",
    "\x1f",
    "\x7f",
    "/",
    "é",
    "\u2028",
  ),
  fc.constantFrom("\ud800", "\udfff", "😀", "\uffff"),
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);
const text = fc.array(unit, { maxLength: 16 }).map((a) => a.join(""));
const asciiText = fc
  .array(fc.integer({ min: 0, max: 0x7f }), { maxLength: 40 })
  .map((a) => String.fromCharCode(...a));

describe("pyJsonString fast paths", () => {
  it("match the general escaper for any string", () => {
    fc.assert(
      fc.property(fc.oneof(text, asciiText), (s) => {
        expect(pyJsonString(s)).toBe(pyJsonStringSlow(s));
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it("escape every ASCII character like the general path (and Python)", () => {
    for (let c = 0; c < 0x80; c++) {
      const s = `a${String.fromCharCode(c)}"`;
      expect(pyJsonString(s)).toBe(pyJsonStringSlow(s));
    }
    expect(pyJsonString('{"a": "\\n\x7f"}')).toBe('"{\\"a\\": \\"\\\\n\\u007f\\"}"');
  });

  it("frame a relayed line like the general path", () => {
    fc.assert(
      fc.property(fc.oneof(text, asciiText), (line) => {
        expect(frameRelayedLine("127.0.0.1:1", line)).toBe(
          `{"remote_addr": "127.0.0.1:1", "content": ${pyJsonStringSlow(line)}}\n`,
        );
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 1e21, -1e300, 5e-324, 2 ** 53, 1e-5),
    fc.bigInt(),
    text,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(text, fc.option(tie("value"), { nil: undefined }), { maxKeys: 5 }),
  ),
})).value;

describe("encodeEnvelope", () => {
  it("writes the type tree exactly as pyJsonDumps(typeTree(payload))", () => {
    fc.assert(
      fc.property(fc.dictionary(text, value, { maxKeys: 6 }), (payload) => {
        expect(encodeEnvelope(payload)).toBe(
          `{"_version": "1.1.1", "_payload": ${pyJsonDumps(payload)}, "_type": ${pyJsonDumps(typeTree(payload))}}\n`,
        );
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it("keeps integer-like keys, __proto__ keys and sparse arrays as before", () => {
    const payload = JSON.parse('{"b": 1, "2": "x", "1": [1, 2.5], "__proto__": {"z": null}}') as Record<
      string,
      unknown
    >;
    // biome-ignore lint/suspicious/noSparseArray: a hole is what this checks
    payload.sparse = [1, , "a"];
    expect(encodeEnvelope(payload)).toBe(
      '{"_version": "1.1.1", "_payload": {"1": [1, 2.5], "2": "x", "b": 1, "__proto__": {"z": null}, "sparse": [1, , "a"]}, ' +
        '"_type": {"1": ["int", "float"], "2": "str", "b": "int", "__proto__": {"z": "null"}, "sparse": ["int", , "str"]}}\n',
    );
  });
});
