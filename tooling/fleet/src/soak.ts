/**
 * Soak run: `pnpm --filter @hsagent/fleet soak -- --agents 20 --minutes 5`. Every pair keeps
 * completing sessions for the whole run; at the end it reports (JSON, last stdout line) sessions
 * per pair, stuck sessions, RSS per agent process, rejections, crashed processes and audit
 * chain validation, writes `bench/results/soak.json` and regenerates docs/BENCHMARKS.md.
 * Exit code 1 if any acceptance check fails.
 *
 * Flags: --agents N (20), --minutes M (5), --procs P (default N: one process per agent),
 * --backend sqlite|postgres (sqlite), --register-interval-ms N (3000), --out soak[-name] (the
 * results file, default soak), --no-write (do not touch bench/results or docs).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type AgentHost, startFleet } from "./fleet.js";
import { machineInfo } from "./machine.js";
import type { AgentFinal, AgentWindow } from "./messages.js";
import { RESULTS_DIR } from "./paths.js";
import type { Backend, SoakResults } from "./results.js";
import { pct, round, sessionsPerPair, sumCounts } from "./stats.js";
import { DEFAULT_PG_URL, startWorld } from "./world.js";
import { writeDocs } from "./write-docs.js";

/** The agent settings of the soak: the runtime defaults. */
const AGENT_CONFIG = { registerIntervalMs: 3000, retransmitMs: 500, sessionTimeoutMs: 15_000 };
const STUCK_GRACE_MS = 2000;
const WARMUP_MAX_MS = 60_000;
const STOP_TIMEOUT_MS = 90_000;
const MiB = 2 ** 20;

