/**
 * Legacy interop bench (issue #17): the three timed acceptance runs, in real time, against the
 * simulated HSAgent_2 peers of test/legacy-peer.ts over a real TCP relay and a real substrate
 * server (SQLite), run side by side:
 *
 *  A. `allowLegacy`, slow v1 initiator (close every 1 s for 4 s, deaf to confirm meanwhile,
 *     registers every 1 s without `proto`) for A_MIN minutes: per session, the peer's time from
 *     ready to handshake complete, our handshake and session latency; aborts.
 *  B. legacy off, a v1 initiator and a v1 responder (re-sends its confirm every 1 s, registers
 *     every 1 s) for B_MIN minutes: sessions, refusal log lines, malformed/unexpected
 *     rejections, audit blocks.
 *  C. the real `hsagentd` process (apps/daemon/dist, build it first), one agent, and a peer
 *     re-sending a refused confirm (bad signature) every second for C_MIN minutes: audit blocks,
 *     warn lines in the daemon's log, and the totals in its /metrics.
 *
 * Env: LEGACY_A_MIN (2), LEGACY_B_MIN (2), LEGACY_C_MIN (5). Prints one JSON object (last line).
 * Timing on a loaded machine is inflated; CPU time of this process is reported too.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSubstrateStores, SubstrateIdentityRegistry } from "@hsagent/stores";
import { SubstrateClient } from "@hsagent/substrate-client";
import pino from "pino";
import { type Agent, createAgent } from "../src/index.js";
import { startWorld, type World } from "../test/helpers.js";
import { LegacyInitiator, LegacyPeer, SLOW_V1_INITIATOR } from "../test/legacy-peer.js";

const MIN = 60_000;
const A_MS = Number(process.env.LEGACY_A_MIN ?? 2) * MIN;
const B_MS = Number(process.env.LEGACY_B_MIN ?? 2) * MIN;
const C_MS = Number(process.env.LEGACY_C_MIN ?? 5) * MIN;
const DAEMON_BIN = fileURLToPath(new URL("../../../apps/daemon/dist/bin/hsagentd.js", import.meta.url));
const V1_RESPONDER_ID = "ffffffff-ffff-4fff-bfff-fffffffffffd";
const NOISY_ID = "ffffffff-ffff-4fff-bfff-fffffffffffc";
const REFUSAL = /speaks only protocol v1; enable --allow-legacy to talk to it$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const max = (xs: number[]) => (xs.length > 0 ? Math.max(...xs) : null);

interface LogLine {
  msg: string;
  peer?: string;
  reason?: string;
  level: number;
}

let arrived = 0;
let release: () => void = () => {};
const allReady = new Promise<void>((r) => {
  release = r;
});
/** Wait until all three scenarios are set up, so no scenario's start-up loads another's measurement. */
function allSetUp(): Promise<void> {
  if (++arrived === 3) release();
  return allReady;
}

async function agentWithLog(world: World, name: string, config: Record<string, unknown>) {
  const lines: LogLine[] = [];
  const agent: Agent = createAgent({
    name,
    relay: { host: world.relay.address.host, port: world.relay.address.port },
    substrate: { client: world.client() },
    vaultPassphrase: `passphrase-of-${name}`,
    config,
    logger: pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) }),
  });
  await agent.start();
  return { agent, lines };
}

async function runA(world: World) {
  const { agent } = await agentWithLog(world, "bench-a", { allowLegacy: true });
  const init = await LegacyInitiator.join(world, {
    id: "00000000-0000-4000-8000-00000000000a",
    name: "v1-a",
  });
  await allSetUp();
  init.engage({ agentId: agent.agentId, signPubB64: agent.identity.signPubB64 }, SLOW_V1_INITIATOR);
  await sleep(A_MS);
  await init.close();
  await agent.stop();
  const m = agent.metrics();
  const ours = agent.latencySamples();
  const t = init.timings;
  return {
    minutes: A_MS / MIN,
    sessions: t.length,
    peerReadyToHandshakeMs: {
      max: max(t.map((x) => x.readyToHandshake)),
      maxAfterFirst: max(t.slice(1).map((x) => x.readyToHandshake)),
      all: t.map((x) => x.readyToHandshake),
    },
    peerSessionMs: { max: max(t.map((x) => x.session)) },
    ourHandshakeMs: { max: max(ours.handshakeMs) },
    ourSessionMs: { max: max(ours.sessionMs) },
    aborted: m.sessions.aborted,
    confirmsIgnoredByPeer: init.confirmsIgnored,
    registersHeld: m.legacyRegistersHeld,
    rejections: m.rejections,
  };
}

