/**
 * Handshake hardening through the REAL relay and a real (SQLite) substrate server: forged
 * registers carrying a live agent's id start no session and cost no substrate call; a confirm
 * re-addressed to another initiator is rejected at once and writes no session state while the
 * real pair keeps completing sessions; a revoked peer is refused within the identity TTL; a full
 * lane drops instead of growing.
 */
import { formatTimestamp, generateSigningKey, signingKeyFromPrivate } from "@hsagent/crypto";
import { createSignedRegister } from "@hsagent/protocol";
import { RelayClient } from "@hsagent/relay";
import { ObjectTypes, SubstrateIdentityRegistry } from "@hsagent/stores";
import { afterEach, describe, expect, it } from "vitest";
import type { Agent, AgentConfig, RejectedEvent } from "../src/index.js";
import { sleep, startAgent, startWorld, type World, waitFor } from "./helpers.js";

type Payload = Record<string, unknown>;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function world(): Promise<World> {
  const w = await startWorld();
  cleanups.push(() => w.close());
  return w;
}

/** Provision agents first so their ids (hence roles) are known, sorted ascending by agentId. */
async function provisionSorted(
  w: World,
  names: string[],
): Promise<{ name: string; agentId: string; signPriv: string }[]> {
  const client = w.client();
  await client.login();
  const registry = new SubstrateIdentityRegistry(client);
  const out: { name: string; agentId: string; signPriv: string }[] = [];
  for (const name of names) {
    const h = await registry.provision(name, `passphrase-of-${name}`);
    out.push({ name, agentId: h.identity.agentId, signPriv: h.keys.sign_priv_b64 });
  }
  return out.sort((x, y) => (x.agentId < y.agentId ? -1 : 1));
}

async function agent(w: World, name: string, config: Partial<AgentConfig> = {}): Promise<Agent> {
  const a = await startAgent(w, name, config);
  cleanups.push(() => a.stop());
  return a;
}

async function attacker(w: World): Promise<{ relay: RelayClient; seen: Payload[] }> {
  const relay = new RelayClient({ host: w.relay.address.host, port: w.relay.address.port });
  await relay.connect();
  cleanups.push(() => relay.close());
  const seen: Payload[] = [];
  relay.onMessage((m) => seen.push(m.payload as Payload));
  return { relay, seen };
}

function closedWith(agentObj: Agent, peer: string): () => number {
  let n = 0;
  agentObj.on("closed", (e) => {
    if (e.peer === peer) n++;
  });
  return () => n;
}

