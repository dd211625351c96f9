/**
 * Agent settings: the protocol's §9 constants plus the runtime's own (register period, session
 * cap, teardown mode, flood and audit limits), with defaults and range checks in one place.
 */
import { DEFAULT_CONFIG, type ProtocolConfig, resolveConfig } from "@hsagent/protocol";
import { AgentError } from "./errors.js";

/** Runtime settings beside the protocol's. */
export interface RuntimeConfig {
  /** `register` broadcast period, ms (default 3000, jittered ±20%). */
  registerIntervalMs: number;
  /**
   * Admission control: most sessions this agent accepts (as responder) open at once (default 4).
   * Further `register`s wait and are answered as slots free up, longest-waiting peer first.
   * Sessions as initiator are admitted by their responder and not counted here. A small cap keeps
   * sessions short under overload (a fleet offering more sessions than the substrate can carry
   * queues them instead of timing them out); one session takes ~20 ms, so 4 slots still serve
   * ~200 sessions/s per agent when the substrate keeps up.
   */
  maxSessions: number;
  /**
   * End the initiator's session (purge, back to `init_ready`) as soon as the first `close` is
   * sent, and send the remaining FINAL_LIMIT−1 copies from a detached timer one retransmit tick
   * apart (default true). The wire sees exactly what §4 step 8 prescribes; only the local state
   * is released FINAL_LIMIT−1 ticks earlier. `false` keeps the session until the last `close`.
   */
  detachedTeardown: boolean;
  /** How long a "not registered in our tenant" answer is cached, ms (default 5000). */
  unknownPeerTtlMs: number;
  /** Substrate lookups of never-seen agentIds per second (default 20, burst 50). */
  unknownPeerLookupsPerSecond: number;
  /** Audit batching delay, ms (default 1000; every session end writes its audit at once anyway: with the purge of its state, else by a flush). */
  auditFlushIntervalMs: number;
  /** Aggregated rejection blocks written to the audit chain per minute, all peers together, at most (default 60). */
  rejectionAuditsPerMinute: number;
  /**
   * Milestones are written this long after they are reached, coalesced into the latest (default
   * 25 ms; 0 = at once). Sessions shorter than this cost no session-store write at all.
   */
  milestoneDelayMs: number;
  /** Minimum time between two identity refreshes of one peer on `pin-mismatch`, ms (default 10000). */
  pinRefreshIntervalMs: number;
  /**
   * How long a peer's identity is trusted before it is re-read from the registry, ms (default
   * 300000): a revoked identity is refused, and a rotated key pinned, within this time.
   */
  identityTtlMs: number;
  /** Most events queued on one peer's lane; beyond it that peer's messages are dropped (default 64). */
  maxLaneDepth: number;
  /** Legacy off: how long a refused v1-only peer's registers and confirms are ignored, ms (default 600000). */
  legacyBackoffMs: number;
  /**
   * Rejections of one peer and reason within this window become one audit block with a count,
   * and a peer gets at most 2 rejection warn lines per window, ms (default 60000).
   */
  rejectionWindowMs: number;
}

/** Everything an agent can be configured with. */
export type AgentConfig = ProtocolConfig & RuntimeConfig;

/** Defaults of the runtime settings. */
export const DEFAULT_RUNTIME_CONFIG: Readonly<RuntimeConfig> = Object.freeze({
  registerIntervalMs: 3000,
  maxSessions: 4,
  detachedTeardown: true,
  unknownPeerTtlMs: 5000,
  unknownPeerLookupsPerSecond: 20,
  auditFlushIntervalMs: 1000,
  rejectionAuditsPerMinute: 60,
  pinRefreshIntervalMs: 10_000,
  milestoneDelayMs: 25,
  identityTtlMs: 300_000,
  maxLaneDepth: 64,
  legacyBackoffMs: 600_000,
  rejectionWindowMs: 60_000,
});

/** Fill in defaults and check ranges. @throws AgentError `INVALID_OPTIONS` */
export function resolveAgentConfig(partial: Partial<AgentConfig> = {}): AgentConfig {
  let protocol: ProtocolConfig;
  try {
    protocol = resolveConfig({ ...DEFAULT_CONFIG, ...partial });
  } catch (error) {
    throw new AgentError("INVALID_OPTIONS", (error as Error).message);
  }
  const runtime: RuntimeConfig = { ...DEFAULT_RUNTIME_CONFIG };
  for (const key of Object.keys(DEFAULT_RUNTIME_CONFIG) as (keyof RuntimeConfig)[]) {
    const value = partial[key];
    if (value === undefined) continue;
    if (key === "detachedTeardown") {
      if (typeof value !== "boolean") throw new AgentError("INVALID_OPTIONS", `${key} must be a boolean`);
      runtime.detachedTeardown = value;
      continue;
    }
    if (
      typeof value !== "number" ||
      !Number.isFinite(value) ||
      value < (key === "rejectionAuditsPerMinute" || key === "milestoneDelayMs" ? 0 : 1)
    )
      throw new AgentError("INVALID_OPTIONS", `${key} must be a positive number`);
    (runtime as unknown as Record<string, number>)[key] = value;
  }
  return { ...protocol, ...runtime };
}
