/**
 * Bench wiring shared by the benches: agents `<prefix>-a` and `<prefix>-b` on one substrate
 * account (`<prefix>`) and one relay, each with its own logged-in substrate client, started.
 */
import type { RequestEvent } from "@hsagent/substrate-client";
import { SubstrateClient } from "@hsagent/substrate-client";
import { type Agent, type AgentConfig, createAgent } from "../src/index.js";

/** Options of {@link startBenchAgents}. */
export interface BenchAgentsOptions {
  /** Names the account, its password, the agents and their vault passphrases. */
  prefix: string;
  substrateUrl: string;
  relay: { host: string; port: number };
  config?: Partial<AgentConfig>;
  /** Every substrate request of either client (route counting). */
  onRequest?: (e: RequestEvent) => void;
}

/** Start the two agents, one after the other; their clients count the substrate calls. */
export async function startBenchAgents(
  options: BenchAgentsOptions,
): Promise<{ agents: Agent[]; clients: SubstrateClient[] }> {
  const { prefix, onRequest, config } = options;
  const clients: SubstrateClient[] = [];
  const agents: Agent[] = [];
  for (const name of [`${prefix}-a`, `${prefix}-b`]) {
    const client = new SubstrateClient({
      baseUrl: options.substrateUrl,
      credentials: { username: prefix, password: `${prefix}-password-1` },
      autoRegister: true,
      ...(onRequest ? { onRequest } : {}),
    });
    await client.login();
    clients.push(client);
    const agent = createAgent({
      name,
      relay: options.relay,
      substrate: { client },
      vaultPassphrase: `${prefix}-vault-${name}`,
      ...(config ? { config } : {}),
    });
    await agent.start();
    agents.push(agent);
  }
  return { agents, clients };
}
