import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeToken, discoveryPrefix, encodeToken, tenantSubjects } from "../src/index.js";

/** NATS subject matching (`*` one token, `>` the rest), for checking subscriptions. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length || (p[i] !== "*" && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

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

  it("route a register to every agent that may answer it: each larger id (§4), with ordered discovery", () => {
    const s = tenantSubjects("1001");
    const hexId = fc.stringMatching(/^[0-9a-f]{2}[0-9a-f-]{0,34}$/);
    const anyId = fc.oneof(hexId, fc.string({ minLength: 1, maxLength: 40 }));
    fc.assert(
      fc.property(anyId, anyId, (x, y) => {
        fc.pre(x !== y);
        const [small, large] = x < y ? [x, y] : [y, x];
        const published = s.discoveryFrom(small);
        expect(s.discoveryFor(large).some((sub) => matches(sub, published))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("keep a smaller hex id away from a larger id's registers, and bound the subscriptions", () => {
    const s = tenantSubjects("1001");
    const low = "1a000000-0000-4000-8000-000000000000";
    const high = "e3000000-0000-4000-8000-000000000000";
    expect(discoveryPrefix(low)).toEqual(["1", "a"]);
    expect(discoveryPrefix("agent-a")).toBeNull();
    expect(discoveryPrefix("A1")).toBeNull();
    expect(s.discoveryFrom(high)).toBe("hsagent.1001.discovery.e.3");
    expect(s.discoveryFrom("agent-a")).toBe("hsagent.1001.discovery");
    expect(s.discoveryFor(low).some((sub) => matches(sub, s.discoveryFrom(high)))).toBe(false);
    expect(s.discoveryFor(high).some((sub) => matches(sub, s.discoveryFrom(low)))).toBe(true);
    // Everyone hears the bare subject; an id without a prefix hears every prefix.
    expect(s.discoveryFor(low)).toContain("hsagent.1001.discovery");
    expect(s.discoveryFor("agent-a")).toEqual(["hsagent.1001.discovery", "hsagent.1001.discovery.>"]);
    expect(s.discoveryFor("ff")).toHaveLength(32);
    expect(s.discoveryFor("00")).toHaveLength(2);
  });
});
