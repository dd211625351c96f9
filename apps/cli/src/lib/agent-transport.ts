// How an agent started by the CLI reaches its peers: the TCP relay (the agent's own reconnecting
// client, checked first with a TCP probe), or NATS servers (a NatsTransport connected here with
// credentials from HSAGENT_NATS_*, on the subjects of the agent's tenant = its substrate account).

import type { AgentOptions } from "@hsagent/agent";
import { CliError } from "./errors.js";
import { probeRelay } from "./relay-probe.js";

/** The transport part of the agent's options, a label for logs, and what to close after the agent stops. */
export interface AgentTransport {
  readonly option: Pick<AgentOptions, "relay" | "transport">;
  /** `host:port` of the relay, or the NATS URL list. */
  readonly label: string;
  close(): Promise<void>;
}

/** Check that the relay answers (TCP) before login; NATS is checked by {@link openAgentTransport}. */
export async function probeAgentTransport(
  nats: string | null,
  relay: { host: string; port: number },
): Promise<void> {
  if (nats === null) await probeRelay(relay.host, relay.port);
}

/**
 * The relay option as is, or a connected NATS transport for `tenant`.
 * @throws CliError `RELAY_UNREACHABLE` when no NATS server accepts the connection
 */
export async function openAgentTransport(
  target: { readonly nats: string } | { readonly relay: NonNullable<AgentOptions["relay"]> },
  tenant: string,
  name = "hsagent",
): Promise<AgentTransport> {
  if ("relay" in target) {
    const { relay } = target;
    const scheme = relay.tls !== undefined ? "tls://" : "";
    return { option: { relay }, label: `${scheme}${relay.host}:${relay.port}`, close: async () => {} };
  }
  const { nats } = target;
  const { openNatsTransport } = await import("@hsagent/transport-nats");
  try {
    const transport = await openNatsTransport(nats, { tenant, name });
    return { option: { transport }, label: nats, close: () => transport.close() };
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CliError(
      `cannot use NATS at ${nats}: ${(error as Error).message}`,
      code === "INVALID_OPTION" ? "CONFIG_INVALID" : "RELAY_UNREACHABLE",
    );
  }
}
