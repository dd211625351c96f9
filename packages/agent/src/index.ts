/**
 * @hsagent/agent — the HSAgent runtime: relay transport + pure protocol machines + substrate
 * stores + timers, one serialized lane per peer, write-behind milestones and batched audit.
 */
export {
  Agent,
  type AgentHooks,
  type AgentOptions,
  createAgent,
  type SubstrateOption,
} from "./agent.js";
export {
  type AgentConfig,
  DEFAULT_RUNTIME_CONFIG,
  type RuntimeConfig,
  resolveAgentConfig,
} from "./config.js";
export { AgentError, type AgentErrorCode } from "./errors.js";
export type {
  AbortedEvent,
  AgentEvent,
  AgentEventMap,
  ClosedEvent,
  EstablishedEvent,
  MessageEvent,
  RejectedEvent,
} from "./events.js";
export { type AgentMetrics, type LatencySummary, percentile } from "./metrics.js";
