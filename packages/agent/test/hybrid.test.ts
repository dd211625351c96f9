/**
 * Hybrid X25519+ML-KEM-768 key agreement through real parts (SQLite substrate server, TCP relay):
 * default agents agree on it and publish it in their identities; an agent with `pq: false` gets
 * classic sessions; KEM fields stripped in transit are refused as a downgrade.
 */
import { KEY_AGREEMENT_HYBRID } from "@hsagent/protocol";
import { SubstrateIdentityRegistry } from "@hsagent/stores";
import { describe, expect, it } from "vitest";
import type { Agent, EstablishedEvent, RejectedEvent } from "../src/index.js";
import { startAgent, useWorld, waitFor } from "./helpers.js";
import { MALLORY_ID, Mallory } from "./mallory.js";

const HYBRID = ["x25519+mlkem768", "x25519"];

async function sessionsBetween(a: Agent, b: Agent, n: number): Promise<EstablishedEvent[]> {
  const est: EstablishedEvent[] = [];
  for (const agent of [a, b]) agent.on("established", (e) => est.push(e));
  await waitFor(
    () => a.metrics().sessions.closed >= n && b.metrics().sessions.closed >= n,
    30_000,
    `${n} sessions`,
  );
  return est;
}

describe("hybrid key agreement (real substrate and relay)", () => {
  const world = useWorld();

  it("two default agents agree on x25519+mlkem768, publish it, and audit it in HANDSHAKE_OK", async () => {
    const a = await startAgent(world(), "pq-alpha");
    const b = await startAgent(world(), "pq-beta");
    try {
      const est = await sessionsBetween(a, b, 2);
      expect(est.length).toBeGreaterThanOrEqual(4);
      expect(new Set(est.map((e) => e.keyAgreement))).toEqual(new Set([KEY_AGREEMENT_HYBRID]));
      const client = world().client();
      await client.login();
      const peer = await new SubstrateIdentityRegistry(client).lookupPeer(b.agentId, { refresh: true });
      expect(peer?.keyAgreements).toEqual(HYBRID);
      const recent = await a.stores.audit.recent(100);
      const ok = recent.filter((e) => e.type === "HANDSHAKE_OK");
      expect(ok.length).toBeGreaterThan(0);
      expect(ok.every((e) => e.detail?.keyAgreement === KEY_AGREEMENT_HYBRID)).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("an agent with pq off (published as classic) gets classic x25519 sessions", async () => {
    const a = await startAgent(world(), "classic-alpha", { pq: false });
    const b = await startAgent(world(), "pq-gamma");
    try {
      const est = await sessionsBetween(a, b, 2);
      expect(new Set(est.map((e) => e.keyAgreement))).toEqual(new Set(["x25519"]));
      expect(a.identity.keyAgreements).toEqual(["x25519"]);
      for (const agent of [a, b])
        expect(Object.keys(agent.metrics().rejections).filter((r) => r !== "unexpected")).toEqual([]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("KEM fields stripped in transit are refused as a downgrade; the genuine confirm then goes hybrid", async () => {
    const target = await startAgent(world(), "pq-victim");
    const mallory = await Mallory.join(world());
    try {
      // Mallory's identity advertises the hybrid, as a current build's does.
      const client = world().client();
      await client.login();
      await new SubstrateIdentityRegistry(client).publishProtocols(MALLORY_ID, [2, 1], HYBRID);
      const rejected: RejectedEvent[] = [];
      const established: EstablishedEvent[] = [];
      target.on("rejected", (e) => rejected.push(e));
      target.on("established", (e) => established.push(e));
      let stripped = false;
      mallory.intercept = (out) => {
        if (stripped || out.intent !== "confirm") return [out];
        stripped = true;
        const { kem_pub: _p, kem_sig: _s, ka: _k, ...bare } = out;
        return [bare, out];
      };
      mallory.engage({ agentId: target.agentId, signPubB64: target.identity.signPubB64 });
      await waitFor(
        () => rejected.some((e) => e.peer === MALLORY_ID && e.reason === "downgrade"),
        15_000,
        "downgrade",
      );
      expect(stripped).toBe(true);
      await waitFor(() => established.some((e) => e.peer === MALLORY_ID), 15_000, "hybrid session");
      expect(established.filter((e) => e.peer === MALLORY_ID).map((e) => e.keyAgreement)).toEqual([
        KEY_AGREEMENT_HYBRID,
      ]);
    } finally {
      await mallory.close();
      await target.stop();
    }
  });
});
