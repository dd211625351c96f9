/**
 * Legacy interop (PROTOCOL.md §6) through the real relay and an in-process substrate server: a
 * scripted HSAgent_2 v1 peer completes sessions with an agent that allows legacy, is refused with
 * `legacy-refused` by one that does not, and a v2 peer whose `v` is stripped in transit is
 * refused as a downgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent, EstablishedEvent, RejectedEvent } from "../src/index.js";
import { startAgent, startWorld, type World, waitFor } from "./helpers.js";
import { LEGACY_ID, LEGACY_INITIATOR_ID, LegacyInitiator, LegacyPeer } from "./legacy-peer.js";
import { MALLORY_ID, Mallory } from "./mallory.js";

describe("legacy v1 interop", () => {
  let world: World;
  let legacy: LegacyPeer;
  const agents: Agent[] = [];
  beforeAll(async () => {
    world = await startWorld();
    legacy = await LegacyPeer.join(world);
  });
  afterAll(async () => {
    await legacy?.close();
    await Promise.all(agents.map((a) => a.stop()));
    await world?.close();
  });

  it("with allowLegacy, the v1 peer completes sessions (v1, all rounds, unsealed teardown)", async () => {
    const modern = await startAgent(world, "modern", { allowLegacy: true });
    agents.push(modern);
    const established: EstablishedEvent[] = [];
    const messages: unknown[] = [];
    modern.on("established", (e) => established.push(e));
    modern.on("message", (e) => {
      if (e.peer === LEGACY_ID) messages.push(e.message);
    });
    legacy.engage({ agentId: modern.agentId, signPubB64: modern.identity.signPubB64 });
    await waitFor(
      () => legacy.completed >= 3 && modern.metrics().sessions.closed >= 3,
      20_000,
      "3 legacy sessions",
    );
    expect(established.filter((e) => e.peer === LEGACY_ID).every((e) => e.version === 1)).toBe(true);
    expect(messages).toContain("I am OK! (v1 round 4)");
    expect(legacy.received).toContain("How are you?");
    expect(modern.metrics().sessions.aborted).toBe(0);
  });

  it("with allowLegacy, a v1 initiator completes sessions too (our agent responds)", async () => {
    const modern = agents[0]!;
    const init = await LegacyInitiator.join(world);
    try {
      const est: EstablishedEvent[] = [];
      modern.on("established", (e) => {
        if (e.peer === LEGACY_INITIATOR_ID) est.push(e);
      });
      let closedWithIt = 0;
      modern.on("closed", (e) => {
        if (e.peer === LEGACY_INITIATOR_ID) closedWithIt++;
      });
      init.engage({ agentId: modern.agentId, signPubB64: modern.identity.signPubB64 });
      await waitFor(() => init.completed >= 2 && closedWithIt >= 2, 20_000, "2 sessions with a v1 initiator");
      expect(est.every((e) => e.version === 1 && e.role === "responder")).toBe(true);
      expect(init.received).toContain("I am OK!");
    } finally {
      await init.close();
    }
  });

  it("without allowLegacy, the v1 peer is refused with legacy-refused", async () => {
    const strict = await startAgent(world, "strict");
    const completedBefore = legacy.completed;
    agents.push(strict);
    const rejected: RejectedEvent[] = [];
    const withLegacy: string[] = [];
    strict.on("rejected", (e) => {
      if (e.peer === LEGACY_ID) rejected.push(e);
    });
    strict.on("established", (e) => {
      if (e.peer === LEGACY_ID) withLegacy.push(e.sid);
    });
    legacy.engage({ agentId: strict.agentId, signPubB64: strict.identity.signPubB64 });
    await waitFor(() => rejected.length >= 1, 15_000, "legacy-refused");
    expect(new Set(rejected.map((e) => e.reason))).toEqual(new Set(["legacy-refused"]));
    expect(rejected[0]!.intent).toBe("confirm");
    expect(withLegacy).toEqual([]);
    expect(legacy.completed).toBe(completedBefore);
    expect(strict.sessionState(LEGACY_ID)).toBe("init_ready");
  });

  it("a v2 peer whose v is stripped in transit is refused as a downgrade (even with allowLegacy)", async () => {
    const target = agents[0]!; // allowLegacy: true
    const mallory = await Mallory.join(world);
    try {
      const rejected: RejectedEvent[] = [];
      target.on("rejected", (e) => rejected.push(e));
      let stripped = false;
      mallory.intercept = (out) => {
        if (stripped || out.intent !== "confirm") return [out];
        stripped = true;
        const { v: _v, ...hs } = out.hs as Record<string, unknown>;
        return [{ ...out, hs }, out];
      };
      mallory.engage({ agentId: target.agentId, signPubB64: target.identity.signPubB64 });
      await waitFor(
        () => rejected.some((e) => e.peer === MALLORY_ID && e.reason === "downgrade"),
        15_000,
        "downgrade",
      );
      // The genuine v2 confirm right after it still works: the session completes as v2.
      await waitFor(
        () => mallory.state === "resp_ready" && mallory.produced.some((p) => p.intent === "finish"),
        15_000,
        "v2 session with the peer",
      );
    } finally {
      await mallory.close();
    }
  });
});
