// The JSON the fleet page receives (over SSE and from /api/snapshot). Types only: shared by the
// server side and the browser bundle.

import type { LatencyPoint } from "./latency-window.js";

export type { LatencyPoint };

/** The life-cycle state of one agent as the page shows it. */
export type AgentState = "starting" | "idle" | "in-session" | "stopped" | "failed";

/** The result of an on-demand audit-chain check. */
export interface AuditResult {
  /** "valid", "invalid", "checking" or "error" (the check itself failed). */
  readonly status: "valid" | "invalid" | "checking" | "error";
  /** Why it is invalid or why the check failed (no secrets). */
  readonly detail: string | null;
  /** When the check finished (ms since epoch), or started while checking. */
  readonly at: number;
}

/** One agent row. */
export interface AgentRow {
  readonly name: string;
  /** The agent id (the page shows a prefix); null before start. */
  readonly agentId: string | null;
  readonly state: AgentState;
  /** Sessions this agent closed cleanly (either role). */
  readonly sessions: number;
  /** Sessions open now. */
  readonly active: number;
  /** Last handshake latency, ms. */
  readonly lastHandshakeMs: number | null;
  /** When the last handshake completed (ms since epoch). */
  readonly lastHandshakeAt: number | null;
  /** When this agent last reported anything (ms since epoch). */
  readonly lastSeenAt: number | null;
  readonly audit: AuditResult | null;
}

/** The health of one dependency (relay, NATS, substrate). */
export interface HealthItem {
  readonly name: string;
  readonly ok: boolean;
  /** Short human-readable detail (no secrets). */
  readonly detail: string;
  readonly checkedAt: number;
}

/** Everything the page draws. */
export interface FleetSnapshot {
  /** Server time (ms since epoch) of the snapshot. */
  readonly now: number;
  readonly title: string;
  readonly agents: readonly AgentRow[];
  /** Sessions closed cleanly, each counted once (by its initiator). */
  readonly sessionsTotal: number;
  /** Agent names in matrix order and the upper-triangle counts: `pairs[i][j]` for i < j. */
  readonly pairs: { readonly names: readonly string[]; readonly counts: readonly (readonly number[])[] };
  readonly latency: {
    readonly handshake: readonly LatencyPoint[];
    readonly session: readonly LatencyPoint[];
  };
  /** Rejected inbound messages by the protocol's reason name. */
  readonly rejections: Readonly<Record<string, number>>;
  /** Aborted sessions by reason. */
  readonly aborts: Readonly<Record<string, number>>;
  readonly health: readonly HealthItem[];
}
