/** The chart and document renderers: what a reader of BENCHMARKS.md sees. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TransportPoint } from "../src/capacity.js";
import { renderCapacity } from "../src/capacity-report.js";
import { niceMax, renderChart } from "../src/chart.js";
import { summarize } from "../src/measure.js";
import { renderBenchmarks } from "../src/report.js";
import type { BenchPoint, BenchResults } from "../src/results.js";
import { pct, sessionsPerPair } from "../src/stats.js";

function point(backend: "sqlite" | "postgres", agents: number, rate: number, p50: number): BenchPoint {
  return {
    backend,
    agents,
    procs: Math.min(agents, 4),
    durationS: 12,
    sessions: Math.round(rate * 12),
    sessionsPerSec: rate,
    handshakeP50Ms: p50,
    handshakeP99Ms: p50 * 2,
    sessionP50Ms: p50 * 3,
    sessionP99Ms: p50 * 4,
    substrateCallsPerSession: 26,
    pairsActive: (agents * (agents - 1)) / 2,
    pairs: (agents * (agents - 1)) / 2,
    aborted: {},
    rejections: {},
    stuck: 0,
    substrateRequestsPerSec: rate * 26,
  };
}

const RESULTS: BenchResults = {
  generatedAt: "2026-01-01T00:00:00.000Z",
  machine: { nproc: 2, cpuModel: "cpu", memoryGiB: 8, node: "v20.20.0", platform: "linux" },
  method: {
    durationS: 12,
    agentCounts: [2, 20],
    procsRule: "min(N, 4)",
    agentConfig: { registerIntervalMs: 3000 },
    substrate: "s",
    relay: "r",
  },
  idleRequestsPerSec: { sqlite: 0, postgres: 0 },
  points: [point("sqlite", 2, 0.6, 100), point("sqlite", 20, 12, 900), point("postgres", 2, 0.6, 120)],
  skipped: {},
};

describe("renderChart", () => {
  it("draws one p50 and one p99 line per backend plus one throughput line, and parses as SVG", () => {
    const svg = renderChart(RESULTS);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect((svg.match(/<path /g) ?? []).length).toBe(2 * 2 + 2);
    expect((svg.match(/stroke-dasharray/g) ?? []).length).toBe(2);
    expect(svg).toContain("PostgreSQL");
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it("axis maxima cover every value (property)", () => {
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1e9, noNaN: true }), (v) => niceMax(v) >= v));
  });
});

describe("renderBenchmarks", () => {
  it("has the machine, the numbers table, the chart and the comparison with HSAgent_2", () => {
    const md = renderBenchmarks(RESULTS, []);
    expect(md).toContain("2 CPUs (cpu), 8 GiB memory, Node v20.20.0");
    expect(md).toMatch(/\| SQLite \| 20 \| 4 \| 12\.00 \| 900\.0 \/ 1800\.0 \|/);
    expect(md).toContain("](../bench/results/fleet-chart.svg)");
    expect(md).toContain("| handshake | 2.6 s | 0.100 s | 26× faster |");
    expect(md).toContain("No soak run recorded yet");
  });
});

describe("soak section", () => {
  it("shows each soak run's acceptance numbers and verdict", () => {
    const soak = {
      generatedAt: "2026-01-01T00:00:00.000Z",
      machine: RESULTS.machine,
      agents: 20,
      procs: 20,
      minutes: 5,
      backend: "sqlite" as const,
      agentConfig: { registerIntervalMs: 3000 },
      sessions: 1000,
      sessionsPerPair: { min: 0, max: 9, pairs: 190 },
      stuckSessions: 3,
      stuckStates: { init_wait_ack: 3 },
      sessionsLeftAfterStop: 0,
      longestActiveMs: 20000,
      rssMiB: { ready: [100], warmupS: 60, start: [120], end: [130], maxGrowthPerAgent: 10 },
      rejections: {},
      aborted: { "session-conflict": 5 },
      crashedProcesses: 0,
      audit: { chains: 20, valid: 20, pendingAfterStop: 0 },
      handshakeP50Ms: 100,
      handshakeP99Ms: 900,
      ok: false,
    };
    const md = renderBenchmarks(null, [soak, { ...soak, ok: true, stuckSessions: 0 }]);
    expect(md).toContain(
      "| stuck sessions (non-ready > sessionTimeoutMs + grace) | 3 (by state: init_wait_ack 3) | 0 |",
    );
    expect(md).toContain("| sessions per pair (min / max over 190 pairs) | 0 / 9 | min > 0 |");
    expect(md).toContain("| verdict | **FAIL** | |");
    expect(md).toContain("| verdict | **pass** | |");
  });
});

/** An agent's window with the given initiator counts and inbound counts. */
function windowOf(agentId: string, closedAsInitiator: Record<string, number>, inbound?: number, closed = 0) {
  return {
    name: agentId,
    agentId,
    closedAsInitiator,
    handshakeMs: [],
    sessionMs: [],
    substrateCalls: 0,
    aborted: {},
    rejections: {},
    stuck: 0,
    stuckStates: {},
    longestActiveMs: 0,
    ...(inbound === undefined ? {} : { inbound, sessionsClosed: closed }),
    metrics: {} as never,
  };
}

