/**
 * The runtime's small parts on their own: the serialized lane, the peer directory's negative
 * cache and lookup budget, the write-behind milestone writer (coalescing, purge ordering, call
 * counts) over in-memory stores, settings validation and the event queue.
 */
import {
  createMemoryStores,
  type IdentityRegistry,
  MemoryBackend,
  MemoryIdentityRegistry,
} from "@hsagent/stores";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue } from "../src/events.js";
import { AgentError, resolveAgentConfig } from "../src/index.js";
import { Lane } from "../src/lane.js";
import { percentile, SampleRing } from "../src/metrics.js";
import { MilestoneWriter } from "../src/milestones.js";
import { PeerDirectory } from "../src/peer-directory.js";

describe("Lane", () => {
  it("runs tasks one at a time in order, and a failing task does not stop it", async () => {
    const lane = new Lane();
    const log: string[] = [];
    let running = 0;
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        running++;
        expect(running).toBe(1);
        await new Promise((r) => setTimeout(r, ms));
        log.push(name);
        running--;
        if (fail) throw new Error(name);
      };
    const results = await Promise.allSettled([
      lane.run(task("a", 15)),
      lane.run(task("b", 1, true)),
      lane.run(task("c", 5)),
    ]);
    expect(log).toEqual(["a", "b", "c"]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(lane.depth).toBe(0);
  });
});

describe("PeerDirectory", () => {
  function countingRegistry(known: Record<string, string>): {
    registry: IdentityRegistry;
    calls: () => number;
  } {
    let n = 0;
    const registry = {
      lookupPeer: async (agentId: string) => {
        n++;
        const pub = known[agentId];
        return pub
          ? {
              identityObjId: "1",
              agentId,
              ownerId: "1",
              displayName: "x",
              signPubB64: pub,
              kxPubB64: pub,
              protocols: [2, 1],
              version: 1,
            }
          : null;
      },
    } as unknown as IdentityRegistry;
    return { registry, calls: () => n };
  }

  it("caches negative answers for a while and shares concurrent lookups", async () => {
    let now = 1000;
    const { registry, calls } = countingRegistry({});
    const dir = new PeerDirectory(registry, { negativeTtlMs: 500, now: () => now });
    const [a, b] = await Promise.all([dir.resolve("x"), dir.resolve("x")]);
    expect([a.kind, b.kind]).toEqual(["unknown", "unknown"]);
    expect(calls()).toBe(1);
    await dir.resolve("x");
    expect(calls()).toBe(1);
    now += 600;
    await dir.resolve("x");
    expect(calls()).toBe(2);
  });

  it("a flood of distinct unknown ids costs at most burst + rate × time lookups", async () => {
    let now = 0;
    const { registry, calls } = countingRegistry({});
    const dir = new PeerDirectory(registry, { lookupsPerSecond: 10, lookupBurst: 20, now: () => now });
    let throttled = 0;
    for (let i = 0; i < 1000; i++) {
      now += 1; // 1000 ids in 1 s
      const r = await dir.resolve(`id-${i}`);
      if (r.kind === "throttled") throttled++;
    }
    expect(calls()).toBeLessThanOrEqual(20 + 10 + 1);
    expect(throttled).toBe(1000 - calls());
  });

  it("keeps the negative cache bounded", async () => {
    const { registry } = countingRegistry({});
    const dir = new PeerDirectory(registry, { maxNegative: 10, lookupBurst: 1000 });
    for (let i = 0; i < 100; i++) await dir.resolve(`id-${i}`);
    // The oldest entries were evicted: looking them up again costs a lookup (answered unknown).
    expect((await dir.resolve("id-0")).kind).toBe("unknown");
  });

  it("known peers are answered from memory; refresh re-reads", async () => {
    const { registry, calls } = countingRegistry({ p: "key" });
    const dir = new PeerDirectory(registry);
    expect((await dir.resolve("p")).kind).toBe("known");
    expect(dir.cached("p")?.signPubB64).toBe("key");
    await dir.resolve("p");
    expect(calls()).toBe(1);
    await dir.refresh("p");
    expect(calls()).toBe(2);
  });
});

