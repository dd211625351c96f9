/**
 * The IPC messages between a fleet parent (bench, soak, fault tests) and its agent-host worker
 * processes. Plain JSON over the fork() channel; credentials travel here or in the environment,
 * never in argv.
 */
import type { AgentConfig, AgentMetrics } from "@hsagent/agent";

/** Parent → host: start these agents. */
export interface StartCommand {
  cmd: "start";
  names: string[];
  /** The TCP relay (required unless `nats` is given). */
  relay?: { host: string; port: number };
  /** NATS servers (`nats://...`) to use instead of the relay. */
  nats?: string;
  /** Open the transport in the host and count the messages each agent receives (implied by `nats`). */
  countInbound?: boolean;
  /** Start this host's agents one after the other (fewer logins at once on a loaded machine). */
  oneByOne?: boolean;
  /** Per-request timeout of the agents' substrate clients, ms (default the client's, 10 000). */
  substrateTimeoutMs?: number;
  substrateUrl: string;
  account: { username: string; password: string };
  config: Partial<Pick<AgentConfig, "registerIntervalMs" | "retransmitMs" | "sessionTimeoutMs">>;
  /** Stuck check: a session counts as stuck after sessionTimeoutMs + this grace, ms. */
  stuckGraceMs: number;
}

/** Parent → host: the agentIds of the whole fleet (for the stuck-session watch). */
export interface PeersCommand {
  cmd: "peers";
  ids: string[];
}

/** Parent → host: start a new measurement window (clears samples and per-pair counts). */
export interface MarkCommand {
  cmd: "mark";
}

/** Parent → host: report the current window. */
export interface ReportCommand {
  cmd: "report";
}

/** Parent → host: stop every agent, check leftovers and audit chains, then exit. */
export interface StopCommand {
  cmd: "stop";
}

/** Any parent → host message. */
export type HostCommand = StartCommand | PeersCommand | MarkCommand | ReportCommand | StopCommand;

/** One agent's numbers over the current window. */
export interface AgentWindow {
  name: string;
  agentId: string;
  /** Sessions this agent closed as initiator, per peer agentId. */
  closedAsInitiator: Record<string, number>;
  /** Initiator-side handshake latencies (start → established), ms. */
  handshakeMs: number[];
  /** Initiator-side session latencies (start → clean close), ms. */
  sessionMs: number[];
  /** Substrate requests made in the window. */
  substrateCalls: number;
  /** Sessions aborted in the window, by reason. */
  aborted: Record<string, number>;
  /** Rejections in the window, by reason. */
  rejections: Record<string, number>;
  /** Sessions seen in a non-ready state for longer than sessionTimeoutMs + grace. */
  stuck: number;
  /** Stuck sessions by the state they were stuck in. */
  stuckStates: Record<string, number>;
  /** Longest time any session stayed in a non-ready state, ms. */
  longestActiveMs: number;
  /** Messages the transport delivered to the agent in the window (null when not counted). */
  inbound?: number | null;
  /** Sessions the agent closed in the window, in either role. */
  sessionsClosed?: number;
  metrics: AgentMetrics;
}

/** What one agent's audit chain and session store hold after stop. */
export interface AgentFinal {
  name: string;
  agentId: string;
  /** HandshakeSessionState objects still stored after stop. */
  sessionsLeft: number;
  auditValid: boolean;
  auditError: string | null;
  /** sids of the SESSION_CLOSED events in the chain. */
  auditedClosedSids: string[];
  /** Audit events accepted but never written. */
  auditPending: number;
  error?: string;
}

/** Host → parent messages. */
export type HostMessage =
  | { type: "ready"; agents: { name: string; agentId: string }[]; rss: number }
  | { type: "start-failed"; error: string }
  | { type: "marked" }
  | { type: "report"; rss: number; agents: AgentWindow[] }
  | { type: "acked"; name: string; sids: string[] }
  | { type: "closed"; name: string; peer: string; sid: string | null; role: string; at: number }
  | { type: "stopped"; rss: number; agents: AgentFinal[] };
