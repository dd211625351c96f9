/**
 * The transport an agent-host gives one agent when the parent asks for NATS or for inbound
 * counts: a NatsTransport on the tenant's subjects, or a RelayClient opened here (instead of
 * inside the agent) so that the messages delivered to the agent can be counted.
 */
import { RelayClient, type Transport } from "@hsagent/relay";
import type { SubstrateClient } from "@hsagent/substrate-client";
import { openNatsTransport } from "@hsagent/transport-nats";
import type { StartCommand } from "./messages.js";

/** A transport opened by the host, with its inbound counter. */
export interface HostTransport {
  readonly transport: Transport;
  /** Messages delivered to the agent so far. */
  inbound(): number;
  close(): Promise<void>;
}

/** Open the agent's transport (`client` must be logged in: the tenant is its account). */
export async function openHostTransport(
  cmd: StartCommand,
  client: SubstrateClient,
  name: string,
): Promise<HostTransport> {
  let transport: Transport;
  if (cmd.nats) {
    transport = await openNatsTransport(cmd.nats, { tenant: client.accountId, name });
  } else {
    if (!cmd.relay) throw new Error("the start command names neither a relay nor NATS servers");
    const relay = new RelayClient({ host: cmd.relay.host, port: cmd.relay.port });
    await relay.connect();
    transport = relay;
  }
  let inbound = 0;
  transport.onMessage(() => inbound++);
  return { transport, inbound: () => inbound, close: () => transport.close() };
}
