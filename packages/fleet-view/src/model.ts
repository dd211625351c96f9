// The fleet model: what the page shows, fed by agent events (established, closed, aborted,
// rejected) and by the host (agent started/stopped, health, audit results). It only counts;
// snapshots are built on demand and `onChange` tells the SSE hub that something moved.

import { LatencyWindow } from "./latency-window.js";
import type { AgentRow, AgentState, AuditResult, FleetSnapshot, HealthItem } from "./snapshot.js";

interface MutableAgent {
  name: string;
  agentId: string | null;
  state: AgentState;
  sessions: number;
  active: number;
  lastHandshakeMs: number | null;
  lastHandshakeAt: number | null;
  lastSeenAt: number | null;
  audit: AuditResult | null;
}

const MAX_REASON_LEN = 64;
const MAX_REASONS = 64;

function bump(counts: Record<string, number>, reason: unknown): void {
  let key = typeof reason === "string" && reason !== "" ? reason.slice(0, MAX_REASON_LEN) : "unknown";
  if (!(key in counts) && Object.keys(counts).length >= MAX_REASONS) key = "other";
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Live counters of a fleet of agents. */
export class FleetModel {
  readonly title: string;
  readonly #agents = new Map<string, MutableAgent>();
  readonly #ids = new Map<string, string>(); // agentId → name
  readonly #pairs = new Map<string, number>(); // "a\0b" (sorted) → sessions
  readonly #rejections: Record<string, number> = Object.create(null);
  readonly #aborts: Record<string, number> = Object.create(null);
  readonly #handshake = new LatencyWindow();
  readonly #session = new LatencyWindow();
  #health: HealthItem[] = [];
  #total = 0;
  #listeners = new Set<() => void>();
  readonly #now: () => number;

  constructor(options: { title?: string; now?: () => number } = {}) {
    this.title = options.title ?? "hsagent fleet";
    this.#now = options.now ?? Date.now;
  }

  /** Call `fn` after every change; returns an unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #changed(): void {
    for (const fn of this.#listeners) fn();
  }

  #agent(name: string): MutableAgent {
    let a = this.#agents.get(name);
    if (!a) {
      a = {
        name,
        agentId: null,
        state: "starting",
        sessions: 0,
        active: 0,
        lastHandshakeMs: null,
        lastHandshakeAt: null,
        lastSeenAt: null,
        audit: null,
      };
      this.#agents.set(name, a);
    }
    return a;
  }

  /** Add an agent (state `starting`) if it is not known yet. */
  addAgent(name: string): void {
    this.#agent(name);
    this.#changed();
  }

  /** The agent is up with this id. */
  started(name: string, agentId: string): void {
    const a = this.#agent(name);
    a.agentId = agentId;
    a.state = a.active > 0 ? "in-session" : "idle";
    a.lastSeenAt = this.#now();
    this.#ids.set(agentId, name);
    this.#changed();
  }

  /** The agent stopped (`failed` when it could not start or died). */
  stopped(name: string, failed = false): void {
    const a = this.#agent(name);
    a.state = failed ? "failed" : "stopped";
    a.active = 0;
    this.#changed();
  }

  /** The display name of a peer id (the id itself when unknown). */
  nameOf(peerId: string): string {
    return this.#ids.get(peerId) ?? peerId;
  }

  #seen(a: MutableAgent): void {
    a.lastSeenAt = this.#now();
    if (a.state !== "stopped" && a.state !== "failed") a.state = a.active > 0 ? "in-session" : "idle";
  }

  /** `name` established a session (handshake latency in ms). */
  established(name: string, handshakeMs: number): void {
    const a = this.#agent(name);
    a.active++;
    if (Number.isFinite(handshakeMs) && handshakeMs >= 0) {
      a.lastHandshakeMs = handshakeMs;
      a.lastHandshakeAt = this.#now();
      this.#handshake.add(handshakeMs, this.#now());
    }
    this.#seen(a);
    this.#changed();
  }

  /** `name` closed a session with `peerId` cleanly; the initiator's close counts the session once. */
  closed(name: string, peerId: string, role: string, sessionMs: number): void {
    const a = this.#agent(name);
    a.sessions++;
    a.active = Math.max(0, a.active - 1);
    if (role === "initiator") {
      this.#total++;
      this.#session.add(sessionMs, this.#now());
      const peer = this.nameOf(peerId);
      const key = name < peer ? `${name}\u0000${peer}` : `${peer}\u0000${name}`;
      this.#pairs.set(key, (this.#pairs.get(key) ?? 0) + 1);
    }
    this.#seen(a);
    this.#changed();
  }

  /** `name` aborted a session for `reason` (`wasEstablished`: it had counted as active). */
  aborted(name: string, reason: unknown, wasEstablished: boolean): void {
    const a = this.#agent(name);
    if (wasEstablished) a.active = Math.max(0, a.active - 1);
    bump(this.#aborts, reason);
    this.#seen(a);
    this.#changed();
  }

  /** `name` rejected an inbound message for `reason` (the protocol's reason name, as the event carries it). */
  rejected(name: string, reason: unknown): void {
    const a = this.#agent(name);
    bump(this.#rejections, reason);
    this.#seen(a);
    this.#changed();
  }

  /** Record an audit-chain check result for `name`. */
  audit(name: string, result: AuditResult): void {
    if (!this.#agents.has(name)) return;
    this.#agent(name).audit = result;
    this.#changed();
  }

  /** True if `name` is a known agent. */
  has(name: string): boolean {
    return this.#agents.has(name);
  }

  /** Replace the health items. */
  setHealth(items: readonly HealthItem[]): void {
    this.#health = [...items];
    this.#changed();
  }

  /** Everything the page draws, now. */
  snapshot(): FleetSnapshot {
    const now = this.#now();
    const agents: AgentRow[] = [...this.#agents.values()].map((a) => ({ ...a }));
    const names = agents.map((a) => a.name).sort();
    const counts = names.map((a, i) =>
      names.map((b, j) => (j <= i ? 0 : (this.#pairs.get(`${a}\u0000${b}`) ?? 0))),
    );
    // pairs with a peer that is not one of ours (another process's agent) are not in the matrix
    return {
      now,
      title: this.title,
      agents,
      sessionsTotal: this.#total,
      pairs: { names, counts },
      latency: { handshake: this.#handshake.points(now), session: this.#session.points(now) },
      rejections: { ...this.#rejections },
      aborts: { ...this.#aborts },
      health: this.#health,
    };
  }
}
