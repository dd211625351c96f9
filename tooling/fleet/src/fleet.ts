/**
 * Parent side of the fleet: fork agent-host worker processes (each hosting some agents), drive
 * them over IPC, and merge what they report. Used by the bench, the soak run and the fault tests.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AgentFinal, AgentWindow, HostMessage, StartCommand } from "./messages.js";

/** The worker script, run with tsx (from src/ even when this module runs from dist/). */
const HOST_SCRIPT = fileURLToPath(new URL("../src/agent-host.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

/** An error of the fleet harness, with a machine-readable code. */
export class FleetError extends Error {
  /** Machine-readable reason. */
  readonly code: "HOST_START_FAILED" | "HOST_EXITED" | "HOST_TIMEOUT";
  constructor(code: FleetError["code"], message: string) {
    super(message);
    this.name = "FleetError";
    this.code = code;
  }
}

/** A session closed by an initiator, as reported by its host. */
export interface ClosedRecord {
  name: string;
  peer: string;
  sid: string | null;
  at: number;
}

/** Options of {@link AgentHost.start}. */
export type HostStartOptions = Omit<StartCommand, "cmd">;

/** One worker process hosting one or more agents. */
export class AgentHost {
  readonly child: ChildProcess;
  /** Agents hosted (after start), name → agentId. */
  readonly agents = new Map<string, string>();
  /** Sessions closed by this host's agents as initiator. */
  readonly closed: ClosedRecord[] = [];
  /** Closed sids whose audit events the host saw written (per agent name). */
  readonly acked = new Map<string, Set<string>>();
  stderr = "";
  rssAtStart = 0;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: { type: HostMessage["type"]; resolve: (m: HostMessage) => void }[] = [];

  /**
   * @param env extra environment of the worker.
   * @param source load sibling packages from their TypeScript sources (tests; no build needed)
   *   instead of their built dist (bench and soak: what users run).
   */
  constructor(env: Record<string, string> = {}, source = true) {
    this.child = fork(HOST_SCRIPT, [], {
      execArgv: [...(source ? ["--conditions=source"] : []), "--expose-gc", "--import", TSX],
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      if (this.stderr.length < 100_000) this.stderr += chunk;
    });
    this.child.on("message", (raw) => this.#onMessage(raw as HostMessage));
    // "close", not "exit": "exit" can come before the last IPC messages (the stop report) are read.
    this.exited = new Promise((resolve) =>
      this.child.on("close", (code, signal) => {
        resolve({ code, signal });
        for (const w of this.#waiters.splice(0)) w.resolve({ type: "start-failed", error: "exited" });
      }),
    );
  }

  #onMessage(m: HostMessage): void {
    if (m.type === "closed") this.closed.push({ name: m.name, peer: m.peer, sid: m.sid, at: m.at });
    if (m.type === "acked") {
      const set = this.acked.get(m.name) ?? new Set<string>();
      for (const sid of m.sids) set.add(sid);
      this.acked.set(m.name, set);
    }
    const i = this.#waiters.findIndex(
      (w) => w.type === m.type || (w.type === "ready" && m.type === "start-failed"),
    );
    if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(m);
  }

  #request<T extends HostMessage["type"]>(
    command: object,
    reply: T,
    timeoutMs: number,
  ): Promise<Extract<HostMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        reject(new FleetError("HOST_EXITED", `agent host exited; stderr: ${this.stderr.slice(-500)}`));
        return;
      }
      const timer = setTimeout(() => {
        reject(new FleetError("HOST_TIMEOUT", `no ${reply} from agent host within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push({
        type: reply,
        resolve: (m) => {
          clearTimeout(timer);
          if (m.type === "start-failed")
            reject(new FleetError("HOST_START_FAILED", `${m.error}; stderr: ${this.stderr.slice(-500)}`));
          else resolve(m as Extract<HostMessage, { type: T }>);
        },
      });
      this.child.send(command);
    });
  }

  /** Start the agents; resolves once every one is up (identity ready, relay joined). */
  async start(options: HostStartOptions, timeoutMs = 60_000): Promise<void> {
    const m = await this.#request({ cmd: "start", ...options }, "ready", timeoutMs);
    for (const a of m.agents) this.agents.set(a.name, a.agentId);
    this.rssAtStart = m.rss;
  }

  /** Tell the host every agentId of the fleet (enables the stuck-session watch). */
  peers(ids: string[]): void {
    this.child.send({ cmd: "peers", ids });
  }

  /** Start a new measurement window. */
  async mark(): Promise<void> {
    await this.#request({ cmd: "mark" }, "marked", 10_000);
  }

  /** The current window of every hosted agent. */
  async report(): Promise<{ rss: number; agents: AgentWindow[] }> {
    const m = await this.#request({ cmd: "report" }, "report", 15_000);
    return { rss: m.rss, agents: m.agents };
  }

  /** Stop gracefully; returns the post-stop checks. */
  async stop(timeoutMs = 30_000): Promise<{ rss: number; agents: AgentFinal[] }> {
    const m = await this.#request({ cmd: "stop" }, "stopped", timeoutMs);
    await this.exited;
    return { rss: m.rss, agents: m.agents };
  }

  /** SIGKILL the host (fault injection). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}

/** Split `names` over `procs` hosts as evenly as possible. */
export function partition<T>(items: readonly T[], procs: number): T[][] {
  const n = Math.max(1, Math.min(procs, items.length));
  const out: T[][] = Array.from({ length: n }, () => []);
  for (const [i, item] of items.entries()) out[i % n]!.push(item);
  return out.filter((g) => g.length > 0);
}

/** Options of {@link startFleet}. */
export interface FleetOptions {
  /** Extra environment of the worker processes. */
  env?: Record<string, string>;
  /** Start the first host alone, wait this long and measure its substrate requests/s (idle probe). */
  idleProbeMs?: number;
  /** Per-host start timeout, ms (default 120000). */
  startTimeoutMs?: number;
  /** Load sibling packages from sources (default true) or built dist (false). */
  source?: boolean;
}

/** A started fleet. */
export interface StartedFleet {
  hosts: AgentHost[];
  /** Substrate requests/s of the first host's agents while alone (when `idleProbeMs` was given). */
  idleRequestsPerSec: number | null;
}

/**
 * Start hosts for `names` split over `procs` processes, and wire the stuck watch. The tenant
 * account must exist already (see `ensureAccount`), so hosts can start in parallel.
 */
export async function startFleet(
  names: readonly string[],
  procs: number,
  options: Omit<HostStartOptions, "names">,
  fleet: FleetOptions = {},
): Promise<StartedFleet> {
  const groups = partition(names, procs);
  const hosts = groups.map(() => new AgentHost(fleet.env, fleet.source ?? true));
  const timeout = fleet.startTimeoutMs ?? 120_000;
  let idle: number | null = null;
  try {
    let rest = hosts.map((h, i) => ({ h, i }));
    if (fleet.idleProbeMs !== undefined) {
      const first = hosts[0]!;
      await first.start({ ...options, names: groups[0]! }, timeout);
      await new Promise((r) => setTimeout(r, 500));
      await first.mark();
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, fleet.idleProbeMs));
      const report = await first.report();
      const calls = report.agents.reduce((a, w) => a + w.substrateCalls, 0);
      idle = calls / ((Date.now() - t0) / 1000) / Math.max(1, report.agents.length);
      rest = rest.slice(1);
    }
    await Promise.all(rest.map(({ h, i }) => h.start({ ...options, names: groups[i]! }, timeout)));
  } catch (error) {
    await Promise.all(hosts.map((h) => h.kill()));
    throw error;
  }
  const ids = hosts.flatMap((h) => [...h.agents.values()]);
  for (const h of hosts) h.peers(ids);
  return { hosts, idleRequestsPerSec: idle };
}
