/**
 * Legacy interop without thin margins (issue #17), through the real TCP relay and an in-process
 * substrate server, against simulated HSAgent_2 peers that behave as the original was measured
 * to: a slow v1 initiator (close every 1 s for 4 s, deaf to confirm meanwhile, registers without
 * `proto`), a v1 responder re-sending a refused confirm every second. Checks: pacing (no confirm
 * wasted on a deaf peer, no abort), the one clear refusal with legacy off (no session, one log
 * line per peer, no malformed/unexpected, one audit block each), and aggregated audit blocks with
 * exact counts and a bounded number of warn lines.
 */
import { randomBytes } from "node:crypto";
import { RelayClient } from "@hsagent/relay";
import type { AuditEvent } from "@hsagent/stores";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, AgentConfig } from "../src/index.js";
import { startAgent, startWorld, type World, waitFor } from "./helpers.js";
import { LegacyInitiator, LegacyPeer, SLOW_V1_INITIATOR } from "./legacy-peer.js";

/** A v1 responder id other than LEGACY_ID (greater than any agent's, so it responds). */
const OTHER_V1_ID = "ffffffff-ffff-4fff-bfff-fffffffffffd";
const NOISY_ID = "ffffffff-ffff-4fff-bfff-fffffffffffc";
/** v1 initiator ids (smaller than any agent's). */
const FORGED_INIT_ID = "00000000-0000-4000-8000-000000000003";
const OTHER_INIT_ID = "00000000-0000-4000-8000-000000000002";
const REFUSAL = /^peer (\S+) speaks only protocol v1; enable --allow-legacy to talk to it$/;

interface LogLine {
  level: number;
  msg: string;
  peer?: string;
  reason?: string;
}

/** A rejection warn line (whatever its wording): level warn with a `reason` field. */
const isRejectionWarn = (l: LogLine) => l.level === 40 && typeof l.reason === "string";

/** An agent on the world whose pino log lines are kept (parsed) in `lines`. */
async function loggedAgent(world: World, name: string, config: Partial<AgentConfig>) {
  const lines: LogLine[] = [];
  const logger = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) });
  const agent = await startAgent(world, name, config, { logger });
  return { agent, lines };
}

const rejectionsIn = (events: AuditEvent[], peer: string) =>
  events.filter((e) => e.type.endsWith("_REJECTED") && e.peer === peer);

