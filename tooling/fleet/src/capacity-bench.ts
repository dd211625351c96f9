/**
 * Capacity benchmark (`pnpm bench:capacity`): how many sessions per second one deployment serves
 * when CPU and the substrate are the limit, not the register timer. N agents (default 20) in P
 * worker processes (default 4), a relay and a substrate server each in its own process; SQLite
 * (a file), then PostgreSQL (HSAGENT_TEST_PG_URL, a random schema). CPU is charged from
 * /proc for every process (agents, relay, substrate). Writes bench/results/capacity.json and
 * regenerates docs/BENCHMARKS.md; the last stdout line is one JSON object
 * `{"agents":N,"backends":{"sqlite":{…},"postgres":{…}}}`.
 *
 * Env: CAPACITY_SECONDS (measured window per backend, default 60), CAPACITY_AGENTS (20),
 * CAPACITY_PROCS (4), CAPACITY_BACKENDS ("sqlite,postgres"), CAPACITY_TRANSPORT ("relay"),
 * CAPACITY_REGISTER_MS (200), HSAGENT_TEST_PG_URL.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { totalCpuMs } from "./cpu.js";
import { AgentHost, type HostStartOptions, partition } from "./fleet.js";
import { InfraProcess } from "./infra.js";
import { machineInfo } from "./machine.js";
import { RESULTS_DIR } from "./paths.js";
import type { Backend } from "./results.js";
import { pct, round, sessionsPerPair, sumCounts } from "./stats.js";
import { DEFAULT_PG_URL, dropSchema, ensureAccount, pgReachable, randomName } from "./world.js";
import { writeDocs } from "./write-docs.js";

/** One backend's result, as printed and stored. */
export interface CapacityPoint {
  sessionsPerSec: number;
  handshakeMs: { p50: number | null; p99: number | null };
  sessionMs: { p50: number | null; p99: number | null };
  cpuMsPerSession: number | null;
  substrateCallsPerSessionPerSide: number | null;
  pairsWithSessions: number;
  pairs: number;
  aborted: number;
  sessions: number;
  durationS: number;
}

/** What a transport gives the agent hosts, and the processes to charge CPU to. */
export interface StartedTransport {
  /** The transport part of the hosts' start options. */
  readonly hostOptions: Pick<HostStartOptions, "relay">;
  readonly pids: () => number[];
  close(): Promise<void>;
}

/** Transports the agents can meet on; "relay" (TCP relay process). Others plug in here. */
export const TRANSPORTS: Record<string, () => Promise<StartedTransport>> = {
  async relay() {
    const relay = new InfraProcess("relay");
    await relay.start();
    const [host, port] = relay.address.split(":");
    return {
      hostOptions: { relay: { host: host!, port: Number(port) } },
      pids: () => (relay.pid === null ? [] : [relay.pid]),
      close: () => relay.kill("SIGTERM"),
    };
  },
};

