/**
 * A substrate that refuses DELETEs for a while (500) must not leave session state behind: the
 * refused purge is retried with backoff, later sessions of the pair keep completing (no
 * `session-conflict` aborts), and after stop no HandshakeSessionState is left.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, createAgent } from "../src/index.js";
import { FAST, leftoverSessions, sleep, startWorld, type World, waitFor } from "./helpers.js";

describe("refused session purges", () => {
  let world: World;
  let refuseDeletes = false;
  let refused = 0;
  const faultyFetch: typeof globalThis.fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (refuseDeletes && method === "DELETE" && url.includes("/api/objects/")) {
      refused++;
      return new Response(JSON.stringify({ error: "injected fault" }), {
        status: 500,
        headers: { "content-type": "application/json" },
      });
    }
    return fetch(input, init);
  };

  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  const start = async (name: string): Promise<Agent> => {
    const agent = createAgent({
      name,
      relay: { host: world.relay.address.host, port: world.relay.address.port },
      substrate: { client: world.client({ fetch: faultyFetch }) },
      vaultPassphrase: `passphrase-of-${name}`,
      // Every milestone is written at once, so every session has state to purge.
      config: { ...FAST, milestoneDelayMs: 0 },
    });
    await agent.start();
    return agent;
  };

  it("retries refused purges; sessions resume and no state outlives its session", async () => {
    const a = await start("purge-a");
    const b = await start("purge-b");
    const aborts: string[] = [];
    for (const agent of [a, b]) agent.on("aborted", (e) => aborts.push(e.reason));
    try {
      await waitFor(() => a.metrics().sessions.closed >= 1, 15_000, "a first session");
      refuseDeletes = true;
      const closedAtFault = a.metrics().sessions.closed;
      await waitFor(
        () => a.metrics().sessions.closed >= closedAtFault + 2,
        15_000,
        "sessions during the fault",
      );
      expect(refused, "DELETEs refused").toBeGreaterThan(0);
      refuseDeletes = false;
      const closedAfter = a.metrics().sessions.closed;
      await waitFor(() => a.metrics().sessions.closed >= closedAfter + 3, 15_000, "sessions after the fault");
      expect(aborts.filter((r) => r.includes("conflict"))).toEqual([]);
      await sleep(300);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    // Read the substrate without starting the agents (start-up purges stale sessions).
    expect(await leftoverSessions(world, "purge-a")).toBe(0);
    expect(await leftoverSessions(world, "purge-b")).toBe(0);
  }, 60_000);
});
