// What a host process (hsagent up, hsagentd) needs to show its agents: start the page with the
// standard health probes (TCP to the relay, GET /readyz of the substrate), attach each agent
// before it starts, mark it started or stopped, close at the end.

import { attachAgent, checkAudit, type FleetAgent } from "./attach.js";
import { FleetModel } from "./model.js";
import { probeHttp, probeTcp } from "./probes.js";
import { startFleetViewServer } from "./serve.js";
import type { HealthItem } from "./snapshot.js";

/** Options of {@link startFleetHost}. */
export interface FleetHostOptions {
  readonly host: string;
  readonly port: number;
  /** Required beyond loopback (see `loadToken`). */
  readonly token: string | null;
  /** Page title. */
  readonly title: string;
  /** The relay the agents use (probed with a TCP connect). */
  readonly relay?: { readonly host: string; readonly port: number };
  /** The substrate's base URL (its `/readyz` is probed). */
  readonly substrateUrl?: string;
  /** More health checks (e.g. a NATS connection). */
  readonly extraHealth?: () => Promise<readonly HealthItem[]>;
}

/** A running page for a set of agents. */
export interface FleetHost {
  /** `http://HOST:PORT/` (never with the token). */
  readonly url: string;
  readonly model: FleetModel;
  /** Feed `agent`'s events under `name`; call before `agent.start()`. */
  attach(name: string, agent: FleetAgent): void;
  /** `agent` started (its id is known; its audit chain can be checked). */
  started(name: string, agent: FleetAgent): void;
  /** The agent stopped or failed. */
  stopped(name: string, failed?: boolean): void;
  close(): Promise<void>;
}

/** Start the fleet page of a host process. */
export async function startFleetHost(options: FleetHostOptions): Promise<FleetHost> {
  const model = new FleetModel({ title: options.title });
  const agents = new Map<string, FleetAgent>();
  const health = async (): Promise<HealthItem[]> => {
    const checks: Promise<HealthItem | readonly HealthItem[]>[] = [];
    if (options.relay) checks.push(probeTcp("relay", options.relay.host, options.relay.port));
    if (options.substrateUrl) checks.push(probeHttp("substrate", `${options.substrateUrl}/readyz`));
    if (options.extraHealth) checks.push(options.extraHealth());
    return (await Promise.all(checks)).flat();
  };
  const server = await startFleetViewServer({
    host: options.host,
    port: options.port,
    token: options.token,
    model,
    health,
    audit: async (name) => {
      const agent = agents.get(name);
      if (agent) await checkAudit(model, name, agent);
    },
  });
  return {
    url: server.url,
    model,
    attach: (name, agent) => attachAgent(model, name, agent),
    started: (name, agent) => {
      agents.set(name, agent);
      model.started(name, agent.agentId);
    },
    stopped: (name, failed) => model.stopped(name, failed),
    close: () => server.close(),
  };
}