function log(message: string): void {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function int(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${flag} must be a positive number`);
  return v;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== "--"),
    options: {
      agents: { type: "string" },
      minutes: { type: "string" },
      procs: { type: "string" },
      backend: { type: "string" },
      "register-interval-ms": { type: "string" },
      out: { type: "string" },
      "no-write": { type: "boolean" },
    },
    strict: true,
  });
  const agents = Math.floor(int(values.agents, 20, "agents"));
  const minutes = int(values.minutes, 5, "minutes");
  const procs = Math.floor(int(values.procs, agents, "procs"));
  const backend = (values.backend ?? "sqlite") as Backend;
  const agentConfig = {
    ...AGENT_CONFIG,
    registerIntervalMs: Math.floor(
      int(values["register-interval-ms"], AGENT_CONFIG.registerIntervalMs, "register-interval-ms"),
    ),
  };
  const out = values.out ?? "soak";
  if (!/^soak[A-Za-z0-9_-]*$/.test(out)) throw new Error("--out must look like soak[-name]");
  if (backend !== "sqlite" && backend !== "postgres") throw new Error("--backend must be sqlite or postgres");
  const world = await startWorld(backend, process.env.HSAGENT_TEST_PG_URL ?? DEFAULT_PG_URL);
  let hosts: AgentHost[] = [];
  try {
    log(`starting ${agents} agents in ${procs} processes on ${backend}`);
    ({ hosts } = await startFleet(
      Array.from({ length: agents }, (_, i) => `soak-${i}`),
      procs,
      {
        relay: world.relay.address,
        substrateUrl: world.substrate.url,
        account: world.account,
        config: agentConfig,
        stuckGraceMs: STUCK_GRACE_MS,
      },
      { startTimeoutMs: 180_000, source: false },
    ));
    await Promise.all(hosts.map((h) => h.mark()));
    const rssReady = hosts.map((h) => h.rssAtStart);
    // RSS baseline after a warm-up (heap sizing, JIT, connection pools): growth after it is what leaks.
    const warmupMs = Math.min(WARMUP_MAX_MS, minutes * 60_000 * 0.2);
    await new Promise((r) => setTimeout(r, warmupMs));
    const rssStart = (await Promise.all(hosts.map((h) => h.report()))).map((r) => r.rss);
    log(`warm-up ${warmupMs / 1000} s done; RSS baseline taken`);
    const crashed = new Set<AgentHost>();
    for (const h of hosts)
      void h.exited.then(({ code, signal }) => {
        if (code !== 0 || signal !== null) crashed.add(h);
      });
    const endAt = Date.now() + minutes * 60_000 - warmupMs;
    while (Date.now() < endAt) {
      await new Promise((r) => setTimeout(r, Math.min(30_000, Math.max(0, endAt - Date.now()))));
      const live = hosts.filter((h) => !crashed.has(h));
      const reports = await Promise.all(live.map((h) => h.report().catch(() => null)));
      const windows = reports.flatMap((r) => r?.agents ?? []);
      const pairs = [...sessionsPerPair(windows).values()];
      log(
        `sessions ${pairs.reduce((a, b) => a + b, 0)}, per pair min ${Math.min(...pairs)} max ${Math.max(...pairs)}, ` +
          `stuck ${windows.reduce((a, w) => a + w.stuck, 0)}, crashed ${crashed.size}, ` +
          `rss max ${(Math.max(...reports.map((r) => r?.rss ?? 0)) / MiB).toFixed(0)} MiB`,
      );
    }
    const reports = await Promise.all(hosts.map((h) => h.report().catch(() => null)));
    const windows: AgentWindow[] = reports.flatMap((r) => r?.agents ?? []);
    const rssEnd = reports.map((r) => r?.rss ?? 0);
    const finals: AgentFinal[] = [];
    let stopFailures = 0;
    const stopped = await Promise.all(
      hosts.map((h) =>
        h.stop(STOP_TIMEOUT_MS).catch((error: unknown) => {
          log(`host stop failed: ${(error as Error).message.slice(0, 300)}`);
          stopFailures++;
          return null;
        }),
      ),
    );
    for (const r of stopped) if (r) finals.push(...r.agents);
    const perProc = hosts.map((h) => Math.max(1, h.agents.size));
    const growth = rssEnd.map((end, i) => (end - rssStart[i]!) / MiB / perProc[i]!);
    const pairs = [...sessionsPerPair(windows).values()];
    const handshake = windows.flatMap((w) => w.handshakeMs);
    const stuck = windows.reduce((a, w) => a + w.stuck, 0);
    const left = finals.reduce((a, f) => a + (f.sessionsLeft < 0 ? 1 : f.sessionsLeft), 0);
    const result: SoakResults = {
      generatedAt: new Date().toISOString(),
      machine: machineInfo(),
      agents,
      procs: hosts.length,
      minutes,
      backend,
      agentConfig,
      sessions: pairs.reduce((a, b) => a + b, 0),
      sessionsPerPair: { min: Math.min(...pairs), max: Math.max(...pairs), pairs: pairs.length },
      stuckSessions: stuck,
      stuckStates: sumCounts(windows.map((w) => w.stuckStates)),
      sessionsLeftAfterStop: left,
      longestActiveMs: Math.max(0, ...windows.map((w) => w.longestActiveMs)),
      rssMiB: {
        ready: rssReady.map((v) => round(v / MiB, 1)!),
        warmupS: warmupMs / 1000,
        start: rssStart.map((v) => round(v / MiB, 1)!),
        end: rssEnd.map((v) => round(v / MiB, 1)!),
        maxGrowthPerAgent: round(Math.max(...growth), 1)!,
      },
      rejections: sumCounts(windows.map((w) => w.rejections)),
      aborted: sumCounts(windows.map((w) => w.aborted)),
      crashedProcesses: crashed.size,
      stopFailures,
      audit: {
        chains: agents,
        valid: finals.filter((f) => f.auditValid).length,
        pendingAfterStop: finals.reduce((a, f) => a + f.auditPending, 0),
      },
      handshakeP50Ms: round(pct(handshake, 50)),
      handshakeP99Ms: round(pct(handshake, 99)),
      ok: false,
    };
    result.ok =
      stuck === 0 &&
      left === 0 &&
      crashed.size === 0 &&
      stopFailures === 0 &&
      result.rssMiB.maxGrowthPerAgent < 20 &&
      result.audit.valid === agents &&
      result.sessionsPerPair.min > 0;
    for (const f of finals.filter((x) => x.error || !x.auditValid))
      log(`agent ${f.name}: audit ${f.auditValid ? "valid" : `INVALID ${f.auditError}`} ${f.error ?? ""}`);
    if (!values["no-write"]) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      writeFileSync(`${RESULTS_DIR}${out}.json`, `${JSON.stringify(result, null, 2)}\n`);
      writeDocs();
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exitCode = result.ok ? 0 : 1;
  } finally {
    await Promise.all(hosts.map((h) => h.kill()));
    await world.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
