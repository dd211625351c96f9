/**
 * Agent-host worker: a child process (forked by `Fleet`) hosting one or more real agents on a
 * TCP relay and an HTTP substrate. It counts what the parent measures (per-pair sessions,
 * latencies, substrate calls, stuck sessions, acknowledged audit events) and, on stop, checks
 * what an operator would: no session state left behind and a valid audit chain per agent.
 */
import { type Agent, createAgent } from "@hsagent/agent";
import { SubstrateClient } from "@hsagent/substrate-client";
import { type HostTransport, openHostTransport } from "./host-transport.js";
import type { AgentFinal, AgentWindow, HostCommand, HostMessage, StartCommand } from "./messages.js";

interface Hosted {
  name: string;
  agent: Agent;
  agentId: string;
  closedAsInitiator: Map<string, number>;
  handshakeMs: number[];
  sessionMs: number[];
  aborted: Record<string, number>;
  rejections: Record<string, number>;
  callsAtMark: number;
  stuck: number;
  stuckStates: Record<string, number>;
  longestActiveMs: number;
  /** Per peer: since when the session toward it is in a non-ready state. */
  activeSince: Map<string, number>;
  /** Per peer: already counted as stuck in the current non-ready stretch. */
  stuckCounted: Set<string>;
  /** Closed sids not yet known to be written to the audit chain. */
  unacked: string[];
  /** The transport the host opened (NATS, or counting inbound), else null. */
  link: HostTransport | null;
  inboundAtMark: number;
  sessionsClosed: number;
}

const READY = new Set(["init_ready", "resp_ready"]);
const hosted: Hosted[] = [];
let peers: string[] = [];
let stuckLimitMs = Number.POSITIVE_INFINITY;
let watch: NodeJS.Timeout | null = null;

function send(message: HostMessage): void {
  process.send?.(message);
}

