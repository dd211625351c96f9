/**
 * The measurements of `pnpm bench:capacity` (and of `bench:transports`, its transport part): N
 * agents in P worker processes (built packages), the substrate server and the transport each in its
 * own process — a TCP relay, or a nats-server of our own on a free port — with the CPU of every one
 * of them charged from /proc.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_RUNTIME_CONFIG } from "@hsagent/agent";
import { startNatsNode } from "@hsagent/transport-nats/testing";
import { type HostStartOptions, startFleet } from "./fleet.js";
import { InfraProcess } from "./infra.js";
import { measureWindow, summarize } from "./measure.js";
import type { Backend } from "./results.js";
import { pct, round, sumCounts } from "./stats.js";
import { dropSchema, ensureAccount, randomName } from "./world.js";

/** One backend's (or transport's) capacity result, as printed and stored. */
export interface CapacityPoint {
  sessionsPerSec: number;
  handshakeMs: { p50: number | null; p99: number | null };
  sessionMs: { p50: number | null; p99: number | null };
  cpuMsPerSession: number | null;
  substrateCallsPerSessionPerSide: number | null;
  pairsWithSessions: number;
  pairs: number;
  aborted: number;
  sessions: number;
  durationS: number;
}

/** A transport's entry of the `transports` result: capacity at N agents, inbound load at two fleet sizes. */
export interface TransportPoint {
  agents: number;
  sessionsPerSec: number;
  pairs: number;
  pairsWithSessions: number;
  aborted: number;
  cpuMsPerSession: number | null;
  handshakeMs: { p50: number | null; p99: number | null };
  /** Messages an agent receives per session it takes part in, keyed `at<N>` (e.g. at10, at40). */
  inboundPerAgentPerSession: Record<string, number | null>;
}

/** What a transport gives the agent hosts, and the processes to charge CPU to. */
export interface StartedTransport {
  /** The transport part of the hosts' start options. */
  readonly hostOptions: Pick<HostStartOptions, "relay" | "nats">;
  readonly pids: () => number[];
  close(): Promise<void>;
}

/** Transports the agents can meet on. */
export type TransportName = "relay" | "nats";

/** How to start each transport, in its own process. */
export const TRANSPORTS: Record<TransportName, () => Promise<StartedTransport>> = {
  /** The hsagent TCP relay (broadcasts every line to every client). */
  async relay() {
    const relay = new InfraProcess("relay");
    await relay.start();
    const [host, port] = relay.address.split(":");
    return {
      hostOptions: { relay: { host: host!, port: Number(port) } },
      pids: () => (relay.pid === null ? [] : [relay.pid]),
      close: () => relay.kill("SIGTERM"),
    };
  },
  /** A nats-server of our own on a free port (never the system one): per-recipient subjects. */
  async nats() {
    const node = await startNatsNode([]);
    return {
      hostOptions: { nats: `nats://${node.client}` },
      pids: () => (node.proc.pid === undefined ? [] : [node.proc.pid]),
      close: () => node.stop(),
    };
  },
};

/** Settings of one capacity measurement. */
export interface CapacityOptions {
  agents: number;
  procs: number;
  seconds: number;
  registerMs: number;
  transport: TransportName;
  pgUrl: string;
  /** Count the messages each agent receives (the relay is then opened by the host). */
  countInbound?: boolean;
  /** A 30 s substrate timeout instead of the client's 10 s (big fleets logging in on a loaded machine). */
  gentleStart?: boolean;
}

const WARMUP_MS = 4000;
const log = (m: string) => process.stderr.write(`[capacity] ${m}\n`);

