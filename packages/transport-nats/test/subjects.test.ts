import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeToken, encodeToken, tenantSubjects } from "../src/index.js";

describe("subject tokens", () => {
  it("never contain subject syntax or white space, and decode back (any string)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: "binary" }), (s) => {
        const token = encodeToken(s);
        expect(token).toMatch(/^[A-Za-z0-9_=-]+$/);
        expect(decodeToken(token)).toBe(s);
      }),
    );
  });

  it("are injective: distinct ids never share a subject", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        fc.pre(a !== b);
        expect(encodeToken(a)).not.toBe(encodeToken(b));
      }),
    );
    expect(encodeToken("a.b")).not.toBe(encodeToken("a=2Eb"));
  });

  it("keep UUIDs and account ids readable, escape the rest", () => {
    expect(encodeToken("6f9a3c1e-2b4d-4e8f-9a1b-3c5d7e9f1a2b")).toBe("6f9a3c1e-2b4d-4e8f-9a1b-3c5d7e9f1a2b");
    expect(encodeToken("a.*> b")).toBe("a=2E=2A=3E=20b");
    expect(() => encodeToken("")).toThrow();
    expect(decodeToken("a.b")).toBeNull();
    expect(decodeToken("=ZZ")).toBeNull();
    expect(decodeToken("=FF")).toBeNull();
  });

  it("lay out a tenant's discovery and inbox subjects", () => {
    const s = tenantSubjects("1001");
    expect(s.discovery).toBe("hsagent.1001.discovery");
    expect(s.inbox("x.>")).toBe("hsagent.1001.to.x=2E=3E");
    expect(s.all).toBe("hsagent.1001.>");
    expect(tenantSubjects("10.*").discovery).toBe("hsagent.10=2E=2A.discovery");
    expect(() => tenantSubjects("1", "bad.prefix")).toThrow();
  });
});
