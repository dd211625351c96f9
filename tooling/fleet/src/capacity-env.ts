/** The environment of the capacity and transport benches (see capacity-bench.ts), parsed and checked. */
import type { CapacityOptions, TransportName, TransportsOptions } from "./capacity.js";
import { TRANSPORTS } from "./capacity.js";
import { DEFAULT_PG_URL } from "./world.js";

function positive(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${key} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

/** CAPACITY_AGENTS, _PROCS, _SECONDS, _REGISTER_MS, _TRANSPORT and HSAGENT_TEST_PG_URL. */
export function capacityOptions(env: NodeJS.ProcessEnv): CapacityOptions {
  const transport = (env.CAPACITY_TRANSPORT ?? "relay") as TransportName;
  if (!(transport in TRANSPORTS)) throw new Error(`CAPACITY_TRANSPORT: unknown transport ${transport}`);
  return {
    agents: positive(env, "CAPACITY_AGENTS", 20),
    procs: positive(env, "CAPACITY_PROCS", 4),
    seconds: positive(env, "CAPACITY_SECONDS", 30),
    registerMs: positive(env, "CAPACITY_REGISTER_MS", 200),
    transport,
    pgUrl: env.HSAGENT_TEST_PG_URL ?? DEFAULT_PG_URL,
  };
}

/** CAPACITY_INBOUND_AGENTS ("10,40") and CAPACITY_INBOUND_SECONDS (10). */
export function inboundOptions(
  env: NodeJS.ProcessEnv,
): Pick<TransportsOptions, "inboundAgents" | "inboundSeconds"> {
  const sizes = (env.CAPACITY_INBOUND_AGENTS ?? "10,40").split(",").map(Number);
  if (sizes.length !== 2 || !sizes.every((n) => Number.isInteger(n) && n >= 2))
    throw new Error("CAPACITY_INBOUND_AGENTS must be two fleet sizes ≥ 2, e.g. 10,40");
  return {
    inboundAgents: [sizes[0]!, sizes[1]!],
    inboundSeconds: positive(env, "CAPACITY_INBOUND_SECONDS", 10),
  };
}
