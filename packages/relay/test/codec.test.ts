// Envelope encoding, Python-compatible JSON and relay framing against the byte-exact vector.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeRelayedLine,
  encodeEnvelope,
  formatRemoteAddr,
  frameRelayedLine,
  pyJsonDumps,
  pyNumber,
  RelayError,
  typeTree,
} from "../src/index.js";

interface Vector {
  client_line: string;
  relayed_line: string;
  payload: Record<string, unknown>;
  server_warning_line: string;
}
// Fixed seed (override with FUZZ_SEED) so any failure reproduces.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);
const vector = JSON.parse(
  readFileSync(new URL("./fixtures/relay-framing.json", import.meta.url), "utf8"),
) as Vector;

describe("relay-framing vector", () => {
  it("encodes the payload byte-for-byte like the Python client", () => {
    expect(encodeEnvelope(vector.payload)).toBe(vector.client_line);
  });

  it("frames the client line byte-for-byte like the Python relay", () => {
    const addr = (JSON.parse(vector.relayed_line) as { remote_addr: string }).remote_addr;
    expect(frameRelayedLine(addr, vector.client_line.slice(0, -1))).toBe(vector.relayed_line);
  });

  it("decodes the relayed line to the payload", () => {
    const d = decodeRelayedLine(vector.relayed_line.slice(0, -1));
    expect(d).toEqual({
      kind: "message",
      message: { remoteAddr: "127.0.0.1:53412", payload: vector.payload },
    });
  });

  it("treats the warning line as a notice", () => {
    expect(decodeRelayedLine(vector.server_warning_line.slice(0, -1))).toEqual({
      kind: "notice",
      text: vector.server_warning_line.slice(0, -1),
    });
  });
});

describe("pyJsonDumps (CPython json.dumps defaults)", () => {
  it("escapes non-ASCII, control characters and astral characters like Python", () => {
    // Expected strings produced by CPython 3: json.dumps(...)
    expect(pyJsonDumps("é")).toBe('"\\u00e9"');
    expect(pyJsonDumps("a\u0000b\u001f\u007f")).toBe('"a\\u0000b\\u001f\\u007f"');
    expect(pyJsonDumps("😀")).toBe('"\\ud83d\\ude00"');
    expect(pyJsonDumps('q"\\\n\r\t\b\f')).toBe('"q\\"\\\\\\n\\r\\t\\b\\f"');
    expect(pyJsonDumps({ a: [1, 2.5, null, true], b: {} })).toBe('{"a": [1, 2.5, null, true], "b": {}}');
    expect(pyJsonDumps([])).toBe("[]");
  });

  it("formats numbers like Python int/float repr", () => {
    expect(pyNumber(1e21)).toBe("1000000000000000000000");
    expect(pyNumber(0.1)).toBe("0.1");
    expect(pyNumber(1e-5)).toBe("1e-05");
    expect(pyNumber(1.5e-7)).toBe("1.5e-07");
    expect(pyNumber(-2.5e-10)).toBe("-2.5e-10");
    expect(pyNumber(0.0001)).toBe("0.0001");
    expect(() => pyNumber(Number.NaN)).toThrow(RelayError);
  });

  it("rejects values Python could not have produced", () => {
    expect(() => pyJsonDumps({ d: new Date() })).toThrowError(
      expect.objectContaining({ code: "INVALID_PAYLOAD" }),
    );
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    expect(() => pyJsonDumps(cyc)).toThrowError(expect.objectContaining({ code: "INVALID_PAYLOAD" }));
    expect(() => encodeEnvelope([] as unknown as Record<string, unknown>)).toThrow(RelayError);
  });

  it("round-trips through JSON.parse and stays pure ASCII (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const s = pyJsonDumps(v);
        expect(/^[\x20-\x7e]*$/.test(s)).toBe(true);
        expect(JSON.parse(s)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 500, seed: SEED },
    );
  });
});

describe("typed envelope", () => {
  it("builds the type tree like Summoner (lists and objects recurse)", () => {
    expect(
      typeTree({ s: "x", i: 3, f: 1.5, b: false, n: null, l: [1, "a", [true]], o: { k: 2.25 } }),
    ).toEqual({
      s: "str",
      i: "int",
      f: "float",
      b: "bool",
      n: "null",
      l: ["int", "str", ["bool"]],
      o: { k: "float" },
    });
  });

  it("decodes any encoded object payload back to itself (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.nat(65535), (payload, port) => {
        const line = encodeEnvelope(payload);
        const framed = frameRelayedLine(`10.0.0.1:${port}`, line.slice(0, -1));
        const d = decodeRelayedLine(framed.slice(0, -1));
        expect(d.kind).toBe("message");
        if (d.kind === "message") {
          expect(d.message.remoteAddr).toBe(`10.0.0.1:${port}`);
          expect(d.message.payload).toEqual(JSON.parse(JSON.stringify(payload)));
        }
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('keeps a "__proto__" key as an ordinary key (as Python does), without touching prototypes', () => {
    const payload = JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as Record<string, unknown>;
    const line = encodeEnvelope(payload);
    expect(line).toBe(
      '{"_version": "1.1.1", "_payload": {"__proto__": {"a": 1}, "b": 2}, "_type": {"__proto__": {"a": "int"}, "b": "int"}}\n',
    );
    const d = decodeRelayedLine(frameRelayedLine("1.2.3.4:5", line.slice(0, -1)).slice(0, -1));
    expect(d.kind === "message" && Object.keys(d.message.payload)).toEqual(["__proto__", "b"]);
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });

  it("accepts content already parsed as an object (and the Rust relay's compact form)", () => {
    const obj = {
      remote_addr: "1.2.3.4:5",
      content: { _version: "1.1.1", _payload: { intent: "x" }, _type: {} },
    };
    expect(decodeRelayedLine(JSON.stringify(obj))).toEqual({
      kind: "message",
      message: { remoteAddr: "1.2.3.4:5", payload: { intent: "x" } },
    });
    const compact = JSON.stringify({ remote_addr: "1.2.3.4:5", content: JSON.stringify(obj.content) });
    expect(decodeRelayedLine(compact).kind).toBe("message");
  });

  it.each([
    ["not json", "invalid-json"],
    ["[1]", "not-relay-frame"],
    ['{"remote_addr":"a","content":"{oops"}', "invalid-json"],
    ['{"remote_addr":"a","content":"{}"}', "not-envelope"],
    ['{"remote_addr":"a","content":{"_payload":[1]}}', "payload-not-object"],
    ['{"remote_addr":"a","content":{"_payload":null}}', "payload-not-object"],
  ])("drops junk with a reason: %s → %s", (line, reason) => {
    expect(decodeRelayedLine(line)).toEqual({ kind: "drop", reason });
  });
});

describe("formatRemoteAddr", () => {
  it("shows IPv4-mapped IPv6 as plain IPv4 and brackets real IPv6", () => {
    expect(formatRemoteAddr("::ffff:127.0.0.1", 53412)).toBe("127.0.0.1:53412");
    expect(formatRemoteAddr("10.1.2.3", 1)).toBe("10.1.2.3:1");
    expect(formatRemoteAddr("::1", 8888)).toBe("[::1]:8888");
  });
});
