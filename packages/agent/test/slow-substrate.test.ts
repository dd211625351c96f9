/**
 * A substrate too slow for the durable replay check (the peer's high-water mark write, a batched
 * call; its first read lists `replay_mark-…`) (its answer takes longer than a whole session)
 * must not hold a session past sessionTimeoutMs: the check is bounded by the session's remaining
 * time, the session aborts with `timeout`, and sessions complete again once the substrate is fast.
 */
import { describe, expect, it } from "vitest";
import type { AbortedEvent } from "../src/index.js";
import { interceptFetch, sleep, startAgent, useWorld, waitFor } from "./helpers.js";

const SESSION_TIMEOUT_MS = 1500;
const NONCE_DELAY_MS = 5000;

describe("slow substrate on the handshake path", () => {
  let slowNonces = false;
  const slowFetch = interceptFetch(async (url) => {
    const replayCheck = url.includes("/api/batch/") || url.includes("replay_mark-");
    if (slowNonces && replayCheck) await sleep(NONCE_DELAY_MS);
    return null;
  });
  const world = useWorld();
  const start = (name: string) =>
    startAgent(
      world(),
      name,
      { sessionTimeoutMs: SESSION_TIMEOUT_MS, retransmitMs: 300 },
      { fetch: slowFetch },
    );

  it("aborts within sessionTimeoutMs while the nonce check hangs, then recovers", async () => {
    const a = await start("slow-a");
    const b = await start("slow-b");
    const aborted: AbortedEvent[] = [];
    for (const agent of [a, b]) agent.on("aborted", (e) => aborted.push(e));
    try {
      await waitFor(() => a.metrics().sessions.closed >= 1, 15_000, "a first session");
      slowNonces = true;
      // Long enough for a check stuck behind the whole delay to come back and show its session.
      await sleep(NONCE_DELAY_MS + 2500);
      expect(aborted.length).toBeGreaterThan(0);
      for (const e of aborted) {
        expect(e.reason).toBe("timeout");
        expect(e.sessionMs ?? 0).toBeLessThan(SESSION_TIMEOUT_MS + 1000);
      }
      slowNonces = false;
      const closed = a.metrics().sessions.closed;
      await waitFor(() => a.metrics().sessions.closed >= closed + 2, 30_000, "sessions after recovery");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 90_000);
});