describe("capacity section", () => {
  const transport = (sessionsPerSec: number, at10: number, at40: number): TransportPoint => ({
    agents: 20,
    sessionsPerSec,
    pairs: 190,
    pairsWithSessions: 190,
    aborted: 0,
    cpuMsPerSession: 9.5,
    handshakeMs: { p50: 40, p99: 300 },
    inboundPerAgentPerSession: { at10, at40 },
  });

  it("puts relay and NATS side by side, with the growth of inbound messages from 10 to 40 agents", () => {
    const md = renderCapacity({
      generatedAt: "2026-01-01T00:00:00.000Z",
      method: { procs: 4, transport: "relay", seconds: 30, transports: "relay vs NATS" },
      agents: 20,
      backends: {},
      transports: { relay: transport(200, 60, 240), nats: transport(210, 8, 8.4) },
      machine: RESULTS.machine,
      loadavg: { start: [1.5, 1, 1], end: [2, 1, 1] },
      wallS: 290,
    }).join("\n");
    expect(md).toContain("### Relay vs NATS");
    expect(md).toContain("| sessions/s (20 agents) | 200.0 | 210.0 |");
    expect(md).toContain("| pairs with sessions | 190/190 | 190/190 |");
    expect(md).toContain("| messages received per agent per session, 10 agents | 60.0 | 8.0 |");
    expect(md).toContain("| messages received per agent per session, 40 agents | 240.0 | 8.4 |");
    expect(md).toContain("| growth 10 → 40 agents | 4.00× | 1.05× |");
    expect(md).toContain("load average 1.5 at the start, 2 at the end; 290 s in all.");
  });
});

describe("stats", () => {
  it("counts a pair's sessions from both initiators, including pairs with none", () => {
    const pairs = sessionsPerPair([windowOf("a", { b: 2 }), windowOf("b", { a: 1 }), windowOf("c", {})]);
    expect(pairs.get("a|b")).toBe(3);
    expect(pairs.get("a|c")).toBe(0);
    expect(pairs.size).toBe(3);
  });

  it("inbound messages per agent per session: all received / all sessions taken part in; null when not counted", () => {
    const counted = summarize([windowOf("a", { b: 2 }, 30, 2), windowOf("b", {}, 10, 2)]);
    expect(counted.sessions).toBe(2);
    expect(counted.inboundPerAgentPerSession).toBe(10);
    expect(summarize([windowOf("a", { b: 2 }), windowOf("b", {})]).inboundPerAgentPerSession).toBeNull();
    expect(summarize([windowOf("a", {}, 30, 0)]).inboundPerAgentPerSession).toBeNull();
  });

  it("nearest-rank percentiles", () => {
    expect(pct([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(pct([5, 1, 4, 2, 3], 99)).toBe(5);
    expect(pct([], 50)).toBeNull();
  });
});
