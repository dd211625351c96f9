// The fleet model and its latency window: sessions count once (by the initiator), pairs are
// symmetric, reasons are taken as the events carry them and stay bounded, garbage never throws.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FleetModel, LatencyWindow, parseListen } from "../src/index.js";

describe("FleetModel", () => {
  it("counts a session once, by its initiator, and fills the pair matrix", () => {
    const m = new FleetModel();
    m.started("alpha", "id-a");
    m.started("beta", "id-b");
    m.established("alpha", 12);
    m.established("beta", 14);
    m.closed("alpha", "id-b", "initiator", 40);
    m.closed("beta", "id-a", "responder", 41);
    const s = m.snapshot();
    expect(s.sessionsTotal).toBe(1);
    expect(s.pairs.names).toEqual(["alpha", "beta"]);
    expect(s.pairs.counts).toEqual([
      [0, 1],
      [0, 0],
    ]);
    const alpha = s.agents.find((a) => a.name === "alpha");
    expect(alpha).toMatchObject({
      agentId: "id-a",
      sessions: 1,
      active: 0,
      lastHandshakeMs: 12,
      state: "idle",
    });
    expect(s.latency.handshake.at(-1)?.n).toBe(2);
    expect(s.latency.session.at(-1)?.n).toBe(1);
  });

  it("keeps rejection and abort reasons as given, bounded in number and length", () => {
    const m = new FleetModel();
    m.addAgent("alpha");
    m.rejected("alpha", "malformed");
    m.rejected("alpha", "malformed");
    m.aborted("alpha", "timeout", false);
    for (let i = 0; i < 100; i++) m.rejected("alpha", `made-up-${i}`);
    m.rejected("alpha", "x".repeat(1000));
    const s = m.snapshot();
    expect(s.rejections.malformed).toBe(2);
    expect(s.aborts.timeout).toBe(1);
    expect(Object.keys(s.rejections).length).toBeLessThanOrEqual(65);
    expect(s.rejections.other).toBeGreaterThan(0);
    expect(Object.keys(s.rejections).every((k) => k.length <= 64)).toBe(true);
  });

  it("never throws and stays serialisable whatever the events carry", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom("est", "close", "abort", "reject"),
            fc.string(),
            fc.anything(),
            fc.double(),
          ),
          { maxLength: 50 },
        ),
        (events) => {
          const m = new FleetModel();
          for (const [kind, name, reason, n] of events) {
            if (kind === "est") m.established(name, n);
            else if (kind === "close")
              m.closed(name, typeof reason === "string" ? reason : "", n > 0 ? "initiator" : "responder", n);
            else if (kind === "abort") m.aborted(name, reason, n > 0);
            else m.rejected(name, reason);
          }
          const s = JSON.parse(JSON.stringify(m.snapshot()));
          for (const a of s.agents) expect(a.active).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it("marks stopped and failed agents", () => {
    const m = new FleetModel();
    m.started("a", "1");
    m.established("a", 1);
    m.stopped("a", true);
    expect(m.snapshot().agents[0]).toMatchObject({ state: "failed", active: 0 });
  });
});

describe("LatencyWindow", () => {
  it("reports p50/p99 per bucket and forgets buckets older than the window", () => {
    const w = new LatencyWindow({ bucketMs: 1000, keep: 3 });
    for (let i = 1; i <= 100; i++) w.add(i, 10_000);
    w.add(5, 11_000);
    w.add(Number.NaN, 11_000);
    w.add(-1, 11_000);
    expect(w.points(11_500)).toEqual([
      { t: 10, n: 100, p50: 50, p99: 99 },
      { t: 11, n: 1, p50: 5, p99: 5 },
    ]);
    expect(w.points(14_500)).toEqual([]);
  });

  it("bounds the samples of a bucket", () => {
    const w = new LatencyWindow({ bucketMs: 1000, maxSamplesPerBucket: 10 });
    for (let i = 0; i < 10_000; i++) w.add(7, 1000);
    expect(w.points(1500)[0]).toMatchObject({ n: 10_000, p50: 7, p99: 7 });
  });
});

describe("parseListen", () => {
  it("accepts HOST:PORT, [v6]:PORT and PORT; refuses the rest", () => {
    expect(parseListen("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseListen("[::1]:8080")).toEqual({ host: "::1", port: 8080 });
    expect(parseListen("9000")).toEqual({ host: "127.0.0.1", port: 9000 });
    for (const bad of ["", "host", "host:99999", "a:b:c", "127.0.0.1:", ":80"])
      expect(parseListen(bad)).toBeNull();
  });
});
