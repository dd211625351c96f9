// Unit tests of the pure parts: the human error line (fuzzed with fast-check:
// always one line, bounded, and never a registered secret), the checklist
// format, and the embedded known-answer vault being the shared vector.

import { readFileSync } from "node:fs";
import { ApiError } from "@hsagent/substrate-client";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CheckFailure } from "../src/errors.js";
import { formatCheck, formatReport } from "../src/format.js";
import { humanError, Redactor } from "../src/redact.js";
import { VAULT_VECTOR } from "../src/vectors.js";

describe("humanError", () => {
  // A tiny alphabet that overlaps the "[redacted]" marker and whitespace makes
  // secrets that re-form after replacement or after folding likely.
  const tricky = fc.string({
    unit: fc.constantFrom("[", "]", "r", "e", "d", "a", "c", "t", " ", "\n", "x"),
    minLength: 4,
    maxLength: 12,
  });

  it("is one line of at most 240 characters and never holds a registered secret", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ minLength: 4, maxLength: 40 }), tricky),
        fc.oneof(fc.string({ maxLength: 400 }), tricky),
        fc.oneof(fc.string({ maxLength: 400 }), tricky),
        fc.constantFrom("failure", "error", "api"),
        (secret, before, after, kind) => {
          const redactor = new Redactor();
          redactor.add(secret);
          const text = `${before}${secret}${after}`;
          const thrown =
            kind === "failure"
              ? new CheckFailure(text)
              : kind === "error"
                ? new Error(text)
                : new ApiError({ method: "GET", path: "/api/x" }, 500, "HTTP_500", null, text);
          const line = humanError(thrown, redactor);
          expect(line.length).toBeLessThanOrEqual(240);
          expect(line).not.toMatch(/[\r\n]/);
          expect(line).not.toContain(secret);
          const folded = secret.replace(/\s+/g, " ").trim();
          if (folded.length >= 4) expect(line).not.toContain(folded);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("keeps the reason readable", () => {
    const redactor = new Redactor();
    redactor.add("hunter2-password");
    expect(humanError(new CheckFailure("bad hunter2-password\nthing"), redactor)).toBe(
      "bad [redacted] thing",
    );
    expect(humanError(Object.assign(new Error("boom"), { code: "EPIPE" }), redactor)).toBe("EPIPE: boom");
    expect(humanError("plain", redactor)).toBe("plain");
  });
});

describe("format", () => {
  it("renders ✓/✗ lines with name, ms and the reason, plus a summary", () => {
    const text = formatReport({
      ok: false,
      checks: [
        { name: "login", ok: true, ms: 12.34 },
        { name: "audit", ok: false, ms: 4, error: "read back 4 of 8 audit events" },
      ],
    });
    expect(text).toBe(
      [
        "✓ login              12.3 ms",
        "✗ audit               4.0 ms  read back 4 of 8 audit events",
        "1/2 checks passed — selftest FAILED",
        "",
      ].join("\n"),
    );
    expect(formatCheck({ name: "vault", ok: true, ms: 1 }, { nameWidth: 6 })).toBe("✓ vault     1.0 ms");
  });
});

describe("known-answer vault", () => {
  it("is exactly the shared vault-id-v1 vector", () => {
    const fixture = JSON.parse(readFileSync(new URL("./fixtures/vault-id-v1.json", import.meta.url), "utf8"));
    expect(VAULT_VECTOR).toEqual({
      passphrase: fixture.passphrase,
      wrong_passphrase: fixture.wrong_passphrase,
      vault: fixture.vault,
      identity: fixture.identity,
    });
  });
});
