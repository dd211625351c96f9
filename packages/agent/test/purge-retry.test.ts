/**
 * A substrate that refuses session purges for a while (500) must not leave session state behind: the
 * refused purge is retried with backoff, later sessions of the pair keep completing (no
 * `session-conflict` aborts), and after stop no HandshakeSessionState is left.
 */
import { describe, expect, it } from "vitest";
import { interceptFetch, leftoverSessions, sleep, startAgent, useWorld, waitFor } from "./helpers.js";

describe("refused session purges", () => {
  let refuseDeletes = false;
  let refused = 0;
  // A purge is a DELETE, or a batch with a deleteObject item (when audit events ride along).
  const isPurge = (url: string, method: string, body: string) =>
    (method === "DELETE" && url.includes("/api/objects/")) ||
    (method === "POST" && url.includes("/api/batch/") && body.includes('"op":"deleteObject"'));
  const faultyFetch = interceptFetch((url, method, body) => {
    if (!refuseDeletes || !isPurge(url, method, body)) return null;
    refused++;
    return new Response(JSON.stringify({ error: "injected fault" }), {
      status: 500,
      headers: { "content-type": "application/json" },
    });
  });
  const world = useWorld();
  // Every milestone is written at once, so every session has state to purge.
  const start = (name: string) => startAgent(world(), name, { milestoneDelayMs: 0 }, { fetch: faultyFetch });

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
      expect(refused, "purges refused").toBeGreaterThan(0);
      refuseDeletes = false;
      const closedAfter = a.metrics().sessions.closed;
      await waitFor(() => a.metrics().sessions.closed >= closedAfter + 3, 15_000, "sessions after the fault");
      expect(aborts.filter((r) => r.includes("conflict"))).toEqual([]);
      await sleep(300);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    // Read the substrate without starting the agents (start-up purges stale sessions).
    expect(await leftoverSessions(world(), "purge-a")).toBe(0);
    expect(await leftoverSessions(world(), "purge-b")).toBe(0);
  }, 60_000);
});
