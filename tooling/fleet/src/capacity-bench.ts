/**
 * Capacity benchmark (`pnpm bench:capacity`): how many sessions per second one deployment serves
 * when CPU and the substrate are the limit, not the register timer. N agents (default 20) in P
 * worker processes (default 4), a relay and a substrate server each in its own process; SQLite
 * (a file), then PostgreSQL (HSAGENT_TEST_PG_URL, a random schema). CPU is charged from
 * /proc for every process (agents, relay, substrate). Then relay vs NATS on SQLite (see
 * `measureTransports`). Writes bench/results/capacity.json and regenerates docs/BENCHMARKS.md;
 * the last stdout line is one JSON object
 * `{"agents":N,"backends":{"sqlite":{…},"postgres":{…}},"transports":{"relay":{…},"nats":{…}}}`.
 *
 * Env: CAPACITY_SECONDS (measured window per point, default 30: the whole run stays within 5 minutes), CAPACITY_AGENTS (20),
 * CAPACITY_PROCS (4), CAPACITY_BACKENDS ("sqlite,postgres"), CAPACITY_TRANSPORT ("relay", of
 * the backends), CAPACITY_REGISTER_MS (200), CAPACITY_TRANSPORTS ("on"; "off" skips relay vs NATS),
 * CAPACITY_INBOUND_AGENTS ("10,40"), CAPACITY_INBOUND_SECONDS (10), HSAGENT_TEST_PG_URL.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import {
  type CapacityPoint,
  measureRetrying,
  measureTransports,
  type TransportName,
  type TransportPoint,
} from "./capacity.js";
import { capacityOptions, inboundOptions } from "./capacity-env.js";
import { machineInfo } from "./machine.js";
import { RESULTS_DIR } from "./paths.js";
import type { Backend } from "./results.js";
import { pgReachable } from "./world.js";
import { writeDocs } from "./write-docs.js";

const log = (m: string) => process.stderr.write(`[capacity] ${m}\n`);

async function main(): Promise<void> {
  const env = process.env;
  const opts = capacityOptions(env);
  const inbound = inboundOptions(env);
  const withTransports = env.CAPACITY_TRANSPORTS !== "off";
  const backends = (env.CAPACITY_BACKENDS ?? "sqlite,postgres").split(",").filter(Boolean) as Backend[];
  const loadAtStart = loadavg();
  const started = Date.now();
  const out: Record<string, CapacityPoint> = {};
  const skipped: Record<string, string> = {};
  let transports: Record<TransportName, TransportPoint> | undefined;
  for (const backend of backends) {
    if (backend === "postgres" && !(await pgReachable(opts.pgUrl))) {
      skipped.postgres = "PostgreSQL not reachable";
      log("skip postgres: not reachable");
      continue;
    }
    out[backend] = (await measureRetrying(backend, opts)).point;
    log(`${backend}: ${JSON.stringify(out[backend])}`);
    // Relay vs NATS right after the SQLite point, which is reused for its transport.
    if (backend === "sqlite" && withTransports)
      transports = await measureTransports({ ...opts, ...inbound }, { [opts.transport]: out.sqlite });
  }
  if (withTransports && !transports) transports = await measureTransports({ ...opts, ...inbound });
  const result = { agents: opts.agents, backends: out, ...(transports ? { transports } : {}) };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    `${RESULTS_DIR}capacity.json`,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: machineInfo(),
        loadavg: {
          start: loadAtStart.map((l) => Math.round(l * 100) / 100),
          end: loadavg().map((l) => Math.round(l * 100) / 100),
        },
        wallS: Math.round((Date.now() - started) / 1000),
        method: {
          ...opts,
          pgUrl: undefined,
          limit: `register interval ${opts.registerMs} ms: every idle pair starts a session within it, so CPU and the substrate bound the rate`,
          processes: `${opts.procs} agent worker processes (built packages), the transport and the substrate server each in its own process; CPU from /proc of all of them`,
          ...(transports
            ? {
                transports: `relay vs NATS (a nats-server of the bench's own on a free port) on SQLite: sessions/s, pairs and CPU with ${opts.agents} agents as above (the relay's numbers are the SQLite point when it ran on the relay); then messages received per agent per session it takes part in with ${inbound.inboundAgents.join(" and ")} agents at the default register interval, ${inbound.inboundSeconds} s each`,
              }
            : {}),
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
