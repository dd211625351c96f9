/**
 * Relay vs NATS on the fleet harness: agents in worker processes (built packages), a real
 * substrate server on SQLite, a real TCP relay or a real nats-server (its own, on a free port).
 * For each transport: sessions/s and pair coverage with 20 agents, and the messages one agent
 * receives per session it takes part in with 10 and with 40 agents, at the default register
 * interval. The last stdout line is one JSON object:
 *   {"transports":{"relay":{sessionsPerSec,pairs,pairsWithSessions,inboundPerAgentPerSession:{at10,at40}},"nats":{...}}}
 * Env: FLEET_BENCH_SECONDS (default 12), TRANSPORT_BENCH_AGENTS (default 20),
 * TRANSPORT_BENCH_INBOUND_AGENTS (default "10,40").
 */
import { startNatsNode } from "@hsagent/transport-nats/testing";
import { startFleet } from "./fleet.js";
import type { AgentWindow } from "./messages.js";
import { round, sessionsPerPair } from "./stats.js";
import { startWorld } from "./world.js";

/** The runtime defaults (what a user gets), as in the fleet bench. */
const AGENT_CONFIG = { registerIntervalMs: 3000, retransmitMs: 500, sessionTimeoutMs: 15_000 };
const WARMUP_MS = 3000;
type Kind = "relay" | "nats";

interface Point {
  sessionsPerSec: number;
  pairs: number;
  pairsWithSessions: number;
  inboundPerAgentPerSession: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`[transport-bench] ${m}\n`);

/** Messages received per session taken part in, over all agents (sum / sum). */
function inboundPerSession(windows: readonly AgentWindow[]): number | null {
  const inbound = windows.reduce((a, w) => a + (w.inbound ?? 0), 0);
  const sessions = windows.reduce((a, w) => a + (w.sessionsClosed ?? 0), 0);
  return sessions > 0 ? inbound / sessions : null;
}

async function measure(kind: Kind, agents: number, seconds: number, natsUrl: string): Promise<Point> {
  const world = await startWorld("sqlite");
  try {
    const names = Array.from({ length: agents }, (_, i) => `${kind}-${i}`);
    const { hosts } = await startFleet(
      names,
      Math.min(agents, 4),
      {
        relay: world.relay.address,
        ...(kind === "nats" ? { nats: natsUrl } : { countInbound: true }),
        substrateUrl: world.substrate.url,
        account: world.account,
        config: AGENT_CONFIG,
        stuckGraceMs: 2000,
        oneByOne: true,
        substrateTimeoutMs: 30_000,
      },
      { source: false, startTimeoutMs: 300_000 },
    );
    await sleep(WARMUP_MS);
    await Promise.all(hosts.map((h) => h.mark()));
    const t0 = Date.now();
    await sleep(seconds * 1000);
    const reports = await Promise.all(hosts.map((h) => h.report()));
    const elapsedS = (Date.now() - t0) / 1000;
    await Promise.all(hosts.map((h) => h.stop().catch(() => h.kill())));
    const windows = reports.flatMap((r) => r.agents);
    const pairs = sessionsPerPair(windows);
    const sessions = [...pairs.values()].reduce((a, b) => a + b, 0);
    const ratio = inboundPerSession(windows);
    const point = {
      sessionsPerSec: round(sessions / elapsedS, 2)!,
      pairs: pairs.size,
      pairsWithSessions: [...pairs.values()].filter((n) => n > 0).length,
      inboundPerAgentPerSession: ratio === null ? null : round(ratio, 1),
    };
    log(`${kind} N=${agents}: ${JSON.stringify(point)}`);
    return point;
  } finally {
    await world.close();
  }
}

/** {@link measure}, tried up to 3 times: on a loaded machine 40 agents logging in at once can time out. */
async function measureRetrying(kind: Kind, agents: number, seconds: number, natsUrl: string): Promise<Point> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await measure(kind, agents, seconds, natsUrl);
    } catch (error) {
      if (attempt >= 3) throw error;
      log(
        `${kind} N=${agents}: attempt ${attempt} failed (${(error as Error).message.slice(0, 120)}); retrying`,
      );
    }
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.env.FLEET_BENCH_SECONDS ?? 12);
  const n = Number(process.env.TRANSPORT_BENCH_AGENTS ?? 20);
  const [lo, hi] = (process.env.TRANSPORT_BENCH_INBOUND_AGENTS ?? "10,40").split(",").map(Number) as [
    number,
    number,
  ];
  const node = await startNatsNode([]);
  const natsUrl = `nats://${node.client}`;
  try {
    const out: Record<Kind, unknown> = { relay: null, nats: null };
    const points: Record<string, Point> = {};
    // Interleaved, so that both transports see the same machine load.
    for (const agents of new Set([n, lo, hi]))
      for (const kind of ["relay", "nats"] as const)
        points[`${kind}${agents}`] = await measureRetrying(kind, agents, seconds, natsUrl);
    for (const kind of ["relay", "nats"] as const) {
      const main = points[`${kind}${n}`]!;
      out[kind] = {
        agents: n,
        sessionsPerSec: main.sessionsPerSec,
        pairs: main.pairs,
        pairsWithSessions: main.pairsWithSessions,
        inboundPerAgentPerSession: {
          [`at${lo}`]: points[`${kind}${lo}`]!.inboundPerAgentPerSession,
          [`at${hi}`]: points[`${kind}${hi}`]!.inboundPerAgentPerSession,
        },
      };
    }
    process.stdout.write(
      `${JSON.stringify({ bench: "transports", backend: "sqlite", durationS: seconds, agentConfig: AGENT_CONFIG, transports: out })}\n`,
    );
  } finally {
    await node.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`transport-bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
