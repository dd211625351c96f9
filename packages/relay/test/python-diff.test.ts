// Differential test against CPython itself: our json.dumps re-implementation must produce
// exactly what `json.dumps` produces for random strings, floats, and whole relay frames.
// Skipped when python3 is not installed.

import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeEnvelope, frameRelayedLine, pyJsonDumps } from "../src/index.js";

const hasPython = spawnSync("python3", ["-c", "print(1)"], { encoding: "utf8" }).status === 0;

/** Run json.dumps in CPython on each JSON-encoded input line. */
function pythonDumps(inputs: unknown[], script: string): string[] {
  const r = spawnSync("python3", ["-c", script], {
    input: inputs.map((v) => JSON.stringify(v)).join("\n") + "\n",
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split("\n").slice(0, inputs.length);
}

const DUMPS_EACH = "import sys, json\nfor l in sys.stdin:\n    print(json.dumps(json.loads(l)))";

describe.skipIf(!hasPython)("byte-for-byte against CPython json.dumps", () => {
  it("strings (any UTF-16, incl. lone surrogates, controls, astral)", () => {
    const strings = fc.sample(fc.string({ unit: "binary", maxLength: 40 }), { numRuns: 2000, seed: 7 });
    strings.push(
      ...fc.sample(
        fc.string({
          unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)),
          maxLength: 20,
        }),
        { numRuns: 500, seed: 8 },
      ),
    );
    const py = pythonDumps(strings, DUMPS_EACH);
    strings.forEach((s, i) => {
      expect(pyJsonDumps(s)).toBe(py[i]);
    });
  });

  it("non-integral floats and safe integers", () => {
    const nums = [
      ...fc.sample(
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
        {
          numRuns: 2000,
          seed: 9,
        },
      ),
      ...fc.sample(fc.maxSafeInteger(), { numRuns: 300, seed: 10 }),
      1e-5,
      1.5e-7,
      0.0001,
      123456.789,
      5e-324,
    ];
    const py = pythonDumps(nums, DUMPS_EACH);
    nums.forEach((n, i) => {
      expect(pyJsonDumps(n)).toBe(py[i]);
    });
  });

  it("whole envelopes and relay frames", () => {
    const payloads = fc.sample(
      fc.dictionary(
        fc.string({ unit: "binary", maxLength: 8 }),
        fc.oneof(
          fc.string({ unit: "binary" }),
          fc.boolean(),
          fc.constant(null),
          fc.integer(),
          fc.array(fc.string(), { maxLength: 3 }),
        ),
      ),
      { numRuns: 300, seed: 11 },
    );
    const script = [
      "import sys, json",
      "def tt(o):",
      "    if isinstance(o, str): return 'str'",
      "    if isinstance(o, bool): return 'bool'",
      "    if isinstance(o, int): return 'int'",
      "    if isinstance(o, float): return 'float'",
      "    if o is None: return 'null'",
      "    if isinstance(o, list): return [tt(v) for v in o]",
      "    return {k: tt(v) for k, v in o.items()}",
      "for l in sys.stdin:",
      "    p = json.loads(l)",
      "    line = json.dumps({'_version': '1.1.1', '_payload': p, '_type': tt(p)})",
      "    print(line)",
      "    print(json.dumps({'remote_addr': '127.0.0.1:53412', 'content': line}))",
    ].join("\n");
    const r = spawnSync("python3", ["-c", script], {
      input: payloads.map((p) => JSON.stringify(p)).join("\n") + "\n",
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(r.status).toBe(0);
    const out = r.stdout.split("\n");
    payloads.forEach((p, i) => {
      const line = encodeEnvelope(p);
      expect(line).toBe(out[2 * i] + "\n");
      expect(frameRelayedLine("127.0.0.1:53412", line.slice(0, -1))).toBe(out[2 * i + 1] + "\n");
    });
  });
});
