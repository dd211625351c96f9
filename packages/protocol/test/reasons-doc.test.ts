/**
 * REJECTION_REASONS is the only source of reason names: it is frozen, the machines' rejections
 * use its names only, and docs/PROTOCOL.md names every one of them and no other reason name
 * (its §9 table is checked by generated-docs.test.ts).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isRejectReason, REJECTION_REASONS, rejectionAudit } from "../src/index.js";

const doc = readFileSync(new URL("../../../docs/PROTOCOL.md", import.meta.url), "utf8");

describe("REJECTION_REASONS", () => {
  it("is a frozen list of unique kebab-case names", () => {
    expect(Object.isFrozen(REJECTION_REASONS)).toBe(true);
    expect(REJECTION_REASONS.every((r) => Object.isFrozen(r))).toBe(true);
    const names = REJECTION_REASONS.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(() => (REJECTION_REASONS as unknown as unknown[]).push({})).toThrow();
  });

  it("answers isRejectReason and rejectionAudit from the list only", () => {
    for (const r of REJECTION_REASONS) {
      expect(isRejectReason(r.name)).toBe(true);
      expect(rejectionAudit(r.name)).toBe(r.audit);
    }
    for (const stale of ["legacy-disabled", "unexpected-intent", "missing-sec", "nonce-seen", "unknown-peer"])
      expect(isRejectReason(stale)).toBe(false);
    expect(isRejectReason(42)).toBe(false);
  });

  it("docs/PROTOCOL.md names every reason and no other reason", () => {
    for (const r of REJECTION_REASONS) expect(doc).toContain(`\`${r.name}\``);
    // Any backticked kebab-case word used as a reason (in §9's table, or as "rejected (`x`)")
    // must be a listed name. Abort reasons (SESSION_ABORTED) are a separate vocabulary.
    const section = doc.slice(doc.indexOf("## 9. Rejections"), doc.indexOf("Sessions that end abnormally"));
    const named = [...section.matchAll(/^\| `([a-z-]+)`/gm)].map((m) => m[1]);
    expect(named).toEqual(REJECTION_REASONS.map((r) => r.name));
    // Every other backticked kebab-case label in the document is a reason, or one of these
    // non-reason labels: SESSION_ABORTED reasons and @hsagent/crypto's own names (mapped in §9).
    const notReasons = new Set([
      "max-retransmits",
      "session-conflict",
      "substrate-error",
      "hash-mismatch",
      "sid-mismatch",
    ]);
    const labels = [...doc.matchAll(/`([a-z]+(?:-[a-z]+)+)`/g)].map((m) => m[1]!);
    for (const l of labels)
      expect(isRejectReason(l) || notReasons.has(l), `docs name a reason "${l}"`).toBe(true);
    for (const stale of ["legacy-disabled", "unexpected-intent", "missing-sec", "nonce-seen", "unknown-peer"])
      expect(doc).not.toContain(`\`${stale}\``);
  });
});
