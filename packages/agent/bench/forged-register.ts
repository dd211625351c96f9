/**
 * Forged-register bench (issue #15): two agents on loopback (real TCP relay, real HTTP substrate
 * server on a SQLite file, in this process) with the default register period (3 s ±20%). Phase 1
 * measures the responder's sessions per minute with its initiator; phase 2 repeats it while an
 * attacker on the relay sends BENCH_RATE (50) forged registers per second carrying the
 * initiator's agentId: a third unsigned, a third signed with another key, a third replays of the
 * initiator's genuine signed registers captured from the relay. Prints one JSON line: sessions
 * per minute in both phases and their ratio, the responder's substrate requests per session in
 * both phases (equal when forged lines cause none), its rejections (audit writes) and the
 * register gate's drop counters.
 *
 * Env: BENCH_SECONDS (30 per phase), BENCH_RATE (50).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatTimestamp, generateSigningKey } from "@hsagent/crypto";
import { createSignedRegister } from "@hsagent/protocol";
import { RelayClient, startRelay } from "@hsagent/relay";
import { startSubstrateServer } from "@hsagent/substrate-server";
import type { Agent } from "../src/index.js";
import { startBenchAgents } from "./agents.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_RATE ?? 50);
type Payload = Record<string, unknown>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "hsagent-forge-bench-"));
  const substrate = await startSubstrateServer({
    host: "127.0.0.1",
    port: 0,
    db: `sqlite:${join(dir, "substrate.db")}`,
    rateLimit: false,
    jwtSecret: "f".repeat(48),
  });
  const relay = await startRelay({ host: "127.0.0.1", port: 0, rateLimitPerMinute: 0 });
  const attacker = new RelayClient({ host: relay.address.host, port: relay.address.port });
  await attacker.connect();
  const genuine: Payload[] = [];
  const { agents } = await startBenchAgents({
    prefix: "forge",
    substrateUrl: substrate.url,
    relay: { host: relay.address.host, port: relay.address.port },
  });
  const [I, R] = [...agents].sort((x, y) => (x.agentId < y.agentId ? -1 : 1)) as [Agent, Agent];
  attacker.onMessage(({ payload }) => {
    const p = payload as Payload;
    if (p.intent === "register" && p.from === I.agentId) {
      genuine.push(p);
      if (genuine.length > 50) genuine.shift();
    }
  });
  let closed = 0;
  R.on("closed", (e) => {
    if (e.peer === I.agentId) closed++;
  });
  await sleep(5000); // warm-up: first sessions, caches

  const phase = async (forging: boolean) => {
    const m0 = R.metrics();
    const c0 = closed;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let sent = 0;
    let stop = false;
    const forger = generateSigningKey();
    const loop = (async () => {
      while (forging && !stop) {
        // Paced by the clock, not by sleep(): as many as are due since the phase started.
        const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
        if (sent >= due) {
          await sleep(5);
          continue;
        }
        const k = sent % 3;
        const forged: Payload =
          k === 0
            ? { from: I.agentId, to: null, intent: "register", proto: [2, 1] }
            : k === 1 || genuine.length === 0
              ? (createSignedRegister(I.agentId, forger, formatTimestamp(new Date()), [2, 1]) as never)
              : genuine[sent % genuine.length]!;
        attacker.send(forged as never).catch(() => {});
        sent++;
      }
    })();
    await sleep(SECONDS * 1000);
    stop = true;
    await loop;
    const elapsedMin = (performance.now() - t0) / 60_000;
    const cpu = process.cpuUsage(cpu0);
    await sleep(1500); // writes behind of the last sessions
    const m1 = R.metrics();
    const sessions = m1.sessions.started - m0.sessions.started;
    const rejections =
      Object.values(m1.rejections).reduce((a, b) => a + b, 0) -
      Object.values(m0.rejections).reduce((a, b) => a + b, 0);
    const dropped: Record<string, number> = {};
    for (const [k, v] of Object.entries(m1.registersDropped)) {
      const d = v - (m0.registersDropped[k] ?? 0);
      if (d > 0 && k !== "not-ready") dropped[k] = d;
    }
    return {
      forgedSent: sent,
      forgedPerSecond: Number((sent / (elapsedMin * 60)).toFixed(1)),
      sessionsStarted: sessions,
      sessionsClosed: closed - c0,
      sessionsPerMinute: Number((sessions / elapsedMin).toFixed(1)),
      substrateCalls: m1.substrateCalls - m0.substrateCalls,
      substrateCallsPerSession:
        sessions > 0 ? Number(((m1.substrateCalls - m0.substrateCalls) / sessions).toFixed(2)) : null,
      rejections,
      registersDropped: dropped,
      signaturesVerified: m1.registerSignaturesVerified - m0.registerSignaturesVerified,
      cpuMsThisProcess: Math.round((cpu.user + cpu.system) / 1000),
    };
  };

  const baseline = await phase(false);
  const attacked = await phase(true);
  const result = {
    bench: "agent-forged-register",
    secondsPerPhase: SECONDS,
    baseline,
    attacked,
    sessionsRatio:
      baseline.sessionsPerMinute > 0
        ? Number((attacked.sessionsPerMinute / baseline.sessionsPerMinute).toFixed(2))
        : null,
  };
  await attacker.close();
  await Promise.all(agents.map((a) => a.stop()));
  await relay.close();
  await substrate.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String(err)}\n`);
  process.exit(1);
});
