// The daemon's fleet page: started when the config has a `web` section, on its own listener.
// The token comes from web.token_file or HSAGENT_WEB_TOKEN; beyond loopback it is required.

import { type FleetHost, FleetViewError, loadToken, startFleetHost } from "@hsagent/fleet-view";
import type { Logger } from "pino";
import type { DaemonConfig } from "./config.js";
import { DaemonError } from "./daemon.js";

/** Start the page of `config.web`, or resolve null when there is none. */
export async function startDaemonWeb(
  config: DaemonConfig,
  env: NodeJS.ProcessEnv,
  log: Logger,
): Promise<FleetHost | null> {
  if (!config.web) return null;
  try {
    const token = loadToken({ file: config.web.tokenFile ?? undefined, env });
    const host = await startFleetHost({
      host: config.web.host,
      port: config.web.port,
      token,
      title: "hsagentd",
      relay: config.relay,
      substrateUrl: config.substrateUrl,
    });
    log.info({ url: host.url, login: token !== null }, "fleet view listening");
    return host;
  } catch (err) {
    if (err instanceof FleetViewError) throw new DaemonError(err.message, `WEB_${err.code}`);
    throw err;
  }
}
