/**
 * Fleet benchmark: N agents (2, 5, 10, 20) on one machine, a real TCP relay and a real substrate
 * server (SQLite, then PostgreSQL in a random schema), each point for a bounded time. Writes
 * `bench/results/latest.json`, the SVG chart, and regenerates `docs/BENCHMARKS.md`.
 * The last stdout line is one JSON object (the repo's bench convention).
 *
 * Env: FLEET_BENCH_SECONDS (default 12), FLEET_BENCH_AGENTS ("2,5,10,20"),
 * FLEET_BENCH_BACKENDS ("sqlite,postgres"), HSAGENT_TEST_PG_URL.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { renderChart } from "./chart.js";
import { startFleet } from "./fleet.js";
import { machineInfo } from "./machine.js";
import { measureWindow, summarize } from "./measure.js";
import { RESULTS_DIR } from "./paths.js";
import type { Backend, BenchPoint, BenchResults } from "./results.js";
import { pct, round, sumCounts } from "./stats.js";
import { DEFAULT_PG_URL, pgReachable, startWorld } from "./world.js";
import { writeDocs } from "./write-docs.js";

/** The agent settings of the bench: the runtime defaults (what a user gets). */
const AGENT_CONFIG = { registerIntervalMs: 3000, retransmitMs: 500, sessionTimeoutMs: 15_000 };
const WARMUP_MS = 3000;
const IDLE_PROBE_MS = 3000;

/** Worker processes for N agents: at most 4 (2 cores), several agents per process. */
export function procsFor(agents: number): number {
  return Math.min(agents, 4);
}

function log(message: string): void {
  process.stderr.write(`[fleet-bench] ${message}\n`);
}

async function measurePoint(
  backend: Backend,
  agents: number,
  seconds: number,
  pgUrl: string,
  idleProbe: boolean,
): Promise<{ point: BenchPoint; idle: number | null }> {
  const world = await startWorld(backend, pgUrl);
  const procs = procsFor(agents);
  try {
    const names = Array.from({ length: agents }, (_, i) => `bench-${i}`);
    const { hosts, idleRequestsPerSec } = await startFleet(
      names,
      procs,
      {
        relay: world.relay.address,
        substrateUrl: world.substrate.url,
        account: world.account,
        config: AGENT_CONFIG,
        stuckGraceMs: 2000,
      },
      idleProbe ? { idleProbeMs: IDLE_PROBE_MS, source: false } : { source: false },
    );
    const { windows, elapsedS } = await measureWindow(hosts, { warmupMs: WARMUP_MS, seconds });
    const { sessions, calls, handshakeMs, sessionMs, pairs, pairsWithSessions } = summarize(windows);
    const point: BenchPoint = {
      backend,
      agents,
      procs,
      durationS: round(elapsedS, 1)!,
      sessions,
      sessionsPerSec: round(sessions / elapsedS, 2)!,
      handshakeP50Ms: round(pct(handshakeMs, 50)),
      handshakeP99Ms: round(pct(handshakeMs, 99)),
      sessionP50Ms: round(pct(sessionMs, 50)),
      sessionP99Ms: round(pct(sessionMs, 99)),
      substrateCallsPerSession: sessions > 0 ? round(calls / sessions, 1) : null,
      pairsActive: pairsWithSessions,
      pairs,
      aborted: sumCounts(windows.map((w) => w.aborted)),
      rejections: sumCounts(windows.map((w) => w.rejections)),
      stuck: windows.reduce((a, w) => a + w.stuck, 0),
      substrateRequestsPerSec: round(calls / elapsedS, 1)!,
    };
    return { point, idle: idleRequestsPerSec === null ? null : round(idleRequestsPerSec, 2) };
  } finally {
    await world.close();
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.env.FLEET_BENCH_SECONDS ?? 12);
  const counts = (process.env.FLEET_BENCH_AGENTS ?? "2,5,10,20").split(",").map(Number);
  const backends = (process.env.FLEET_BENCH_BACKENDS ?? "sqlite,postgres").split(",") as Backend[];
  const pgUrl = process.env.HSAGENT_TEST_PG_URL ?? DEFAULT_PG_URL;
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    machine: machineInfo(),
    method: {
      durationS: seconds,
      agentCounts: counts,
      procsRule:
        "min(N, 4) worker processes (built packages), agents spread round-robin; each worker is one Node process",
      agentConfig: AGENT_CONFIG,
      substrate:
        "hsagent substrate server in the bench process, rate limits off, SQLite synchronous=NORMAL (the server default)",
      relay: "hsagent relay (TCP, loopback) in the bench process, rate limit off",
    },
    idleRequestsPerSec: {},
    points: [],
    skipped: {},
  };
  const started = Date.now();
  for (const backend of backends) {
    if (backend === "postgres" && !(await pgReachable(pgUrl))) {
      results.skipped.postgres = `PostgreSQL not reachable at ${pgUrl.replace(/\/\/[^@]*@/, "//")}`;
      log(`skip postgres: ${results.skipped.postgres}`);
      continue;
    }
    for (const [i, n] of counts.entries()) {
      // Idle probe: the first worker's only agent, alone (needs one agent per worker at the first point).
      const { point, idle } = await measurePoint(backend, n, seconds, pgUrl, i === 0 && procsFor(n) === n);
      if (idle !== null) {
        results.idleRequestsPerSec[backend] = idle;
        log(`${backend} idle: ${idle} substrate req/s per agent`);
      }
      results.points.push(point);
      log(
        `${backend} N=${n}: ${point.sessionsPerSec} sessions/s, handshake p50 ${point.handshakeP50Ms} ms p99 ${point.handshakeP99Ms} ms, ` +
          `${point.substrateCallsPerSession} calls/session, pairs ${point.pairsActive}/${point.pairs}, stuck ${point.stuck}`,
      );
    }
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(`${RESULTS_DIR}latest.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${RESULTS_DIR}fleet-chart.svg`, renderChart(results));
  writeDocs();
  const at = (b: Backend, n: number) => results.points.find((p) => p.backend === b && p.agents === n);
  const summary = {
    bench: "fleet",
    seconds: round((Date.now() - started) / 1000, 1),
    points: results.points.length,
    sqlite2: at("sqlite", 2),
    sqlite20: at("sqlite", 20),
    postgres2: at("postgres", 2),
    postgres20: at("postgres", 20),
    idleRequestsPerSec: results.idleRequestsPerSec,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`fleet-bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