describe("legacy interop margins", () => {
  let world: World;
  const agents: Agent[] = [];
  const peers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(agents.map((a) => a.stop()));
    await world?.close();
  });

  it("allowLegacy + slow v1 initiator: its register is held until its closes stop; no wasted confirm, no abort", async () => {
    const { agent } = await loggedAgent(world, "pacer", { allowLegacy: true });
    agents.push(agent);
    const init = await LegacyInitiator.join(world);
    peers.push(init);
    init.engage({ agentId: agent.agentId, signPubB64: agent.identity.signPubB64 }, SLOW_V1_INITIATOR);
    await waitFor(() => init.completed >= 3, 60_000, "3 sessions with the slow v1 initiator");
    const m = agent.metrics();
    expect(m.sessions.aborted).toBe(0);
    // Without pacing, every session after the first opens with a confirm the deaf peer ignores.
    expect(init.confirmsIgnored).toBeLessThan(init.completed - 1);
    expect(m.legacyRegistersHeld).toBeGreaterThan(0);
    expect(Object.keys(m.rejections)).toEqual([]);
    expect(init.received).toContain("I am OK!");
    await init.close();
    await agent.stop();
  }, 90_000);

  it("allowLegacy: forged closes in a v1 initiator's name do not stall it", async () => {
    const { agent } = await loggedAgent(world, "pacer-2", { allowLegacy: true });
    agents.push(agent);
    const init = await LegacyInitiator.join(world, { id: FORGED_INIT_ID, name: "legacy-init-3" });
    const forger = new RelayClient({ host: world.relay.address.host, port: world.relay.address.port });
    await forger.connect();
    peers.push(init, forger);
    const forge = setInterval(() => {
      const ref = () => randomBytes(9).toString("base64url");
      forger
        .send({
          from: FORGED_INIT_ID,
          to: agent.agentId,
          intent: "close",
          your_ref: ref(),
          my_ref: ref(),
        } as never)
        .catch(() => {});
    }, 250);
    try {
      init.engage({ agentId: agent.agentId, signPubB64: agent.identity.signPubB64 }, { closeCount: 1 });
      // Were forged closes noted, the peer would count as still closing forever: no session at all.
      await waitFor(() => init.completed >= 3, 30_000, "3 sessions despite the forged closes");
      expect(agent.metrics().sessions.aborted).toBe(0);
    } finally {
      clearInterval(forge);
      await init.close();
      await agent.stop();
    }
  }, 60_000);

  it("legacy off: v1-only peers get no session, one log line each, no malformed/unexpected, one audit block each", async () => {
    const { agent, lines } = await loggedAgent(world, "strict", { rejectionWindowMs: 2000 });
    agents.push(agent);
    const target = { agentId: agent.agentId, signPubB64: agent.identity.signPubB64 };
    const init = await LegacyInitiator.join(world, { id: OTHER_INIT_ID, name: "legacy-init-2" }); // registers without proto
    const resp = await LegacyPeer.join(world, { id: OTHER_V1_ID, name: "legacy-resp" }); // v1 responder
    peers.push(init, resp);
    init.engage(target, SLOW_V1_INITIATOR);
    resp.engage(target, { resendConfirmMs: 1000, registerMs: 1000 });
    await waitFor(
      () => agent.metrics().legacyIgnored >= 10 && resp.confirmsSent >= 6,
      30_000,
      "v1 peers ignored during their back-off",
    );
    const m = agent.metrics();
    expect(m.sessions.started).toBe(0);
    expect(m.legacyRefusals).toBe(2);
    expect(m.rejections).toEqual({ "legacy-refused": 2 });
    const refusals = lines.filter((l) => REFUSAL.test(l.msg)).map((l) => REFUSAL.exec(l.msg)![1]);
    expect(refusals.sort()).toEqual([OTHER_INIT_ID, OTHER_V1_ID].sort());
    expect(lines.filter(isRejectionWarn)).toEqual([]);
    await waitFor(() => agent.metrics().rejectionAuditBlocks >= 2, 10_000, "the two audit blocks");
    const audit = await agent.stores.audit.recent(1000);
    for (const peer of [OTHER_INIT_ID, OTHER_V1_ID]) {
      const blocks = rejectionsIn(audit, peer);
      expect(blocks).toHaveLength(1);
      expect(blocks[0]).toMatchObject({ type: "HANDSHAKE_REJECTED", reason: "legacy-refused" });
      expect(blocks[0]!.detail?.count).toBe(1);
    }
    await Promise.all([init.close(), resp.close()]);
    await agent.stop();
  }, 60_000);

  it("a confirm refused over and over: one audit block per window with exact counts, 2 warn lines per window", async () => {
    const windowMs = 2500;
    const { agent, lines } = await loggedAgent(world, "noisy-target", { rejectionWindowMs: windowMs });
    agents.push(agent);
    const noisy = await LegacyPeer.join(world, { id: NOISY_ID, name: "noisy" });
    peers.push(noisy);
    const startedAt = Date.now();
    noisy.engage(
      { agentId: agent.agentId, signPubB64: agent.identity.signPubB64 },
      { resendConfirmMs: 200, corruptSig: true },
    );
    await waitFor(
      () => (agent.metrics().rejections["bad-signature"] ?? 0) >= 30,
      30_000,
      "30 refused confirms",
    );
    await noisy.close();
    const elapsed = Date.now() - startedAt;
    await agent.stop(); // the pending block goes into the final audit flush
    const m = agent.metrics();
    const total = m.rejections["bad-signature"]!;
    const blocks = rejectionsIn(await agent.stores.audit.recent(1000), NOISY_ID);
    expect(blocks.every((b) => b.reason === "bad-signature" && b.type === "HANDSHAKE_REJECTED")).toBe(true);
    expect(blocks.reduce((n, b) => n + Number(b.detail?.count), 0)).toBe(total);
    // At most one block per window (+1 for the flush at stop), far fewer than the rejections.
    expect(blocks.length).toBeLessThanOrEqual(Math.ceil(elapsed / windowMs) + 1);
    expect(blocks.length).toBeLessThan(total / 3);
    const warns = lines.filter((l) => isRejectionWarn(l) && l.peer === NOISY_ID);
    expect(warns.length).toBeLessThanOrEqual(2 * (Math.ceil(elapsed / windowMs) + 1));
    expect(warns.length).toBeLessThan(total / 3);
    expect(m.rejectionWarnsSuppressed).toBe(total - warns.length);
  }, 60_000);
});