describe("hardening through the real relay", () => {
  it("forged registers with a live agent's id start no session and cause no substrate request", async () => {
    const w = await world();
    const mallory = await attacker(w);
    const [i, r] = await provisionSorted(w, ["fi", "fr"]);
    // The initiator registers once (at start); the responder's gap is 300 ms, so forged
    // registers reach the signature check instead of the rate limit.
    const R = await agent(w, r!.name, { registerIntervalMs: 400 });
    const closedR = closedWith(R, i!.agentId);
    const I = await agent(w, i!.name, { registerIntervalMs: 600_000 });
    await waitFor(() => closedR() >= 1, 20_000, "the first session");
    await waitFor(
      () => R.metrics().sessions.active === 0 && I.metrics().sessions.active === 0,
      10_000,
      "idle",
    );
    await sleep(1500); // milestones and audit written behind
    const genuine = mallory.seen.find((p) => p.intent === "register" && p.from === I.agentId);
    expect(genuine?.sig).toBeTypeOf("string");
    const rejections: RejectedEvent[] = [];
    R.on("rejected", (e) => rejections.push(e));
    const before = R.metrics();

    const forger = generateSigningKey();
    for (let k = 0; k < 150; k++) {
      const ts = formatTimestamp(new Date(Date.now() + (k % 3) * 1000));
      const kind = k % 3;
      const forged =
        kind === 0
          ? { from: I.agentId, to: null, intent: "register", proto: [2, 1] }
          : kind === 1
            ? createSignedRegister(I.agentId, forger, ts, [2, 1])
            : genuine!;
      await mallory.relay.send(forged as never);
      await sleep(20); // 50 per second
    }
    await sleep(1000);
    const after = R.metrics();
    expect(after.sessions.started).toBe(before.sessions.started);
    expect(after.substrateCalls).toBe(before.substrateCalls);
    expect(rejections).toEqual([]);
    const dropped = (k: string) => (after.registersDropped[k] ?? 0) - (before.registersDropped[k] ?? 0);
    expect(dropped("unsigned")).toBeGreaterThan(0);
    expect(dropped("bad-signature")).toBeGreaterThan(0);
    expect(dropped("replayed")).toBeGreaterThan(0);
  }, 60_000);

  it("a confirm re-addressed to another initiator is rejected at once, writes nothing; the pair's next session completes", async () => {
    const w = await world();
    const mallory = await attacker(w);
    const [a, b, c] = await provisionSorted(w, ["ca", "cb", "cc"]);
    const R = await agent(w, c!.name); // greatest id: responder toward both
    const I2 = await agent(w, b!.name, { registerIntervalMs: 600_000 });
    const closedI2 = closedWith(I2, R.agentId);
    await waitFor(() => closedI2() >= 1, 20_000, "I2's first session");
    await waitFor(() => I2.metrics().sessions.active === 0, 10_000, "I2 idle");
    const I1 = await agent(w, a!.name);
    const closedI1 = closedWith(I1, R.agentId);
    await waitFor(() => closedI1() >= 1, 20_000, "I1's first session");

    const rejected: RejectedEvent[] = [];
    I2.on("rejected", (e) => rejected.push(e));
    const startedBefore = I2.metrics().sessions.started;
    let redirected = 0;
    mallory.relay.onMessage(({ payload }) => {
      const p = payload as Payload;
      if (redirected === 0 && p.intent === "confirm" && p.from === R.agentId && p.to === I1.agentId) {
        redirected++;
        mallory.relay.send({ ...p, to: I2.agentId } as never).catch(() => {});
      }
    });
    await waitFor(() => rejected.length > 0, 15_000, "the redirected confirm rejected");
    expect(rejected[0]).toMatchObject({ peer: R.agentId, reason: "bad-signature", intent: "confirm" });
    expect(I2.metrics().sessions.started).toBe(startedBefore);
    expect(I2.sessionState(R.agentId)).toBe("init_ready");
    expect(await I2.stores.sessions.list()).toEqual([]);
    const pair = closedI1();
    await waitFor(() => closedI1() > pair, 15_000, "the pair's next session");
    expect(I1.metrics().sessions.aborted).toBe(0);
  }, 90_000);

  it("a revoked peer is refused within the identity TTL", async () => {
    const w = await world();
    const X = await agent(w, "rx", { identityTtlMs: 1000 });
    const P = await agent(w, "rp");
    const closed = closedWith(X, P.agentId);
    await waitFor(() => closed() >= 2, 20_000, "sessions before revocation");
    const client = w.client();
    await client.login();
    await client.deleteAssociation(P.agentId, client.accountId, P.identity.identityObjId);
    const revokedAt = Date.now();
    await sleep(1000 + 2000); // the TTL, then time for any session in flight to end
    const dropsBefore = X.metrics().droppedUnknownPeers;
    const sessionsAfterTtl = closed();
    await sleep(2000);
    expect(closed()).toBe(sessionsAfterTtl);
    expect(X.metrics().droppedUnknownPeers).toBeGreaterThan(dropsBefore);
    expect(Date.now() - revokedAt).toBeGreaterThan(1000);
  }, 60_000);

  it("a rotated key becomes the pin within the identity TTL: the old key gets pin-mismatch", async () => {
    const w = await world();
    const [x, p] = await provisionSorted(w, ["kx", "kp"]);
    const X = await agent(w, x!.name, { identityTtlMs: 1000 }); // initiator toward P
    const P = await agent(w, p!.name);
    const closed = closedWith(X, P.agentId);
    await waitFor(() => closed() >= 2, 20_000, "sessions before rotation");
    // The registry now names another signing key for P (object and <agentId> snapshot); the
    // running P still signs with its old one.
    const client = w.client();
    await client.login();
    const obj = await client.getJson(ObjectTypes.AgentIdentity, P.identity.identityObjId);
    const rotated = {
      ...(obj!.value as Record<string, unknown>),
      signPubB64: generateSigningKey().publicKeyB64,
    };
    await client.putJson({
      type: ObjectTypes.AgentIdentity,
      id: P.identity.identityObjId,
      version: obj!.version,
      value: rotated as never,
    });
    await client.putAssociation({
      type: P.agentId,
      sourceId: client.accountId,
      targetId: P.identity.identityObjId,
      json: rotated as never,
    });
    const rejected: RejectedEvent[] = [];
    X.on("rejected", (e) => rejected.push(e));
    await waitFor(() => rejected.some((e) => e.reason === "pin-mismatch"), 20_000, "pin-mismatch");
    expect(rejected.filter((e) => e.peer === P.agentId).map((e) => e.reason)).toContain("pin-mismatch");
    const n = closed();
    await sleep(2000);
    expect(closed()).toBe(n);
  }, 60_000);

  it("admission holds only verified registers: forged ones for a known peer take no slot and no place in the queue", async () => {
    const w = await world();
    const mallory = await attacker(w);
    // h (smallest id): an identity whose keys the test holds; its register opens a session it
    // never answers, taking R's only slot. i: a live agent. r: the responder (greatest id).
    const [h, i, r] = await provisionSorted(w, ["ah", "ai", "ar"]);
    const R = await agent(w, r!.name, { maxSessions: 1, sessionTimeoutMs: 30_000 });
    const hKey = signingKeyFromPrivate(h!.signPriv);
    await mallory.relay.send(
      createSignedRegister(h!.agentId, hKey, formatTimestamp(new Date()), [2, 1]) as never,
    );
    await waitFor(() => R.metrics().sessions.active === 1, 10_000, "R's only slot taken");
    // Forged registers carrying i's id (i is a known identity of the tenant, not yet running).
    const forger = generateSigningKey();
    for (let k = 0; k < 40; k++) {
      const forged =
        k % 2 === 0
          ? { from: i!.agentId, to: null, intent: "register", proto: [2, 1] }
          : createSignedRegister(i!.agentId, forger, formatTimestamp(new Date()), [2, 1]);
      await mallory.relay.send(forged as never);
      await sleep(25);
    }
    await sleep(500);
    expect(R.metrics().registersWaiting).toBe(0);
    expect(R.metrics().registersIgnoredBusy).toBe(0);
    // The real agent's signed register is held for the slot.
    await agent(w, i!.name);
    await waitFor(() => R.metrics().registersWaiting === 1, 10_000, "the genuine register held");
  }, 60_000);

  it("a peer's lane holds at most maxLaneDepth events; the excess is dropped and sessions go on", async () => {
    const w = await world();
    const mallory = await attacker(w);
    const [i, r] = await provisionSorted(w, ["li", "lr"]);
    const R = await agent(w, r!.name, { maxLaneDepth: 4 });
    const I = await agent(w, i!.name);
    const closed = closedWith(R, I.agentId);
    await waitFor(() => closed() >= 1, 20_000, "first session");
    const junk = { from: I.agentId, to: R.agentId, intent: "finish", your_ref: "a", my_ref: "b" };
    await Promise.all(Array.from({ length: 300 }, () => mallory.relay.send(junk as never)));
    await waitFor(() => R.metrics().laneDrops > 0, 10_000, "lane drops");
    const n = closed();
    await waitFor(() => closed() > n, 15_000, "sessions go on");
  }, 60_000);
});
