// Prometheus metrics of the daemon's agents, with prom-client: sessions by outcome, open sessions,
// the overload state (session cap, register interval), a handshake latency histogram, rejections by reason (exact), substrate calls, relay reconnects,
// unknown-peer drops, legacy refusals and the bounded rejection reporting (audit blocks,
// suppressed warn lines). Counters are read from each agent's own counters at scrape time; the
// histogram is fed by `established` events. One registry per daemon.

import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Histogram buckets for handshake latency, in seconds. */
export const HANDSHAKE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** What the scrape needs of one agent. */
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
  /** Legacy off: refusals of v1-only peers, and their messages ignored while backing off. */
  readonly legacyRefusals?: number;
  readonly legacyIgnored?: number;
  /** Aggregated rejection audit blocks written, and rejection warn lines left out by the per-peer budget. */
  readonly rejectionAuditBlocks?: number;
  readonly rejectionWarnsSuppressed?: number;
  /** Overload control now: sessions accepted as responder at once, and the register interval (ms). */
  readonly sessionCap?: number;
  readonly registerIntervalMs?: number;
}

const OUTCOMES = ["started", "established", "closed", "aborted"] as const;

/** The per-agent counters of {@link AgentSample}, each exposed as `hsagent_<snake_case>_total`. */
type CountedField =
  | "substrateCalls"
  | "relayReconnects"
  | "droppedUnknownPeers"
  | "legacyRefusals"
  | "legacyIgnored"
  | "rejectionAuditBlocks"
  | "rejectionWarnsSuppressed";

/** Help text of each per-agent counter, in exposition order. */
const PER_AGENT_COUNTERS: Readonly<Record<CountedField, string>> = {
  substrateCalls: "Substrate HTTP requests made by the agent.",
  relayReconnects: "Relay reconnects of the agent's TCP client.",
  droppedUnknownPeers: "Messages dropped because the sender is not registered in the account.",
  legacyRefusals:
    "Refusals of a peer that speaks only protocol v1 while legacy is off (each starts a back-off).",
  legacyIgnored: "Registers and confirms of refused v1-only peers ignored during their back-off.",
  rejectionAuditBlocks: "Aggregated rejection audit blocks (one per peer, reason and minute at most).",
  rejectionWarnsSuppressed: "Rejection warn lines left out by the per-peer budget (2 a minute).",
};

/** The daemon's registry: agent counters collected at scrape time plus the handshake histogram. */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #handshake: Histogram<"agent">;

  constructor(samples: () => readonly AgentSample[], startedAt = Date.now()) {
    const registers = [this.registry];
    // Every scrape reads the agents once; the collectors below share that reading.
    let reading: readonly AgentSample[] | null = null;
    const read = () => {
      reading ??= samples();
      queueMicrotask(() => {
        reading = null;
      });
      return reading;
    };
    /** A counter mirroring a monotonic value the agent keeps itself. */
    const mirror = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      rows: (a: AgentSample) => [Record<L, string>, number][],
    ) =>
      new Counter<L>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const a of read())
            for (const [labels, v] of rows(a)) this.inc(labels as never, Math.max(0, v));
        },
      });

    new Gauge({
      name: "hsagentd_uptime_seconds",
      help: "Seconds since the daemon started.",
      registers,
      collect() {
        this.set((Date.now() - startedAt) / 1000);
      },
    });
    new Gauge({
      name: "hsagent_agent_ready",
      help: "1 when the agent started (identity ready, relay connected).",
      labelNames: ["agent"],
      registers,
      collect() {
        this.reset();
        for (const a of read()) this.set({ agent: a.agent }, a.ready ? 1 : 0);
      },
    });
    mirror(
      "hsagent_sessions_total",
      "Sessions by outcome: started, established, closed (clean teardown), aborted.",
      ["agent", "outcome"],
      (a) => OUTCOMES.map((o) => [{ agent: a.agent, outcome: o }, a.sessions[o]]),
    );
    new Gauge({
      name: "hsagent_sessions_active",
      help: "Sessions open now.",
      labelNames: ["agent"],
      registers,
      collect() {
        this.reset();
        for (const a of read()) this.set({ agent: a.agent }, a.sessions.active);
      },
    });
    new Gauge({
      name: "hsagent_session_cap",
      help: "Sessions the agent accepts as responder at once now: maxSessions, fewer while overloaded.",
      labelNames: ["agent"],
      registers,
      collect() {
        this.reset();
        for (const a of read()) if (a.sessionCap !== undefined) this.set({ agent: a.agent }, a.sessionCap);
      },
    });
    new Gauge({
      name: "hsagent_register_interval_seconds",
      help: "Interval between the agent's registers now: registerIntervalMs, up to 4x while overloaded.",
      labelNames: ["agent"],
      registers,
      collect() {
        this.reset();
        for (const a of read())
          if (a.registerIntervalMs !== undefined) this.set({ agent: a.agent }, a.registerIntervalMs / 1000);
      },
    });
    this.#handshake = new Histogram({
      name: "hsagent_handshake_duration_seconds",
      help: "Session start to established, per side.",
      labelNames: ["agent"],
      buckets: [...HANDSHAKE_BUCKETS],
      registers,
    });
    mirror(
      "hsagent_rejections_total",
      "Inbound messages dropped without a state change, by reason.",
      ["agent", "reason"],
      (a) => Object.entries(a.rejections).map(([reason, v]) => [{ agent: a.agent, reason }, v]),
    );
    for (const [field, help] of Object.entries(PER_AGENT_COUNTERS) as [CountedField, string][]) {
      const name = `hsagent_${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
      mirror(name, help, ["agent"], (a) => [[{ agent: a.agent }, a[field] ?? 0]]);
    }
  }

  /** Record one handshake of `agent`, in seconds (negative or non-finite values are ignored). */
  observeHandshake(agent: string, seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.#handshake.observe({ agent }, seconds);
  }

  /** The exposition text. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Its content type (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }
}
