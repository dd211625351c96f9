// From resolved settings to the options of `createAgent`: protocol constants go to the agent's
// config, the line limit and reconnect delay to its relay client.

import type { AgentConfig } from "@hsagent/agent";
import type { ProtocolConstant } from "./config.js";

/** Split config-file/env/flag protocol constants into agent config and relay client options. */
export function agentConfigFrom(
  protocol: Partial<Record<ProtocolConstant, number>>,
  allowLegacy: boolean,
  reconnectDelayMs?: number,
  pq = true,
): { config: Partial<AgentConfig>; relay: { maxLineBytes?: number; minDelayMs?: number } } {
  const { maxLineBytes, ...rest } = protocol;
  const config: Partial<AgentConfig> = { ...rest, allowLegacy, pq };
  const relay: { maxLineBytes?: number; minDelayMs?: number } = {};
  if (maxLineBytes !== undefined) relay.maxLineBytes = maxLineBytes;
  if (reconnectDelayMs !== undefined && reconnectDelayMs > 0) relay.minDelayMs = reconnectDelayMs;
  return { config, relay };
}