describe("MilestoneWriter (memory stores)", () => {
  async function setup(delayMs: number) {
    const backend = new MemoryBackend();
    const registry = new MemoryIdentityRegistry(backend);
    const me = await registry.provision("me", "pp");
    const peer = await registry.provision("peer", "pp");
    const stores = createMemoryStores({
      agentId: me.identity.agentId,
      identityObjId: me.identity.identityObjId,
      identity: registry,
      backend,
    });
    const errors: unknown[] = [];
    const saves: string[] = [];
    const save = stores.sessions.save.bind(stores.sessions);
    stores.sessions.save = async (r) => {
      saves.push(String(r.milestone));
      return save(r);
    };
    const writer = new MilestoneWriter(
      stores,
      peer.identity.identityObjId,
      { onConflict: (e) => errors.push(e), onError: (e) => errors.push(e) },
      delayMs,
    );
    const rec = (state: string) => ({
      selfId: me.identity.agentId,
      peerId: peer.identity.agentId,
      role: "initiator" as const,
      state: state as "init_exchange",
      version: 2 as const,
      sid: "00".repeat(16),
      startedAt: 1,
      updatedAt: 2,
    });
    return { stores, writer, rec, errors, saves };
  }

  it("a session that ends within the delay writes no session state at all", async () => {
    const { stores, writer, rec, saves, errors } = await setup(50);
    writer.record("created", rec("init_exchange"));
    writer.record("established", rec("init_exchange"));
    writer.record("ended", rec("init_ready"));
    await writer.drain();
    expect(saves).toEqual([]);
    expect(await stores.sessions.list()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("milestones reached within the delay coalesce into the latest; ended purges", async () => {
    const { stores, writer, rec, saves } = await setup(20);
    writer.record("created", rec("init_exchange"));
    writer.record("established", rec("init_exchange"));
    writer.record("finalizing", rec("init_finalize_propose"));
    await new Promise((r) => setTimeout(r, 60));
    await writer.drain();
    expect(saves).toEqual(["finalizing"]);
    const listed = await stores.sessions.list();
    expect(listed.map((s) => s.record.state)).toEqual(["init_finalize_propose"]);
    writer.record("ended", rec("init_ready"));
    await writer.drain();
    expect(await stores.sessions.list()).toEqual([]);
  });

  it("the next session's save after an end is written after the purge, not deleted by it", async () => {
    const { stores, writer, rec } = await setup(0);
    writer.record("created", rec("init_exchange"));
    writer.record("ended", rec("init_ready"));
    writer.record("created", rec("init_exchange"));
    await writer.drain();
    expect((await stores.sessions.list()).length).toBe(1);
  });
});

describe("MilestoneWriter conflicts", () => {
  it("a state owned by another writer aborts (onConflict) and is never deleted by us", async () => {
    const backend = new MemoryBackend();
    const registry = new MemoryIdentityRegistry(backend);
    const me = await registry.provision("me2", "pp");
    const peer = await registry.provision("peer2", "pp");
    const opts = {
      agentId: me.identity.agentId,
      identityObjId: me.identity.identityObjId,
      identity: registry,
      backend,
    };
    const ours = createMemoryStores(opts);
    const theirs = createMemoryStores(opts); // another process of the same agent
    const record = {
      role: "responder" as const,
      peerIdentityObjId: peer.identity.identityObjId,
      state: "theirs",
    };
    await theirs.sessions.save(record);
    const conflicts: unknown[] = [];
    const writer = new MilestoneWriter(
      ours,
      peer.identity.identityObjId,
      { onConflict: (e) => conflicts.push(e), onError: () => {} },
      0,
    );
    const rec = {
      selfId: me.identity.agentId,
      peerId: peer.identity.agentId,
      role: "responder" as const,
      state: "resp_confirm" as const,
      version: 2 as const,
      sid: null,
      startedAt: 1,
      updatedAt: 1,
    };
    writer.record("created", rec);
    await writer.drain();
    expect(conflicts).toHaveLength(1);
    writer.record("ended", { ...rec, state: "resp_ready" });
    await writer.drain();
    const left = await theirs.sessions.list();
    expect(left.map((s) => s.record.state)).toEqual(["theirs"]);
  });
});

describe("settings", () => {
  it("defaults and range checks", () => {
    const c = resolveAgentConfig();
    expect(c.registerIntervalMs).toBe(3000);
    expect(c.exchangeLimit).toBe(3);
    expect(c.detachedTeardown).toBe(true);
    expect(() => resolveAgentConfig({ registerIntervalMs: 0 })).toThrow(AgentError);
    expect(() => resolveAgentConfig({ retransmitMs: -1 })).toThrow(AgentError);
    expect(() => resolveAgentConfig({ detachedTeardown: "yes" as never })).toThrow(AgentError);
  });
});

describe("metrics and event queue", () => {
  it("percentiles are nearest-rank over the ring", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 200 }), (xs) => {
        const ring = new SampleRing(1000);
        for (const x of xs) ring.add(x);
        const sorted = [...xs].sort((a, b) => a - b);
        const s = ring.summary();
        expect(s.count).toBe(xs.length);
        expect(s.max).toBe(sorted[sorted.length - 1]);
        expect(s.p50).toBe(percentile(sorted, 50));
        expect(sorted.filter((x) => x <= (s.p50 ?? 0)).length).toBeGreaterThanOrEqual(xs.length / 2);
      }),
    );
  });

  it("the event queue delivers in order, bounds its buffer and ends", async () => {
    const q = new EventQueue(3);
    for (let i = 1; i <= 5; i++)
      q.push({ type: "rejected", peer: "p", reason: "malformed", intent: String(i) });
    expect(q.dropped).toBe(2);
    q.end();
    const got: string[] = [];
    for await (const e of q) got.push(String((e as { intent: string }).intent));
    expect(got).toEqual(["3", "4", "5"]);
  });
});
