/**
 * A session whose state was written ends in ONE substrate call per side on a batching substrate:
 * the purge of its state carries the session's end audit (and whatever else was buffered), so no
 * audit append of its own follows — and no audit event goes missing. A session that wrote no
 * state still writes its end audit at once (a flush) on the initiator; the responder's clean end
 * (nothing is sent after it) rides with its next write or the audit timer.
 */
import { describe, expect, it } from "vitest";
import { interceptFetch, startAgent, useWorld, waitFor } from "./helpers.js";

describe("session end audit", () => {
  const world = useWorld();

  /** A fetch that counts standalone audit appends and session purges. */
  const counting = () => {
    const seen = { appends: 0, purges: 0 };
    const fetch = interceptFetch((url, method, body) => {
      if (method === "POST" && url.includes("/api/chains/append/")) seen.appends++;
      if (method === "POST" && url.includes("/api/batch/") && body.includes('"op":"deleteObject"'))
        seen.purges++;
      return null;
    });
    return { seen, fetch };
  };

  it("written sessions: the purge carries SESSION_CLOSED, no separate append; every close is audited", async () => {
    const counts = [counting(), counting()];
    // Every milestone is written at once, so every session has state to purge.
    const a = await startAgent(world(), "end-audit-a", { milestoneDelayMs: 0 }, { fetch: counts[0]!.fetch });
    const b = await startAgent(world(), "end-audit-b", { milestoneDelayMs: 0 }, { fetch: counts[1]!.fetch });
    const sids: string[] = [];
    a.on("closed", (e) => {
      if (e.sid) sids.push(e.sid);
    });
    try {
      await waitFor(() => sids.length >= 1, 15_000, "a first session");
      const before = counts.map((c) => ({ ...c.seen }));
      await waitFor(() => sids.length >= 6, 20_000, "five more sessions");
      for (const [i, c] of counts.entries()) {
        expect(c.seen.purges - before[i]!.purges, "purges").toBeGreaterThanOrEqual(4);
        // Without the purge carrying it, each end would add one append per side.
        expect(c.seen.appends - before[i]!.appends, "standalone audit appends").toBeLessThanOrEqual(1);
      }
      const audited = new Set(
        (await a.stores.audit.recent(1000)).flatMap((e) => (e.type === "SESSION_CLOSED" ? [e.sid] : [])),
      );
      for (const sid of sids.slice(0, 6)) expect(audited.has(sid), `SESSION_CLOSED of ${sid}`).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 60_000);

  it("sessions that wrote no state: the initiator flushes its end audit at once, the responder's rides on", async () => {
    const counts = [counting(), counting()];
    // Never a milestone write (sessions end long before a minute); back-to-back sessions.
    const config = { milestoneDelayMs: 60_000, registerIntervalMs: 40 };
    const a = await startAgent(world(), "end-audit-c", config, { fetch: counts[0]!.fetch });
    const b = await startAgent(world(), "end-audit-d", config, { fetch: counts[1]!.fetch });
    const closed = { initiator: [] as string[], responder: [] as string[] };
    let initiator = 0;
    for (const [i, agent] of [a, b].entries()) {
      agent.on("closed", (e) => {
        if (e.role === "initiator") initiator = i;
        if (e.sid) closed[e.role].push(e.sid);
      });
    }
    try {
      await waitFor(() => closed.responder.length >= 2, 15_000, "a first session");
      const before = counts.map((c) => ({ ...c.seen }));
      const from = { i: closed.initiator.length, r: closed.responder.length };
      await waitFor(() => closed.responder.length >= from.r + 10, 20_000, "ten more sessions");
      const ended = { i: closed.initiator.length - from.i, r: closed.responder.length - from.r };
      const appends = counts.map((c, k) => c.seen.appends - before[k]!.appends);
      for (const c of counts) expect(c.seen.purges).toBe(0);
      // The initiator's `close` was on the wire: its end audit is written at once, per session.
      expect(appends[initiator]!).toBeGreaterThanOrEqual(ended.i - 1);
      // The responder's end (nothing sent after it) rides with its next mark write instead.
      expect(appends[1 - initiator]!).toBeLessThanOrEqual(ended.r / 2);
      // And nothing is lost: every SESSION_CLOSED of the responder is in its chain (stop flushes).
      const responder = [a, b][1 - initiator]!;
      await responder.stop();
      const audited = new Set(
        (await responder.stores.audit.recent(1000)).flatMap((e) =>
          e.type === "SESSION_CLOSED" ? [e.sid] : [],
        ),
      );
      for (const sid of closed.responder) expect(audited.has(sid), `SESSION_CLOSED of ${sid}`).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 60_000);
});