async function runB(world: World) {
  const { agent, lines } = await agentWithLog(world, "bench-b", {});
  const target = { agentId: agent.agentId, signPubB64: agent.identity.signPubB64 };
  const init = await LegacyInitiator.join(world, {
    id: "00000000-0000-4000-8000-00000000000b",
    name: "v1-b-init",
  });
  const resp = await LegacyPeer.join(world, { id: V1_RESPONDER_ID, name: "v1-b-resp" });
  await allSetUp();
  init.engage(target, SLOW_V1_INITIATOR);
  resp.engage(target, { resendConfirmMs: 1000, registerMs: 1000 });
  await sleep(B_MS);
  await Promise.all([init.close(), resp.close()]);
  await agent.stop();
  const m = agent.metrics();
  const audit = await agent.stores.audit.recent(10_000);
  const blocks = audit.filter((e) => e.type.endsWith("_REJECTED"));
  return {
    minutes: B_MS / MIN,
    sessionsStarted: m.sessions.started,
    refusalLogLines: lines.filter((l) => REFUSAL.test(l.msg)).map((l) => l.msg),
    warnLines: lines.filter((l) => l.level >= 40).length,
    malformed: m.rejections.malformed ?? 0,
    unexpected: m.rejections.unexpected ?? 0,
    rejections: m.rejections,
    auditBlocks: blocks.map((b) => ({ peer: b.peer, reason: b.reason, count: b.detail?.count })),
    legacyRefusals: m.legacyRefusals,
    legacyIgnored: m.legacyIgnored,
    confirmsSentByV1Responder: resp.confirmsSent,
  };
}

function metric(text: string, name: string, labels: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").pop()) : null;
}

async function runC(world: World) {
  const username = `daemon${Math.random().toString(36).slice(2, 8)}`;
  const password = "Bench-Daemon-Pw-2718";
  const passphrase = "Bench-Daemon-Vault-31415";
  const setup = new SubstrateClient({
    baseUrl: world.substrate.url,
    credentials: { username, password },
    autoRegister: true,
  });
  await setup.login();
  const cfg = join(world.dir, "hsagentd.json");
  writeFileSync(
    cfg,
    JSON.stringify({
      substrate: world.substrate.url,
      relay: `127.0.0.1:${world.relay.address.port}`,
      agents: ["target"],
      http: { host: "127.0.0.1", port: 0 },
    }),
  );
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "" };
  Object.assign(env, {
    HSAGENT_USERNAME: username,
    HSAGENT_PASSWORD: password,
    HSAGENT_VAULT_PASSPHRASE: passphrase,
  });
  const child: ChildProcess = spawn(process.execPath, [DAEMON_BIN, "--config", cfg], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  const closed = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  let url: string | undefined;
  for (let i = 0; i < 300 && !url; i++) {
    url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1];
    if (!url) await sleep(100);
  }
  if (!url) throw new Error("hsagentd did not start");
  for (let i = 0; i < 300 && (await fetch(`${url}/readyz`)).status !== 200; i++) await sleep(100);
  const registry = new SubstrateIdentityRegistry(setup);
  const me = await registry.hydrate("target", passphrase);
  if (!me) throw new Error("no target identity");
  // The noisy peer lives in the daemon's tenant.
  const tenantWorld: World = {
    ...world,
    client: () => new SubstrateClient({ baseUrl: world.substrate.url, credentials: { username, password } }),
  };
  const noisy = await LegacyPeer.join(tenantWorld, { id: NOISY_ID, name: "noisy" });
  await allSetUp();
  noisy.engage(
    { agentId: me.identity.agentId, signPubB64: me.identity.signPubB64 },
    { resendConfirmMs: 1000, corruptSig: true },
  );
  await sleep(C_MS);
  await noisy.close();
  const metricsText = await (await fetch(`${url}/metrics`)).text();
  child.kill("SIGTERM");
  const code = await closed;
  const stores = createSubstrateStores(setup, {
    agentId: me.identity.agentId,
    identityObjId: me.identity.identityObjId,
    identity: registry,
  });
  const audit = await stores.audit.recent(10_000);
  const blocks = audit.filter((e) => e.type.endsWith("_REJECTED") && e.peer === NOISY_ID);
  const lines = out.split("\n").flatMap((l): LogLine[] => {
    try {
      return [JSON.parse(l) as LogLine];
    } catch {
      return [];
    }
  });
  const total = metric(metricsText, "hsagent_rejections_total", 'agent="target",reason="bad-signature"');
  return {
    minutes: C_MS / MIN,
    confirmsSent: noisy.confirmsSent,
    metricsRejectionsBadSignature: total,
    metricsAuditBlocks: metric(metricsText, "hsagent_rejection_audit_blocks_total", 'agent="target"'),
    metricsWarnsSuppressed: metric(metricsText, "hsagent_rejection_warns_suppressed_total", 'agent="target"'),
    auditBlocks: blocks.length,
    auditBlockCounts: blocks.map((b) => b.detail?.count),
    auditCountSum: blocks.reduce((n, b) => n + Number(b.detail?.count ?? 0), 0),
    warnLines: lines.filter((l) => l.level === 40 && typeof l.reason === "string" && l.peer === NOISY_ID)
      .length,
    daemonExit: code,
  };
}

const cpu0 = process.cpuUsage();
const started = Date.now();
const worlds = await Promise.all([startWorld(), startWorld(), startWorld()]);
try {
  const [a, b, c] = await Promise.all([runA(worlds[0]!), runB(worlds[1]!), runC(worlds[2]!)]);
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      A_slowV1InitiatorAllowLegacy: a,
      B_legacyOffV1Peers: b,
      C_refusedConfirmEverySecond: c,
      wallSeconds: (Date.now() - started) / 1000,
      benchProcessCpuSeconds: (cpu.user + cpu.system) / 1e6,
    }),
  );
} finally {
  await Promise.all(worlds.map((w) => w.close()));
}
