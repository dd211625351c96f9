/**
 * Attacks through the REAL relay against real agents (in-process SQLite substrate server):
 * an attacker client forges, tampers and replays at exact protocol steps. Each attack must be
 * rejected with the right reason, the forged message must change nothing (the genuine message
 * sent right after it is accepted and the session completes), and the honest pair keeps
 * completing sessions throughout.
 */
import {
  b64encode,
  buildHandshake,
  formatTimestamp,
  generateSigningKey,
  randomUuidV4,
  sign,
} from "@hsagent/crypto";
import { INTENTS } from "@hsagent/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, RejectedEvent } from "../src/index.js";
import { startAgent, startWorld, type World, waitFor } from "./helpers.js";
import { MALLORY_ID, Mallory } from "./mallory.js";

type Payload = Record<string, unknown>;

describe("attacks through the real relay", () => {
  let world: World;
  let alpha: Agent;
  let beta: Agent;
  let mallory: Mallory;
  const rejected: RejectedEvent[] = [];
  const honestAborts: string[] = [];

  const closed = new Map<Agent, Map<string, number>>();
  function counts(agent: Agent, peer: string): number {
    return closed.get(agent)?.get(peer) ?? 0;
  }

  beforeAll(async () => {
    world = await startWorld();
    // Patient timers: the whole world (relay, substrate, agents, attacker) shares one process on
    // a small machine, and a flood must not turn into timeouts of the honest pair.
    const patient = { retransmitMs: 1000, maxRetransmits: 8, sessionTimeoutMs: 30_000 };
    alpha = await startAgent(world, "alpha", patient);
    beta = await startAgent(world, "beta", patient);
    for (const agent of [alpha, beta]) {
      const m = new Map<string, number>();
      closed.set(agent, m);
      agent.on("closed", (e) => m.set(e.peer, (m.get(e.peer) ?? 0) + 1));
      agent.on("aborted", (e) => {
        if (e.peer !== MALLORY_ID) honestAborts.push(`${e.peer}:${e.reason}:${e.role}`);
      });
    }
    alpha.on("rejected", (e) => rejected.push(e));
    beta.on("rejected", (e) => rejected.push(e));
    mallory = await Mallory.join(world);
    mallory.engage({ agentId: alpha.agentId, signPubB64: alpha.identity.signPubB64 });
    // Honest pair and the attacker's own sessions with alpha both run.
    await waitFor(
      () => counts(alpha, beta.agentId) >= 1 && counts(alpha, MALLORY_ID) >= 1,
      20_000,
      "first sessions",
    );
  }, 60_000);

  afterAll(async () => {
    await mallory?.close();
    await Promise.all([alpha?.stop(), beta?.stop()]);
    await world?.close();
  });

  const rejectionsFrom = (peer: string, reason?: string) =>
    rejected.filter((e) => e.peer === peer && (reason === undefined || e.reason === reason)).length;

  /** Let the first message of `intent` (matching `when`) be preceded by `forge(genuine)`. */
  async function attack(
    intent: string,
    forge: (genuine: Payload) => Payload[],
    expectReason: string | string[],
    when: (p: Payload) => boolean = () => true,
  ): Promise<void> {
    const reasons = Array.isArray(expectReason) ? expectReason : [expectReason];
    const before = reasons.map((r) => rejectionsFrom(MALLORY_ID, r)).reduce((a, b) => a + b, 0);
    const sessionsBefore = counts(alpha, MALLORY_ID);
    const mark = rejected.length;
    let fired = false;
    mallory.intercept = (out) => {
      if (fired || out.intent !== intent || !when(out)) return [out];
      fired = true;
      return [...forge(out), out];
    };
    await waitFor(
      () => reasons.map((r) => rejectionsFrom(MALLORY_ID, r)).reduce((a, b) => a + b, 0) > before,
      15_000,
      `rejection ${reasons.join("|")}`,
    );
    // The genuine message right after the forged one was accepted: the session still completes.
    await waitFor(() => counts(alpha, MALLORY_ID) > sessionsBefore, 15_000, "attacked session completes");
    mallory.intercept = (out) => [out];
    const others = rejected.slice(mark).filter((e) => e.peer === MALLORY_ID && !reasons.includes(e.reason));
    expect(others.map((e) => e.reason)).toEqual([]);
  }

  const reHs = (genuine: Payload, fields: { key?: ReturnType<typeof generateSigningKey>; ts?: string }) => {
    const hs = genuine.hs as Record<string, string>;
    const forged = buildHandshake({
      version: 2,
      type: "response",
      nonce: String(genuine.my_nonce),
      kxPub: hs.kx_pub!,
      signingKey: fields.key ?? mallory.self.signingKey,
      timestamp: fields.ts ?? hs.timestamp!,
    });
    return { ...genuine, hs: forged };
  };

  it("forged signature on the handshake → bad-signature", async () => {
    await attack(
      "confirm",
      (g) => [
        {
          ...g,
          hs: { ...(g.hs as Payload), sig: b64encode(sign(mallory.self.signingKey, "something else")) },
        },
      ],
      "bad-signature",
    );
  });

  it("handshake key not matching the registry → pin-mismatch (after one refresh)", async () => {
    await attack("confirm", (g) => [reHs(g, { key: generateSigningKey() })], "pin-mismatch");
  });

  it("stale and far-future timestamps → stale / future", async () => {
    await attack(
      "confirm",
      (g) => [reHs(g, { ts: formatTimestamp(new Date(Date.now() - 10 * 60_000)) })],
      "stale",
    );
    await attack(
      "confirm",
      (g) => [reHs(g, { ts: formatTimestamp(new Date(Date.now() + 10 * 60_000)) })],
      "future",
    );
  });

  it("replayed confirm (same nonce) → replay", async () => {
    const old = [...mallory.produced].reverse().find((p) => p.intent === "confirm");
    expect(old).toBeDefined();
    await attack("confirm", () => [old!], "replay");
  });

  it("tampered sec → decrypt-failed", async () => {
    await attack(
      "respond",
      (g) => {
        const sec = g.sec as Record<string, unknown>;
        const ct = String(sec.ct);
        const flipped = (ct[0] === "A" ? "B" : "A") + ct.slice(1);
        return [{ ...g, sec: { ...sec, ct: flipped } }];
      },
      ["decrypt-failed", "bad-sec"],
      (p) => p.fin === undefined,
    );
  });

  it("replayed sec (old seq) → seq-replay", async () => {
    let previous: Payload | null = null;
    await attack(
      "respond",
      (g) => [{ ...g, sec: previous!.sec }],
      "seq-replay",
      (p) => {
        const ok =
          previous !== null &&
          p.fin === undefined &&
          (p.sec as { seq: number }).seq > (previous.sec as { seq: number }).seq;
        if (!ok) previous = p;
        return ok;
      },
    );
  });

  it("forged close / conclude from a third party are rejected; the honest pair is unaffected", async () => {
    const [I, R] = [alpha, beta].sort((x, y) => (x.agentId < y.agentId ? -1 : 1)) as [Agent, Agent];
    const before = rejectionsFrom(I.agentId);
    const sessions = counts(R, I.agentId);
    let active = true;
    const forge = (p: Payload) => {
      if (!active || p.from !== R.agentId || p.to !== I.agentId) return;
      const sec = p.sec as { sid: string; ct: string } | undefined;
      if (!sec) return;
      if (p.intent === "finish")
        mallory
          .send({
            from: I.agentId,
            to: R.agentId,
            intent: "close",
            your_ref: p.my_ref,
            my_ref: p.your_ref,
            sec: { v: 2, sid: sec.sid, seq: 99, ct: sec.ct },
          })
          .catch(() => {});
      if (p.intent === "respond")
        mallory
          .send({
            from: I.agentId,
            to: R.agentId,
            intent: "conclude",
            your_nonce: p.my_nonce,
            my_ref: "forgedRef01",
            sec: { v: 2, sid: sec.sid, seq: 99, ct: sec.ct },
          })
          .catch(() => {});
    };
    mallory.onSeen(forge);
    await waitFor(() => counts(R, I.agentId) >= sessions + 3, 20_000, "3 honest sessions under forgery");
    active = false;
    const forgedRejections = rejected.filter((e) => e.peer === I.agentId).slice(before);
    expect(forgedRejections.length).toBeGreaterThan(0);
    const allowed = new Set(["decrypt-failed", "bad-sec", "bad-echo", "unexpected", "seq-replay"]);
    expect(forgedRejections.filter((e) => !allowed.has(e.reason))).toEqual([]);
    expect(forgedRejections.some((e) => e.intent === "close" || e.intent === "conclude")).toBe(true);
    expect(honestAborts).toEqual([]);
  });

  it("messages from unknown agentIds are dropped (counted) without hammering the substrate", async () => {
    const before = alpha.metrics();
    const t0 = Date.now();
    for (let i = 0; i < 500; i++) {
      await mallory.send({ from: randomUuidV4(), to: null, intent: "register", proto: [2, 1] });
    }
    await waitFor(
      () => alpha.metrics().droppedUnknownPeers - before.droppedUnknownPeers >= 500,
      15_000,
      "drops",
    );
    const after = alpha.metrics();
    const seconds = (Date.now() - t0) / 1000;
    // Lookup budget: a burst of 50 plus 20 per second (each lookup is one request) + honest traffic.
    const honestSessions = after.sessions.started - before.sessions.started;
    expect(after.substrateCalls - before.substrateCalls).toBeLessThanOrEqual(
      50 + 20 * seconds + 15 * honestSessions + 10,
    );
    expect(
      rejected.filter((e) => e.peer !== MALLORY_ID && e.peer !== alpha.agentId && e.peer !== beta.agentId),
    ).toEqual([]);
  });

  it("10,000 random payloads change nothing: agents survive, honest sessions keep completing", async () => {
    const ids = [alpha.agentId, beta.agentId, MALLORY_ID];
    const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
    const anyId = fc.oneof(fc.constantFrom(...ids), fc.uuid(), fc.string({ maxLength: 8 }));
    const arb = fc.record(
      {
        from: anyId,
        to: fc.oneof(fc.constant(null), fc.constantFrom(...ids), fc.string({ maxLength: 4 })),
        intent: fc.constantFrom(...INTENTS, "junk"),
        my_nonce: fc.oneof(hex, fc.string({ maxLength: 40 })),
        your_nonce: fc.oneof(hex, fc.string({ maxLength: 40 })),
        my_ref: fc.string({ maxLength: 40 }),
        your_ref: fc.string({ maxLength: 40 }),
        hs: fc.oneof(
          fc.object(),
          fc.record({
            v: fc.constantFrom(1, 2),
            type: fc.constantFrom("init", "response"),
            nonce: hex,
            kx_pub: fc.base64String(),
            sign_pub: fc.base64String(),
            timestamp: fc.string(),
            sig: fc.base64String(),
          }),
        ),
        sec: fc.oneof(
          fc.object(),
          fc.record({ v: fc.constant(2), sid: hex, seq: fc.integer(), ct: fc.base64String() }),
        ),
        fin: fc.base64String(),
        proto: fc.array(fc.integer()),
      },
      { requiredKeys: ["from", "intent"] },
    );
    const payloads = fc.sample(arb, { numRuns: 10_000, seed: 42 });
    expect(payloads).toHaveLength(10_000);
    const sessions = counts(alpha, beta.agentId);
    // JSON round trip: the wire carries JSON (fast-check objects may hold undefined, -0, NaN...).
    // Sent in batches so that one test process (relay, substrate, both agents and the attacker)
    // is flooded, not starved: the claim is "rejected without state change", not a DoS test.
    for (let i = 0; i < payloads.length; i += 100) {
      for (const p of payloads.slice(i, i + 100))
        await mallory.send(JSON.parse(JSON.stringify(p)) as Payload);
      await new Promise((r) => setTimeout(r, 25));
    }
    await waitFor(
      () => counts(alpha, beta.agentId) >= sessions + 2,
      30_000,
      "honest sessions after the flood",
    );
    expect(honestAborts).toEqual([]);
    expect(alpha.metrics().sessions.active).toBeLessThanOrEqual(3);
  }, 120_000);
});