/** RSS after a full GC when the host runs with --expose-gc (steadier than a lazily collected heap). */
function rss(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return process.memoryUsage().rss;
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

async function start(cmd: StartCommand): Promise<void> {
  const passphraseBase = process.env.HSAGENT_FLEET_VAULT_SECRET ?? "fleet-vault";
  stuckLimitMs = (cmd.config.sessionTimeoutMs ?? 15_000) + cmd.stuckGraceMs;
  if (cmd.oneByOne) for (const name of cmd.names) await startOne(cmd, name, passphraseBase);
  else await Promise.all(cmd.names.map((name) => startOne(cmd, name, passphraseBase)));
  watch = setInterval(tick, 200);
  send({
    type: "ready",
    agents: hosted.map((h) => ({ name: h.name, agentId: h.agentId })),
    rss: rss(),
  });
}

async function startOne(cmd: StartCommand, name: string, passphraseBase: string): Promise<void> {
  {
    const client = new SubstrateClient({
      baseUrl: cmd.substrateUrl,
      credentials: cmd.account,
      autoRegister: true,
      ...(cmd.substrateTimeoutMs ? { timeoutMs: cmd.substrateTimeoutMs } : {}),
    });
    await client.login();
    const link = cmd.nats || cmd.countInbound ? await openHostTransport(cmd, client, name) : null;
    const agent = createAgent({
      name,
      ...(link ? { transport: link.transport } : { relay: cmd.relay }),
      substrate: { client },
      vaultPassphrase: `${passphraseBase}-${name}`,
      config: cmd.config,
    });
    const t0 = Date.now();
    await agent.start();
    if (process.env.FLEET_DEBUG) process.stderr.write(`agent ${name} started in ${Date.now() - t0} ms\n`);
    const h: Hosted = {
      name,
      agent,
      agentId: agent.agentId,
      closedAsInitiator: new Map(),
      handshakeMs: [],
      sessionMs: [],
      aborted: {},
      rejections: {},
      callsAtMark: agent.metrics().substrateCalls,
      stuck: 0,
      stuckStates: {},
      longestActiveMs: 0,
      activeSince: new Map(),
      stuckCounted: new Set(),
      unacked: [],
      link,
      inboundAtMark: 0,
      sessionsClosed: 0,
    };
    agent.on("established", (e) => {
      if (e.role === "initiator") h.handshakeMs.push(e.handshakeMs);
    });
    agent.on("closed", (e) => {
      endStretch(h, e.peer);
      if (e.sid) h.unacked.push(e.sid);
      h.sessionsClosed++;
      if (e.role !== "initiator") return;
      h.closedAsInitiator.set(e.peer, (h.closedAsInitiator.get(e.peer) ?? 0) + 1);
      h.sessionMs.push(e.sessionMs);
      send({ type: "closed", name, peer: e.peer, sid: e.sid, role: e.role, at: Date.now() });
    });
    agent.on("aborted", (e) => {
      bump(h.aborted, e.reason);
      endStretch(h, e.peer);
    });
    agent.on("rejected", (e) => bump(h.rejections, e.reason));
    hosted.push(h);
  }
}

/**
 * A session toward `peer` ended: the next non-ready state belongs to a new session. (Sampling the
 * state name alone would glue two sessions together when one ends and the next starts between
 * two samples, and report a "stuck" session that never existed.)
 */
function endStretch(h: Hosted, peer: string): void {
  h.activeSince.delete(peer);
  h.stuckCounted.delete(peer);
}

/** Stuck-session watch and audit acknowledgements, every 200 ms. */
function tick(): void {
  const now = Date.now();
  for (const h of hosted) {
    for (const peer of peers) {
      if (peer === h.agentId) continue;
      const state = h.agent.sessionState(peer);
      if (state === null || READY.has(state)) {
        h.activeSince.delete(peer);
        h.stuckCounted.delete(peer);
        continue;
      }
      const since = h.activeSince.get(peer) ?? now;
      h.activeSince.set(peer, since);
      const age = now - since;
      if (age > h.longestActiveMs) h.longestActiveMs = age;
      if (age > stuckLimitMs && !h.stuckCounted.has(peer)) {
        h.stuck++;
        bump(h.stuckStates, state);
        h.stuckCounted.add(peer);
      }
    }
    // Every event accepted so far is written once persisted + dropped catches up with appended.
    if (h.unacked.length > 0) {
      try {
        const s = h.agent.stores.audit.stats;
        if (s.persisted + s.dropped >= s.appended) {
          send({ type: "acked", name: h.name, sids: h.unacked.splice(0) });
        }
      } catch {
        // not started
      }
    }
  }
}

function mark(): void {
  for (const h of hosted) {
    h.closedAsInitiator.clear();
    h.handshakeMs = [];
    h.sessionMs = [];
    h.aborted = {};
    h.rejections = {};
    h.callsAtMark = h.agent.metrics().substrateCalls;
    h.stuck = 0;
    h.stuckStates = {};
    h.longestActiveMs = 0;
    h.inboundAtMark = h.link?.inbound() ?? 0;
    h.sessionsClosed = 0;
  }
  send({ type: "marked" });
}

function windowOf(h: Hosted): AgentWindow {
  const metrics = h.agent.metrics();
  return {
    name: h.name,
    agentId: h.agentId,
    closedAsInitiator: Object.fromEntries(h.closedAsInitiator),
    handshakeMs: h.handshakeMs,
    sessionMs: h.sessionMs,
    substrateCalls: metrics.substrateCalls - h.callsAtMark,
    aborted: { ...h.aborted },
    rejections: { ...h.rejections },
    stuck: h.stuck,
    stuckStates: { ...h.stuckStates },
    longestActiveMs: h.longestActiveMs,
    inbound: h.link ? h.link.inbound() - h.inboundAtMark : null,
    sessionsClosed: h.sessionsClosed,
    metrics,
  };
}

async function finalOf(h: Hosted): Promise<AgentFinal> {
  const out: AgentFinal = {
    name: h.name,
    agentId: h.agentId,
    sessionsLeft: -1,
    auditValid: false,
    auditError: null,
    auditedClosedSids: [],
    auditPending: 0,
  };
  try {
    const stores = h.agent.stores;
    const s = stores.audit.stats;
    out.auditPending = Math.max(0, s.appended - s.persisted - s.dropped);
    out.sessionsLeft = (await stores.sessions.list()).length;
    const v = await stores.audit.validate();
    out.auditValid = v.isValid;
    out.auditError = v.errorMessage;
    const events = await stores.audit.recent(10_000);
    out.auditedClosedSids = events.filter((e) => e.type === "SESSION_CLOSED" && e.sid).map((e) => e.sid!);
  } catch (error) {
    out.error = `${(error as { code?: string }).code ?? ""} ${(error as Error).message}`.trim();
  }
  return out;
}

async function stop(): Promise<void> {
  if (watch) clearInterval(watch);
  await Promise.all(hosted.map((h) => h.agent.stop()));
  await Promise.all(hosted.map((h) => h.link?.close()));
  tick();
  const agents = await Promise.all(hosted.map(finalOf));
  // Exit only once the report is handed to the channel (disconnecting earlier can drop it).
  process.send?.({ type: "stopped", rss: rss(), agents } satisfies HostMessage, () => {
    process.disconnect?.();
    setTimeout(() => process.exit(0), 100).unref();
  });
}

process.on("message", (raw: unknown) => {
  const cmd = raw as HostCommand;
  switch (cmd.cmd) {
    case "start":
      start(cmd).catch((error: unknown) => {
        send({
          type: "start-failed",
          error: `${(error as { code?: string }).code ?? ""} ${(error as Error).message}`,
        });
      });
      return;
    case "peers":
      peers = cmd.ids;
      return;
    case "mark":
      mark();
      return;
    case "report":
      send({ type: "report", rss: rss(), agents: hosted.map(windowOf) });
      return;
    case "stop":
      stop().catch((error: unknown) => {
        process.stderr.write(`agent-host: stop failed: ${(error as Error).message}\n`);
        process.exit(1);
      });
      return;
  }
});
// Parent gone (or stop done): do not linger as an orphan.
process.on("disconnect", () => setTimeout(() => process.exit(0), 50).unref());
