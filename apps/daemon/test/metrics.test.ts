// The Prometheus exposition: valid line syntax, cumulative buckets, escaped labels; and the
// daemon config's validation.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DaemonConfigError, escapeLabel, Histogram, parseDaemonConfig, renderMetrics } from "../src/index.js";

const LINE =
  /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-z_]+="([^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN))$/;

function sample(name: string, h: Histogram) {
  return {
    agent: name,
    ready: true,
    sessions: { started: 3, established: 3, closed: 2, aborted: 1, active: 0 },
    rejections: { replay: 2, "bad-signature": 1 },
    substrateCalls: 40,
    relayReconnects: 1,
    droppedUnknownPeers: 0,
    handshake: h,
  };
}

describe("renderMetrics", () => {
  it("every line is valid exposition syntax, buckets are cumulative and end at the count", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 60, noNaN: true }), { maxLength: 50 }),
        fc.string(),
        (values, name) => {
          const h = new Histogram();
          for (const v of values) h.observe(v);
          const text = renderMetrics([sample(name, h)], { uptimeSeconds: 1 });
          for (const line of text.trimEnd().split("\n")) expect(line).toMatch(LINE);
          let prev = 0;
          for (const c of h.counts) {
            expect(c).toBeGreaterThanOrEqual(prev);
            prev = c;
          }
          expect(prev).toBeLessThanOrEqual(h.count);
          expect(h.count).toBe(values.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reports sessions by outcome and rejections by reason", () => {
    const text = renderMetrics([sample("alpha", new Histogram())], { uptimeSeconds: 1 });
    expect(text).toContain('hsagent_sessions_total{agent="alpha",outcome="closed"} 2');
    expect(text).toContain('hsagent_sessions_total{agent="alpha",outcome="aborted"} 1');
    expect(text).toContain('hsagent_rejections_total{agent="alpha",reason="replay"} 2');
    expect(text).toContain('hsagent_substrate_calls_total{agent="alpha"} 40');
  });

  it("reports legacy refusals and the bounded rejection reporting (0 when an agent has none)", () => {
    const text = renderMetrics(
      [
        {
          ...sample("alpha", new Histogram()),
          legacyRefusals: 1,
          legacyIgnored: 117,
          rejectionAuditBlocks: 5,
          rejectionWarnsSuppressed: 290,
        },
        sample("beta", new Histogram()),
      ],
      { uptimeSeconds: 1 },
    );
    expect(text).toContain("# TYPE hsagent_legacy_refusals_total counter");
    expect(text).toContain('hsagent_legacy_refusals_total{agent="alpha"} 1');
    expect(text).toContain('hsagent_legacy_ignored_total{agent="alpha"} 117');
    expect(text).toContain('hsagent_rejection_audit_blocks_total{agent="alpha"} 5');
    expect(text).toContain('hsagent_rejection_warns_suppressed_total{agent="alpha"} 290');
    expect(text).toContain('hsagent_legacy_refusals_total{agent="beta"} 0');
  });

  it("escapes label values", () => {
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });
});

describe("parseDaemonConfig", () => {
  it("fills defaults", () => {
    const c = parseDaemonConfig({ agents: ["alpha"] });
    expect(c.substrateUrl).toBe("http://127.0.0.1:7780");
    expect(c.relay).toEqual({ host: "127.0.0.1", port: 8888 });
    expect(c.http).toEqual({ host: "127.0.0.1", port: 9464 });
  });

  it.each([
    [{}, "agents"],
    [{ agents: ["a", "a"] }, "agents"],
    [{ agents: ["a b"] }, "agents[0]"],
    [{ agents: ["a"], relay: "nope" }, "relay"],
    [{ agents: ["a"], substrate: "ftp://x" }, "substrate"],
    [{ agents: ["a"], http: { port: 70000 } }, "http.port"],
    [{ agents: ["a"], protocol: { registerIntervalMs: -1 } }, "protocol.registerIntervalMs"],
    [{ agents: ["a"], protocol: { bogus: 1 } }, "protocol.bogus"],
    [{ agents: ["a"], log_level: "loud" }, "log_level"],
  ])("%j → %s", (raw, field) => {
    try {
      parseDaemonConfig(raw, "/d.json");
      throw new Error("no error");
    } catch (err) {
      expect(err).toBeInstanceOf(DaemonConfigError);
      expect((err as DaemonConfigError).field).toBe(field);
      expect((err as Error).message).toContain("/d.json");
    }
  });
});
