/**
 * The optimistic replay check (PROTOCOL.md §8): once an agent holds a peer's high-water mark, a
 * v2 handshake's answer goes on the wire while the durable mark write is in flight, so a
 * handshake waits for one mark write instead of the two sides' writes one after the other; and
 * `established` still waits for the agent's own write. Right after a start (mark not read yet)
 * the answer waits for the write, as before. Real substrate and relay; every mark write is held
 * back by DELAY_MS.
 */
import { describe, expect, it } from "vitest";
import type { EstablishedEvent } from "../src/index.js";
import { interceptFetch, sleep, startAgent, useWorld, waitFor } from "./helpers.js";

const DELAY_MS = 500;

/** A mark write: a batch that puts a ReplayMark object (type 7007). */
const isMarkWrite = (url: string, body: string) => url.includes("/api/batch/") && /"type":7007\b/.test(body);

describe("optimistic replay check", () => {
  const world = useWorld();

  it("after the first session a handshake waits for one mark write, and established for its own", async () => {
    const released: Record<string, number[]> = { a: [], b: [] };
    const slow = (who: "a" | "b") =>
      interceptFetch(async (url, _method, body) => {
        if (isMarkWrite(url, body)) {
          await sleep(DELAY_MS);
          released[who]!.push(Date.now());
        }
        return null;
      });
    const config = { retransmitMs: 1500, sessionTimeoutMs: 10_000, registerIntervalMs: 100 };
    const a = await startAgent(world(), "opt-a", config, { fetch: slow("a") });
    const b = await startAgent(world(), "opt-b", config, { fetch: slow("b") });
    const est: (EstablishedEvent & { who: "a" | "b"; at: number })[] = [];
    a.on("established", (e) => est.push({ ...e, who: "a", at: Date.now() }));
    b.on("established", (e) => est.push({ ...e, who: "b", at: Date.now() }));
    try {
      await waitFor(() => a.metrics().sessions.closed >= 3, 30_000, "three sessions");
      expect(a.metrics().sessions.aborted + b.metrics().sessions.aborted).toBe(0);
      const initiator = est.filter((e) => e.role === "initiator");
      expect(initiator.length).toBeGreaterThanOrEqual(3);
      // First session after the start: the marks were not read yet, so each side's answer
      // waited for its write — the initiator's handshake holds both writes, one after the other.
      expect(initiator[0]!.handshakeMs).toBeGreaterThanOrEqual(2 * DELAY_MS);
      // Later sessions: the answers went out early, the two writes overlapped.
      for (const e of initiator.slice(1, 3)) {
        expect(e.handshakeMs).toBeGreaterThanOrEqual(DELAY_MS);
        expect(e.handshakeMs).toBeLessThan(1.7 * DELAY_MS);
      }
      // Each side's `established` came after its own mark write of that handshake was let through
      // (a write released between the session's start and `established`).
      for (const e of est) {
        const started = e.at - e.handshakeMs;
        expect(released[e.who]!.some((t) => t >= started && t <= e.at)).toBe(true);
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 60_000);
});