/** Run one fleet on `backend` for `opts.seconds` after a warm-up; returns its numbers. */
export async function measureCapacity(
  backend: Backend,
  opts: CapacityOptions,
): Promise<{ point: CapacityPoint; inboundPerAgentPerSession: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), "hsagent-capacity-"));
  const schema = randomName("capacity");
  const substrate = new InfraProcess("substrate", {
    HSAGENT_FLEET_DB: backend === "postgres" ? opts.pgUrl : `sqlite:${join(dir, "substrate.db")}`,
    ...(backend === "postgres" ? { HSAGENT_FLEET_PG_SCHEMA: schema } : {}),
    HSAGENT_SUBSTRATE_JWT_SECRET: randomBytes(32).toString("hex"),
    HSAGENT_FLEET_FAST_SCRYPT: "1",
  });
  let transport: StartedTransport | null = null;
  try {
    await substrate.start();
    transport = await TRANSPORTS[opts.transport]();
    const substrateUrl = `http://${substrate.address}`;
    const account = { username: randomName("tenant"), password: randomBytes(18).toString("base64url") };
    await ensureAccount(substrateUrl, account);
    const names = Array.from({ length: opts.agents }, (_, i) => `cap-${i}`);
    // Each host starts its agents one after another (the hosts in parallel): identity set-up
    // (vault key derivation, logins) of 20 agents at once can time out on a loaded machine, and
    // start-up is not what is measured.
    const t0 = Date.now();
    const { hosts } = await startFleet(
      names,
      opts.procs,
      {
        ...transport.hostOptions,
        ...(opts.countInbound ? { countInbound: true } : {}),
        ...(opts.gentleStart ? { substrateTimeoutMs: 30_000 } : {}),
        oneByOne: true,
        substrateUrl,
        account,
        config: { registerIntervalMs: opts.registerMs, retransmitMs: 500, sessionTimeoutMs: 15_000 },
        stuckGraceMs: 2000,
      },
      { source: false, startTimeoutMs: 180_000 },
    );
    const ids = hosts.flatMap((h) => [...h.agents.values()]);
    log(
      `${backend}/${opts.transport}: ${ids.length} agents started in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    const { windows, elapsedS, cpuMs } = await measureWindow(hosts, {
      warmupMs: WARMUP_MS,
      seconds: opts.seconds,
      pids: () => [
        ...hosts.map((h) => h.child.pid ?? 0).filter((p) => p > 0),
        ...transport!.pids(),
        ...(substrate.pid === null ? [] : [substrate.pid]),
      ],
    });
    const s = summarize(windows);
    const point: CapacityPoint = {
      sessionsPerSec: round(s.sessions / elapsedS, 1)!,
      handshakeMs: { p50: round(pct(s.handshakeMs, 50)), p99: round(pct(s.handshakeMs, 99)) },
      sessionMs: { p50: round(pct(s.sessionMs, 50)), p99: round(pct(s.sessionMs, 99)) },
      cpuMsPerSession: s.sessions > 0 ? round(cpuMs / s.sessions, 2) : null,
      // Every session has two sides (initiator and responder), each an agent making calls.
      substrateCallsPerSessionPerSide: s.sessions > 0 ? round(s.calls / s.sessions / 2, 2) : null,
      pairsWithSessions: s.pairsWithSessions,
      pairs: s.pairs,
      aborted: Object.values(sumCounts(windows.map((w) => w.aborted))).reduce((a, b) => a + b, 0),
      sessions: s.sessions,
      durationS: round(elapsedS, 1)!,
    };
    return { point, inboundPerAgentPerSession: round(s.inboundPerAgentPerSession, 1) };
  } finally {
    await transport?.close().catch(() => {});
    await substrate.kill("SIGTERM").catch(() => {});
    if (backend === "postgres") await dropSchema(opts.pgUrl, schema).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * {@link measureCapacity}, tried up to 3 times: on a loaded machine a fleet's logins can time out
 * while it starts (start-up is not what is measured).
 */
export async function measureRetrying(
  backend: Backend,
  opts: CapacityOptions,
): ReturnType<typeof measureCapacity> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await measureCapacity(backend, opts);
    } catch (error) {
      if (attempt >= 3) throw error;
      log(
        `${backend}/${opts.transport} N=${opts.agents}: attempt ${attempt} failed (${(error as Error).message.slice(0, 160)})`,
      );
    }
  }
}

/** Settings of {@link measureTransports}. */
export interface TransportsOptions
  extends Omit<CapacityOptions, "transport" | "countInbound" | "gentleStart"> {
  /** The two fleet sizes of the inbound measurement (e.g. [10, 40]). */
  inboundAgents: readonly [number, number];
  /** Measured window of each inbound point, s. */
  inboundSeconds: number;
}

/**
 * Relay vs NATS on SQLite. Capacity at `opts.agents` with `opts.registerMs` (a point measured just
 * before, e.g. the SQLite backend's, is passed in `measured` and not run again); then, at the
 * default register interval, the messages one agent receives per session it takes part in with
 * `inboundAgents[0]` and `inboundAgents[1]` agents, the transports interleaved.
 */
export async function measureTransports(
  opts: TransportsOptions,
  measured: Partial<Record<TransportName, CapacityPoint>> = {},
): Promise<Record<TransportName, TransportPoint>> {
  const kinds = Object.keys(TRANSPORTS) as TransportName[];
  const capacity: Partial<Record<TransportName, CapacityPoint>> = { ...measured };
  for (const kind of kinds) {
    if (capacity[kind]) continue;
    capacity[kind] = (await measureRetrying("sqlite", { ...opts, transport: kind })).point;
    log(`transport ${kind} N=${opts.agents}: ${JSON.stringify(capacity[kind])}`);
  }
  const inbound: Record<string, number | null> = {};
  for (const agents of opts.inboundAgents)
    for (const kind of kinds) {
      const { inboundPerAgentPerSession } = await measureRetrying("sqlite", {
        ...opts,
        agents,
        procs: Math.min(agents, opts.procs),
        seconds: opts.inboundSeconds,
        registerMs: DEFAULT_RUNTIME_CONFIG.registerIntervalMs,
        transport: kind,
        countInbound: true,
        gentleStart: true,
      });
      inbound[`${kind}${agents}`] = inboundPerAgentPerSession;
      log(
        `transport ${kind} N=${agents}: ${inboundPerAgentPerSession} inbound messages per agent per session`,
      );
    }
  const out = {} as Record<TransportName, TransportPoint>;
  for (const kind of kinds) {
    const p = capacity[kind]!;
    out[kind] = {
      agents: opts.agents,
      sessionsPerSec: p.sessionsPerSec,
      pairs: p.pairs,
      pairsWithSessions: p.pairsWithSessions,
      aborted: p.aborted,
      cpuMsPerSession: p.cpuMsPerSession,
      handshakeMs: p.handshakeMs,
      inboundPerAgentPerSession: Object.fromEntries(
        opts.inboundAgents.map((n) => [`at${n}`, inbound[`${kind}${n}`] ?? null]),
      ),
    };
  }
  return out;
}
