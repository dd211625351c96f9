// The batching engine's failure handling, with a sink that fails on demand:
// acknowledged events survive failed flushes, a block is retried with the same
// batch id (so readers can drop a duplicate), a flood of rejections is bounded.

import { describe, expect, it } from "vitest";
import type { AuditSink } from "../src/audit-core.js";
import { type AuditBlockPayload, BatchingAuditLog, createMemoryStores } from "../src/index.js";
import { NonceTtlCache } from "../src/nonce-cache.js";

class FlakySink implements AuditSink {
  failing = false;
  writes: AuditBlockPayload[] = [];
  attempts: string[] = [];

  async write(payload: AuditBlockPayload): Promise<void> {
    this.attempts.push(payload.batch);
    if (this.failing) throw new Error("substrate down");
    this.writes.push(structuredClone(payload));
  }
  async readRecent(blocks: number): Promise<AuditBlockPayload[]> {
    return this.writes.slice(-blocks);
  }
  async validate() {
    return { isValid: true, errorMessage: null };
  }
}

describe("BatchingAuditLog failures", () => {
  it("keeps events across a failed flush and retries the same batch id", async () => {
    const sink = new FlakySink();
    const log = new BatchingAuditLog(sink, "agent", { flushIntervalMs: 60_000 });
    log.append({ type: "SESSION_STARTED" });
    log.append({ type: "HANDSHAKE_OK" });
    sink.failing = true;
    await expect(log.flush()).rejects.toThrow("substrate down");
    expect(log.pending().map((e) => e.type)).toEqual(["SESSION_STARTED", "HANDSHAKE_OK"]);
    expect(log.stats.failedFlushes).toBe(1);
    log.append({ type: "SESSION_CLOSED" });
    sink.failing = false;
    await log.flush();
    expect(sink.attempts[0]).toBe(sink.attempts[1]);
    expect(sink.writes.map((w) => w.events.map((e) => e.type))).toEqual([
      ["SESSION_STARTED", "HANDSHAKE_OK"],
      ["SESSION_CLOSED"],
    ]);
    expect(log.pending()).toEqual([]);
    // A block written twice (ambiguous failure) is read once.
    sink.writes.push(structuredClone(sink.writes[0]!));
    expect((await log.recent(10)).map((e) => e.type)).toEqual([
      "SESSION_STARTED",
      "HANDSHAKE_OK",
      "SESSION_CLOSED",
    ]);
  });

  it("close() rejects while the sink is down, leaving the events pending; a later close() writes them", async () => {
    const sink = new FlakySink();
    const log = new BatchingAuditLog(sink, "agent", { flushIntervalMs: 60_000 });
    log.append({ type: "SESSION_ABORTED", reason: "restart" });
    sink.failing = true;
    await expect(log.close()).rejects.toThrow("substrate down");
    expect(log.pending()).toHaveLength(1);
    sink.failing = false;
    await log.close();
    expect(sink.writes.flatMap((w) => w.events.map((e) => e.reason))).toEqual(["restart"]);
  });

  it("flushes at once when maxBatchEvents are waiting", async () => {
    const sink = new FlakySink();
    const log = new BatchingAuditLog(sink, "agent", { flushIntervalMs: 60_000, maxBatchEvents: 5 });
    for (let i = 0; i < 5; i++) log.append({ type: "NONCE_SEEN" });
    await new Promise((r) => setTimeout(r, 20));
    expect(sink.writes).toHaveLength(1);
    expect(sink.writes[0]!.events).toHaveLength(5);
    await log.close();
  });

  it("drops rejection events past maxBufferedEvents, never lifecycle events", async () => {
    const sink = new FlakySink();
    sink.failing = true;
    const log = new BatchingAuditLog(sink, "agent", {
      flushIntervalMs: 60_000,
      maxBatchEvents: 1_000,
      maxBufferedEvents: 3,
    });
    for (let i = 0; i < 10; i++) log.append({ type: "MESSAGE_REJECTED", reason: "bad-sec" });
    log.append({ type: "SESSION_CLOSED" });
    expect(log.stats.dropped).toBe(7);
    expect(log.pending().map((e) => e.type)).toEqual([
      "MESSAGE_REJECTED",
      "MESSAGE_REJECTED",
      "MESSAGE_REJECTED",
      "SESSION_CLOSED",
    ]);
  });
});

describe("NonceTtlCache", () => {
  it("forgets entries after the TTL and bounds its size", () => {
    let now = 1_000;
    const cache = new NonceTtlCache(100, 3, () => now);
    cache.add("a");
    now += 99;
    expect(cache.has("a")).toBe(true);
    now += 1;
    expect(cache.has("a")).toBe(false);
    for (const n of ["b", "c", "d", "e"]) cache.add(n);
    expect(cache.size).toBe(3);
    expect(cache.has("b")).toBe(false);
    expect(cache.has("e")).toBe(true);
  });
});

describe("createMemoryStores()", () => {
  it("works without options", async () => {
    const { sessions, nonces, audit, identity } = createMemoryStores();
    expect(await nonces.recordIfNew("abc", "1")).toBe(true);
    expect((await sessions.save({ role: "initiator", peerIdentityObjId: "1", state: "x" })).version).toBe(0);
    audit.append({ type: "SESSION_STARTED" });
    expect(await audit.recent()).toHaveLength(1);
    expect(await identity.hydrate("nobody", "pass")).toBeNull();
  });
});
