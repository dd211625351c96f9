// The fleet view of `hsagent up --web [HOST:PORT]`: parses the listen address (a bare `--web`
// means 127.0.0.1:7790), loads the token (HSAGENT_WEB_TOKEN or --web-token-file, never argv),
// starts the page and wires the agents into its model.

import type { FleetAgent, FleetModel, FleetViewServer } from "@hsagent/fleet-view";
import { UsageError } from "./errors.js";
import { registerSecret } from "./secrets.js";

/** Where a bare `--web` listens. */
export const DEFAULT_WEB_LISTEN = "127.0.0.1:7790";

/** Give a bare `--web` (last, or followed by another flag) its default value, so oclif can parse it. */
export function defaultWebArg(argv: readonly string[]): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== "--web") continue;
    const next = out[i + 1];
    if (next === undefined || next.startsWith("-")) out.splice(i + 1, 0, DEFAULT_WEB_LISTEN);
  }
  return out;
}

/** A started fleet view with its model. */
export interface UpWeb {
  readonly url: string;
  readonly model: FleetModel;
  /** Feed `agent`'s events (call before it starts). */
  attach(name: string, agent: FleetAgent): void;
  /** The agent started. */
  started(name: string, agent: FleetAgent): void;
  close(): Promise<void>;
}

/** Start the fleet view for `up`. */
export async function startUpWeb(options: {
  listen: string;
  tokenFile: string | undefined;
  substrateUrl: string;
  relay: { host: string; port: number };
  env?: NodeJS.ProcessEnv;
}): Promise<UpWeb> {
  const fv = await import("@hsagent/fleet-view");
  const addr = fv.parseListen(options.listen);
  if (!addr) throw new UsageError(`--web must be HOST:PORT or PORT, not "${options.listen}"`);
  let token: string | null;
  try {
    token = fv.loadToken({ file: options.tokenFile, env: options.env ?? process.env });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  registerSecret(token);
  const model = new fv.FleetModel({ title: "hsagent up" });
  const agents = new Map<string, FleetAgent>();
  let server: FleetViewServer;
  try {
    server = await fv.startFleetViewServer({
      host: addr.host,
      port: addr.port,
      token,
      model,
      health: () =>
        Promise.all([
          fv.probeTcp("relay", options.relay.host, options.relay.port),
          fv.probeHttp("substrate", `${options.substrateUrl}/readyz`),
        ]),
      audit: async (name) => {
        const agent = agents.get(name);
        if (agent) await fv.checkAudit(model, name, agent);
      },
    });
  } catch (err) {
    if ((err as { code?: string }).code === "TOKEN_REQUIRED") throw new UsageError((err as Error).message);
    throw err;
  }
  return {
    url: server.url,
    model,
    attach: (name, agent) => fv.attachAgent(model, name, agent),
    started: (name, agent) => {
      agents.set(name, agent);
      model.started(name, agent.agentId);
    },
    close: () => server.close(),
  };
}
