// The Prometheus exposition: valid line syntax, cumulative buckets, escaped labels; and the
// daemon config's validation.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AgentSample, DaemonConfigError, DaemonMetrics, parseDaemonConfig } from "../src/index.js";

const LINE =
  /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-z_]+="([^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN))$/;

function sample(
  name: string,
  rejections: Record<string, number> = { replay: 2, "bad-signature": 1 },
): AgentSample {
  return {
    agent: name,
    ready: true,
    sessions: { started: 3, established: 3, closed: 2, aborted: 1, active: 0 },
    rejections,
    substrateCalls: 40,
    relayReconnects: 1,
    droppedUnknownPeers: 0,
  };
}

function value(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

describe("DaemonMetrics (prom-client)", () => {
  it("every line is valid exposition syntax; buckets are cumulative and end at the count", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0, max: 60, noNaN: true }), { maxLength: 50 }),
        fc.string(),
        fc.dictionary(fc.string(), fc.nat()),
        async (values, name, rejections) => {
          const m = new DaemonMetrics(() => [sample(name, rejections)]);
          for (const v of values) m.observeHandshake(name, v);
          m.observeHandshake(name, Number.NaN);
          m.observeHandshake(name, -1);
          const text = await m.text();
          // blank lines are allowed between families
          for (const line of text.trimEnd().split("\n")) if (line !== "") expect(line).toMatch(LINE);
          const buckets = text
            .split("\n")
            .filter((l) => l.startsWith("hsagent_handshake_duration_seconds_bucket"))
            .map((l) => Number(l.split(" ").pop()));
          if (values.length === 0) return;
          for (let i = 1; i < buckets.length; i++)
            expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1] ?? 0);
          expect(buckets.at(-1)).toBe(values.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reports sessions by outcome, rejections by reason and the agent counters", async () => {
    const text = await new DaemonMetrics(() => [sample("alpha")]).text();
    expect(value(text, 'hsagent_sessions_total{agent="alpha",outcome="closed"}')).toBe(2);
    expect(value(text, 'hsagent_sessions_total{agent="alpha",outcome="aborted"}')).toBe(1);
    expect(value(text, 'hsagent_rejections_total{agent="alpha",reason="replay"}')).toBe(2);
    expect(value(text, 'hsagent_substrate_calls_total{agent="alpha"}')).toBe(40);
    expect(value(text, 'hsagent_agent_ready{agent="alpha"}')).toBe(1);
    expect(text).toContain("# TYPE hsagent_sessions_total counter");
  });

  it("reports legacy refusals and the bounded rejection reporting (0 when an agent has none)", async () => {
    const text = await new DaemonMetrics(() => [
      {
        ...sample("alpha"),
        legacyRefusals: 1,
        legacyIgnored: 117,
        rejectionAuditBlocks: 5,
        rejectionWarnsSuppressed: 290,
      },
      sample("beta"),
    ]).text();
    expect(text).toContain("# TYPE hsagent_legacy_refusals_total counter");
    expect(value(text, 'hsagent_legacy_refusals_total{agent="alpha"}')).toBe(1);
    expect(value(text, 'hsagent_legacy_ignored_total{agent="alpha"}')).toBe(117);
    expect(value(text, 'hsagent_rejection_audit_blocks_total{agent="alpha"}')).toBe(5);
    expect(value(text, 'hsagent_rejection_warns_suppressed_total{agent="alpha"}')).toBe(290);
    expect(value(text, 'hsagent_legacy_refusals_total{agent="beta"}')).toBe(0);
  });

  it("reports the overload state: session cap and register interval", async () => {
    const text = await new DaemonMetrics(() => [
      { ...sample("alpha"), sessionCap: 1, registerIntervalMs: 12_000 },
      { ...sample("beta"), sessionCap: 4, registerIntervalMs: 3000 },
    ]).text();
    expect(text).toContain("# TYPE hsagent_session_cap gauge");
    expect(value(text, 'hsagent_session_cap{agent="alpha"}')).toBe(1);
    expect(value(text, 'hsagent_register_interval_seconds{agent="alpha"}')).toBe(12);
    expect(value(text, 'hsagent_session_cap{agent="beta"}')).toBe(4);
    expect(value(text, 'hsagent_register_interval_seconds{agent="beta"}')).toBe(3);
  });

  it("follows the agents' counters from scrape to scrape", async () => {
    let closed = 1;
    const m = new DaemonMetrics(() => [{ ...sample("a"), sessions: { ...sample("a").sessions, closed } }]);
    expect(value(await m.text(), 'hsagent_sessions_total{agent="a",outcome="closed"}')).toBe(1);
    closed = 5;
    expect(value(await m.text(), 'hsagent_sessions_total{agent="a",outcome="closed"}')).toBe(5);
  });

  it("escapes label values", async () => {
    const text = await new DaemonMetrics(() => [sample("a", { 'x"y\\z\nw': 1 })]).text();
    expect(text).toContain('reason="x\\"y\\\\z\\nw"');
  });
});

describe("parseDaemonConfig", () => {
  it("fills defaults", () => {
    const c = parseDaemonConfig({ agents: ["alpha"] });
    expect(c.substrateUrl).toBe("http://127.0.0.1:7780");
    expect(c.relay).toEqual({ host: "127.0.0.1", port: 8888 });
    expect(c.http).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(c.web).toBeNull();
    expect(parseDaemonConfig({ agents: ["a"], web: {} }).web).toEqual({
      host: "127.0.0.1",
      port: 9465,
      tokenFile: null,
    });
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
    [{ agents: ["a"], web: "yes" }, "web"],
    [{ agents: ["a"], web: { port: -1 } }, "web.port"],
    [{ agents: ["a"], web: { host: "" } }, "web.host"],
    [{ agents: ["a"], web: { token_file: 7 } }, "web.token_file"],
    [{ agents: ["a"], web: { token: "in-the-config" } }, "web.token"],
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
