/**
 * The capacity section of docs/BENCHMARKS.md (from bench/results/capacity.json, written by
 * `pnpm bench:capacity`): method, the numbers per backend, an SVG bar chart of sessions/s, and
 * relay vs NATS side by side.
 */
import type { CapacityPoint, TransportName, TransportPoint } from "./capacity.js";
import type { MachineInfo } from "./results.js";

/** bench/results/capacity.json. */
export interface CapacityResults {
  generatedAt: string;
  method: Record<string, unknown>;
  agents: number;
  backends: Record<string, CapacityPoint>;
  /** Relay vs NATS on SQLite (absent when the run skipped it). */
  transports?: Record<TransportName, TransportPoint>;
  machine?: MachineInfo;
  /** 1/5/15-minute load averages when the run started and ended. */
  loadavg?: { start: number[]; end: number[] };
  /** Wall time of the whole run, s. */
  wallS?: number;
  skipped?: Record<string, string>;
}

const fmt = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);

/** A horizontal bar chart of sessions/s per backend (self-contained SVG). */
export function renderCapacityChart(r: CapacityResults): string {
  const entries = Object.entries(r.backends);
  const max = Math.max(1, ...entries.map(([, p]) => p.sessionsPerSec));
  const rowH = 34;
  const width = 640;
  const left = 110;
  const height = 40 + entries.length * rowH;
  const bars = entries.map(([name, p], i) => {
    const y = 30 + i * rowH;
    const w = Math.max(1, Math.round(((width - left - 90) * p.sessionsPerSec) / max));
    return (
      `<text x="${left - 8}" y="${y + 17}" text-anchor="end" font-size="13">${name}</text>` +
      `<rect x="${left}" y="${y}" width="${w}" height="24" fill="${name === "sqlite" ? "#4c78a8" : "#f58518"}"/>` +
      `<text x="${left + w + 6}" y="${y + 17}" font-size="13">${fmt(p.sessionsPerSec)} sessions/s</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<text x="10" y="18" font-size="14">Capacity: ${r.agents} agents, sessions per second</text>${bars.join("")}</svg>\n`
  );
}

/** Markdown lines of the capacity section. */
export function renderCapacity(r: CapacityResults): string[] {
  const rows = [
    "| backend | sessions/s | handshake p50 / p99 (ms) | session p50 / p99 (ms) | CPU ms / session (all processes) | substrate calls / session / side | pairs with sessions | aborted |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [name, p] of Object.entries(r.backends))
    rows.push(
      `| ${name} | ${fmt(p.sessionsPerSec)} | ${fmt(p.handshakeMs.p50)} / ${fmt(p.handshakeMs.p99)} | ${fmt(p.sessionMs.p50)} / ${fmt(p.sessionMs.p99)} | ` +
        `${fmt(p.cpuMsPerSession, 2)} | ${fmt(p.substrateCallsPerSessionPerSide, 2)} | ${p.pairsWithSessions}/${p.pairs} | ${p.aborted} |`,
    );
  const machine = r.machine
    ? `Machine: ${r.machine.nproc} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}` +
      (r.loadavg ? `; load average ${r.loadavg.start[0]} at the start, ${r.loadavg.end[0]} at the end` : "") +
      (r.wallS ? `; ${r.wallS} s in all.` : ".")
    : null;
  return [
    "## Capacity",
    "",
    `Measured ${r.generatedAt} by \`pnpm bench:capacity\`: ${r.agents} agents, ${String(r.method.procs)} worker processes, ` +
      `transport \`${String(r.method.transport)}\`, ${String(r.method.seconds)} s per backend after a warm-up.`,
    `- ${String(r.method.limit)}.`,
    `- ${String(r.method.processes)}.`,
    ...(machine ? [`- ${machine}`] : []),
    "",
    rows.join("\n"),
    "",
    "![Capacity: sessions per second](../bench/results/capacity-chart.svg)",
    "",
    ...(r.transports ? renderTransports(r.transports, String(r.method.transports ?? "")) : []),
  ];
}

/** Relay vs NATS side by side (the `transports` part of the capacity run). */
export function renderTransports(t: Record<TransportName, TransportPoint>, method: string): string[] {
  const { relay, nats } = t;
  const sizes = Object.keys(relay.inboundPerAgentPerSession);
  const row = (label: string, f: (p: TransportPoint) => string) => `| ${label} | ${f(relay)} | ${f(nats)} |`;
  const growth = (p: TransportPoint) => {
    const [lo, hi] = sizes.map((k) => p.inboundPerAgentPerSession[k] ?? null);
    return lo && hi !== null && hi !== undefined ? `${(hi / lo).toFixed(2)}×` : "–";
  };
  return [
    "### Relay vs NATS",
    "",
    `\`pnpm bench:capacity\` (alone: \`pnpm --filter @hsagent/fleet bench:transports\`). ${method.charAt(0).toUpperCase()}${method.slice(1)}.`,
    "The relay sends every line to every client; NATS delivers a directed message only on its recipient's subject.",
    "Messages received count everything the transport hands an agent, including `register` broadcasts: on the relay",
    "every agent hears every other one's (N per register interval); on NATS only those of smaller ids, the ones it",
    "may answer (ordered discovery). At 40 agents the fleet cannot run one session per pair per interval (CPU-bound):",
    "held registers wait for a slot, the adaptive retransmit timeout and session cap keep late answers from",
    "being re-sent, and agents whose cap is cut register less often (register backoff), so the messages per",
    "session stay close to the protocol's own on NATS.",
    "",
    "| | relay | NATS |",
    "|---|---:|---:|",
    row(`sessions/s (${relay.agents} agents)`, (p) => fmt(p.sessionsPerSec)),
    row("pairs with sessions", (p) => `${p.pairsWithSessions}/${p.pairs}`),
    row("aborted", (p) => String(p.aborted)),
    row("CPU ms / session (all processes)", (p) => fmt(p.cpuMsPerSession, 2)),
    row("handshake p50 / p99 (ms)", (p) => `${fmt(p.handshakeMs.p50)} / ${fmt(p.handshakeMs.p99)}`),
    ...sizes.map((k) =>
      row(`messages received per agent per session, ${k.slice(2)} agents`, (p) =>
        fmt(p.inboundPerAgentPerSession[k]),
      ),
    ),
    row(`growth ${sizes.map((k) => k.slice(2)).join(" → ")} agents`, growth),
    "",
  ];
}