const WARMUP_MS = 4000;
const log = (m: string) => process.stderr.write(`[capacity] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(
  backend: Backend,
  opts: {
    agents: number;
    procs: number;
    seconds: number;
    registerMs: number;
    transport: string;
    pgUrl: string;
  },
): Promise<CapacityPoint> {
  const dir = mkdtempSync(join(tmpdir(), "hsagent-capacity-"));
  const schema = randomName("capacity");
  const substrate = new InfraProcess("substrate", {
    HSAGENT_FLEET_DB: backend === "postgres" ? opts.pgUrl : `sqlite:${join(dir, "substrate.db")}`,
    ...(backend === "postgres" ? { HSAGENT_FLEET_PG_SCHEMA: schema } : {}),
    HSAGENT_SUBSTRATE_JWT_SECRET: randomBytes(32).toString("hex"),
    HSAGENT_FLEET_FAST_SCRYPT: "1",
  });
  const startTransport = TRANSPORTS[opts.transport];
  if (!startTransport) throw new Error(`unknown transport ${opts.transport}`);
  await substrate.start();
  const transport = await startTransport();
  try {
    const substrateUrl = `http://${substrate.address}`;
    const account = { username: randomName("tenant"), password: randomBytes(18).toString("base64url") };
    await ensureAccount(substrateUrl, account);
    const names = Array.from({ length: opts.agents }, (_, i) => `cap-${i}`);
    // Hosts start one after another: identity set-up (vault key derivation, logins) of 20 agents
    // at once can time out on a loaded machine, and start-up is not what is measured.
    const hosts: AgentHost[] = [];
    const start: Omit<HostStartOptions, "names"> = {
      ...transport.hostOptions,
      substrateUrl,
      account,
      config: { registerIntervalMs: opts.registerMs, retransmitMs: 500, sessionTimeoutMs: 15_000 },
      stuckGraceMs: 2000,
    };
    try {
      for (const group of partition(names, opts.procs)) {
        const host = new AgentHost({}, false);
        hosts.push(host);
        await host.start({ ...start, names: group }, 180_000);
      }
    } catch (error) {
      await Promise.all(hosts.map((h) => h.kill()));
      throw error;
    }
    const ids = hosts.flatMap((h) => [...h.agents.values()]);
    for (const h of hosts) h.peers(ids);
    const pids = () => [
      ...hosts.map((h) => h.child.pid ?? 0).filter((p) => p > 0),
      ...transport.pids(),
      ...(substrate.pid === null ? [] : [substrate.pid]),
    ];
    await sleep(WARMUP_MS);
    await Promise.all(hosts.map((h) => h.mark()));
    const cpu0 = totalCpuMs(pids());
    const t0 = Date.now();
    await sleep(opts.seconds * 1000);
    const reports = await Promise.all(hosts.map((h) => h.report()));
    const cpuMs = totalCpuMs(pids()) - cpu0;
    const elapsedS = (Date.now() - t0) / 1000;
    await Promise.all(hosts.map((h) => h.stop().catch(() => h.kill())));
    const windows = reports.flatMap((r) => r.agents);
    const perPair = sessionsPerPair(windows);
    const sessions = [...perPair.values()].reduce((a, b) => a + b, 0);
    const calls = windows.reduce((a, w) => a + w.substrateCalls, 0);
    const handshake = windows.flatMap((w) => w.handshakeMs);
    const session = windows.flatMap((w) => w.sessionMs);
    return {
      sessionsPerSec: round(sessions / elapsedS, 1)!,
      handshakeMs: { p50: round(pct(handshake, 50)), p99: round(pct(handshake, 99)) },
      sessionMs: { p50: round(pct(session, 50)), p99: round(pct(session, 99)) },
      cpuMsPerSession: sessions > 0 ? round(cpuMs / sessions, 2) : null,
      // Every session has two sides (initiator and responder), each an agent making calls.
      substrateCallsPerSessionPerSide: sessions > 0 ? round(calls / sessions / 2, 2) : null,
      pairsWithSessions: [...perPair.values()].filter((n) => n > 0).length,
      pairs: perPair.size,
      aborted: Object.values(sumCounts(windows.map((w) => w.aborted))).reduce((a, b) => a + b, 0),
      sessions,
      durationS: round(elapsedS, 1)!,
    };
  } finally {
    await transport.close().catch(() => {});
    await substrate.kill("SIGTERM").catch(() => {});
    if (backend === "postgres") await dropSchema(opts.pgUrl, schema).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const opts = {
    agents: Number(env.CAPACITY_AGENTS ?? 20),
    procs: Number(env.CAPACITY_PROCS ?? 4),
    seconds: Number(env.CAPACITY_SECONDS ?? 60),
    registerMs: Number(env.CAPACITY_REGISTER_MS ?? 200),
    transport: env.CAPACITY_TRANSPORT ?? "relay",
    pgUrl: env.HSAGENT_TEST_PG_URL ?? DEFAULT_PG_URL,
  };
  const backends = (env.CAPACITY_BACKENDS ?? "sqlite,postgres").split(",") as Backend[];
  const out: Record<string, CapacityPoint> = {};
  const skipped: Record<string, string> = {};
  for (const backend of backends) {
    if (backend === "postgres" && !(await pgReachable(opts.pgUrl))) {
      skipped.postgres = "PostgreSQL not reachable";
      log("skip postgres: not reachable");
      continue;
    }
    out[backend] = await measure(backend, opts);
    log(`${backend}: ${JSON.stringify(out[backend])}`);
  }
  const result = { agents: opts.agents, backends: out };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    `${RESULTS_DIR}capacity.json`,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: machineInfo(),
        method: {
          ...opts,
          pgUrl: undefined,
          limit: `register interval ${opts.registerMs} ms: every idle pair starts a session within it, so CPU and the substrate bound the rate`,
          processes: `${opts.procs} agent worker processes (built packages), the transport and the substrate server each in its own process; CPU from /proc of all of them`,
        },
        skipped,
        ...result,
      },
      null,
      2,
    )}\n`,
  );
  writeDocs();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`capacity-bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
