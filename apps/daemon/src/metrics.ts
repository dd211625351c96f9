// Prometheus text exposition (format 0.0.4) of the daemon's agents: sessions by outcome, a
// handshake latency histogram, rejections by reason (exact), substrate calls, relay reconnects,
// legacy refusals and the bounded rejection reporting (audit blocks, suppressed warn lines).
// Written by hand: a few counters do not need a metrics library.

/** Default histogram buckets for handshake latency, in seconds. */
export const HANDSHAKE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** A cumulative histogram. */
export class Histogram {
  readonly buckets: readonly number[];
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(buckets: readonly number[] = HANDSHAKE_BUCKETS) {
    this.buckets = buckets;
    this.counts = buckets.map(() => 0);
  }

  /** Record one observation. */
  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] ?? Number.POSITIVE_INFINITY)) this.counts[i] = (this.counts[i] ?? 0) + 1;
    }
  }
}

/** What the exposition needs of one agent. */
export interface AgentSample {
  readonly agent: string;
  readonly ready: boolean;
  readonly sessions: {
    started: number;
    established: number;
    closed: number;
    aborted: number;
    active: number;
  };
  readonly rejections: Readonly<Record<string, number>>;
  readonly substrateCalls: number;
  readonly relayReconnects: number;
  readonly droppedUnknownPeers: number;
  readonly handshake: Histogram;
  /** Legacy off: refusals of v1-only peers, and their messages ignored while backing off. */
  readonly legacyRefusals?: number;
  readonly legacyIgnored?: number;
  /** Aggregated rejection audit blocks written, and rejection warn lines left out by the per-peer budget. */
  readonly rejectionAuditBlocks?: number;
  readonly rejectionWarnsSuppressed?: number;
}

/** Escape a label value (backslash, double quote, newline). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

function num(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "+Inf";
  return String(Math.round(n * 1e6) / 1e6);
}

/** Render the exposition text for `agents`. */
export function renderMetrics(agents: readonly AgentSample[], extra: { uptimeSeconds: number }): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string, rows: [Record<string, string>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of rows) out.push(`${name}${labels(l)} ${num(v)}`);
  };
  family("hsagentd_uptime_seconds", "gauge", "Seconds since the daemon started.", [
    [{}, extra.uptimeSeconds],
  ]);
  family(
    "hsagent_agent_ready",
    "gauge",
    "1 when the agent started (identity ready, relay connected).",
    agents.map((a) => [{ agent: a.agent }, a.ready ? 1 : 0]),
  );
  family(
    "hsagent_sessions_total",
    "counter",
    "Sessions by outcome: started, established, closed (clean teardown), aborted.",
    agents.flatMap((a) =>
      (["started", "established", "closed", "aborted"] as const).map(
        (o): [Record<string, string>, number] => [{ agent: a.agent, outcome: o }, a.sessions[o]],
      ),
    ),
  );
  family(
    "hsagent_sessions_active",
    "gauge",
    "Sessions open now.",
    agents.map((a) => [{ agent: a.agent }, a.sessions.active]),
  );
  out.push(
    "# HELP hsagent_handshake_duration_seconds Session start to established, per side.",
    "# TYPE hsagent_handshake_duration_seconds histogram",
  );
  for (const a of agents) {
    const h = a.handshake;
    h.buckets.forEach((b, i) => {
      out.push(
        `hsagent_handshake_duration_seconds_bucket${labels({ agent: a.agent, le: num(b) })} ${h.counts[i] ?? 0}`,
      );
    });
    out.push(`hsagent_handshake_duration_seconds_bucket${labels({ agent: a.agent, le: "+Inf" })} ${h.count}`);
    out.push(`hsagent_handshake_duration_seconds_sum${labels({ agent: a.agent })} ${num(h.sum)}`);
    out.push(`hsagent_handshake_duration_seconds_count${labels({ agent: a.agent })} ${h.count}`);
  }
  family(
    "hsagent_rejections_total",
    "counter",
    "Inbound messages dropped without a state change, by reason.",
    agents.flatMap((a) =>
      Object.entries(a.rejections).map(([reason, v]): [Record<string, string>, number] => [
        { agent: a.agent, reason },
        v,
      ]),
    ),
  );
  family(
    "hsagent_substrate_calls_total",
    "counter",
    "Substrate HTTP requests made by the agent.",
    agents.map((a) => [{ agent: a.agent }, a.substrateCalls]),
  );
  family(
    "hsagent_relay_reconnects_total",
    "counter",
    "Relay reconnects of the agent's TCP client.",
    agents.map((a) => [{ agent: a.agent }, a.relayReconnects]),
  );
  family(
    "hsagent_dropped_unknown_peers_total",
    "counter",
    "Messages dropped because the sender is not registered in the account.",
    agents.map((a) => [{ agent: a.agent }, a.droppedUnknownPeers]),
  );
  const counter = (name: string, help: string, pick: (a: AgentSample) => number | undefined) =>
    family(
      name,
      "counter",
      help,
      agents.map((a) => [{ agent: a.agent }, pick(a) ?? 0]),
    );
  counter(
    "hsagent_legacy_refusals_total",
    "Refusals of a peer that speaks only protocol v1 while legacy is off (each starts a back-off).",
    (a) => a.legacyRefusals,
  );
  counter(
    "hsagent_legacy_ignored_total",
    "Registers and confirms of refused v1-only peers ignored during their back-off.",
    (a) => a.legacyIgnored,
  );
  counter(
    "hsagent_rejection_audit_blocks_total",
    "Aggregated rejection audit blocks (one per peer, reason and minute at most).",
    (a) => a.rejectionAuditBlocks,
  );
  counter(
    "hsagent_rejection_warns_suppressed_total",
    "Rejection warn lines left out by the per-peer budget (2 a minute).",
    (a) => a.rejectionWarnsSuppressed,
  );
  return `${out.join("\n")}\n`;
}
