/**
 * One measured window of a started fleet, shared by the fleet, capacity and transport benches:
 * warm up, open a window on every host, wait, collect every agent's window, stop the hosts; and
 * the summary of those windows (sessions per pair, substrate calls, latencies, inbound messages).
 */
import { totalCpuMs } from "./cpu.js";
import type { AgentHost } from "./fleet.js";
import type { AgentWindow } from "./messages.js";
import { sessionsPerPair } from "./stats.js";

/** What {@link measureWindow} collected. */
export interface MeasuredWindow {
  /** Every hosted agent's window. */
  windows: AgentWindow[];
  elapsedS: number;
  /** CPU of the `pids` processes over the window, ms (0 without `pids`). */
  cpuMs: number;
}

/**
 * Sleep `warmupMs`, mark every host, measure for `seconds` (CPU of `pids()` when given), collect
 * the reports and stop the hosts (SIGKILL those that do not stop).
 */
export async function measureWindow(
  hosts: readonly AgentHost[],
  options: { warmupMs: number; seconds: number; pids?: () => number[] },
): Promise<MeasuredWindow> {
  const pids = options.pids ?? (() => []);
  await sleep(options.warmupMs);
  await Promise.all(hosts.map((h) => h.mark()));
  const cpu0 = totalCpuMs(pids());
  const t0 = Date.now();
  await sleep(options.seconds * 1000);
  const reports = await Promise.all(hosts.map((h) => h.report()));
  const cpuMs = totalCpuMs(pids()) - cpu0;
  const elapsedS = (Date.now() - t0) / 1000;
  await Promise.all(hosts.map((h) => h.stop().catch(() => h.kill())));
  return { windows: reports.flatMap((r) => r.agents), elapsedS, cpuMs };
}

/** The totals of a window over every agent. */
export interface WindowSummary {
  /** Sessions per unordered pair (initiators' counts). */
  perPair: Map<string, number>;
  /** Sessions closed cleanly, each counted once (by its initiator). */
  sessions: number;
  pairs: number;
  pairsWithSessions: number;
  /** Substrate requests of all agents. */
  calls: number;
  /** Initiator-side handshake and session latencies of every session, ms. */
  handshakeMs: number[];
  sessionMs: number[];
  /**
   * Messages the transport delivered to an agent per session it took part in (either role):
   * all agents' inbound counts / all agents' closed sessions; null when not counted or no session.
   */
  inboundPerAgentPerSession: number | null;
}

/** Sum up the agents' windows. */
export function summarize(windows: readonly AgentWindow[]): WindowSummary {
  const perPair = sessionsPerPair(windows);
  const counts = [...perPair.values()];
  const counted = windows.every((w) => typeof w.inbound === "number");
  const inbound = windows.reduce((a, w) => a + (w.inbound ?? 0), 0);
  const taken = windows.reduce((a, w) => a + (w.sessionsClosed ?? 0), 0);
  return {
    perPair,
    sessions: counts.reduce((a, b) => a + b, 0),
    pairs: perPair.size,
    pairsWithSessions: counts.filter((n) => n > 0).length,
    calls: windows.reduce((a, w) => a + w.substrateCalls, 0),
    handshakeMs: windows.flatMap((w) => w.handshakeMs),
    sessionMs: windows.flatMap((w) => w.sessionMs),
    inboundPerAgentPerSession: counted && windows.length > 0 && taken > 0 ? inbound / taken : null,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
