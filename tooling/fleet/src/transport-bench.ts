/**
 * Relay vs NATS alone (`pnpm --filter @hsagent/fleet bench:transports`): the `transports` part of
 * the capacity bench (see `measureTransports`), without the backends and without writing results.
 * The last stdout line is `{"agents":N,"transports":{"relay":{…},"nats":{…}}}`. Env as for
 * capacity-bench.ts (CAPACITY_SECONDS, CAPACITY_AGENTS, CAPACITY_INBOUND_AGENTS, …).
 */
import { measureTransports } from "./capacity.js";
import { capacityOptions, inboundOptions } from "./capacity-env.js";

async function main(): Promise<void> {
  const opts = capacityOptions(process.env);
  const transports = await measureTransports({ ...opts, ...inboundOptions(process.env) });
  process.stdout.write(`${JSON.stringify({ agents: opts.agents, transports })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`transport-bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
