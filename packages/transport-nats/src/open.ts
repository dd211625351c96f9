// One call from a `nats://` relay setting to a connected NatsTransport, shared by the CLI and the
// daemon: servers from the URL, credentials and CA file from the environment (or files it names).

import type { Logger } from "@hsagent/relay";
import { natsAuthFromEnv, natsCaFileFromEnv, parseNatsServers } from "./settings.js";
import { NatsTransport, type NatsTransportOptions } from "./transport.js";

/** Options of {@link openNatsTransport}. */
export interface OpenNatsOptions {
  /** The tenant: the substrate account id of the agent. */
  tenant: string;
  /** Where credentials are read from (default `process.env`); see {@link natsAuthFromEnv}. */
  env?: NodeJS.ProcessEnv;
  /** Logger (default silent). */
  logger?: Logger;
  /** Connection name shown by the server (default `hsagent`). */
  name?: string;
  /** Further transport options (limits, timers). */
  options?: Partial<Omit<NatsTransportOptions, "servers" | "tenant" | "auth" | "tls" | "caFile" | "logger">>;
}

/**
 * Parse `nats://h1:4222,nats://h2:4222` (or `nats+tls://`), read credentials and `HSAGENT_NATS_CA`
 * from the environment, and connect.
 * @throws RelayError `INVALID_OPTION` (bad URL or credentials) or `NOT_CONNECTED` (no server answered)
 * @example
 * const transport = await openNatsTransport("nats://127.0.0.1:4222", { tenant: client.accountId });
 * const agent = createAgent({ name: "alpha", transport, substrate: { client }, vaultPassphrase });
 */
export async function openNatsTransport(url: string, opts: OpenNatsOptions): Promise<NatsTransport> {
  const env = opts.env ?? process.env;
  const { servers, tls } = parseNatsServers(url);
  const caFile = natsCaFileFromEnv(env);
  const transport = new NatsTransport({
    ...opts.options,
    servers,
    tenant: opts.tenant,
    auth: natsAuthFromEnv(env),
    tls,
    ...(caFile ? { caFile } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.name ? { name: opts.name } : {}),
  });
  await transport.connect();
  return transport;
}
