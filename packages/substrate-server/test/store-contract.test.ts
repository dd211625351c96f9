// The SubstrateStore interface itself: one suite, run against both backends (SQLite file and
// PostgreSQL schema), so either can back the HTTP layer (or another embedding) interchangeably.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blockHash,
  encodePayloads,
  openPostgresStore,
  openSqliteStore,
  type SubstrateStore,
} from "../src/index.js";
import { dropSchema, PG_URL, randomSchema } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "substrate-store-"));
const schema = randomSchema();

const stores: Array<{ name: string; open: () => Promise<SubstrateStore>; cleanup: () => Promise<void> }> = [
  {
    name: "sqlite",
    open: async () => openSqliteStore({ file: join(dir, "store.db") }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  },
  ...(PG_URL
    ? [
        {
          name: "postgres",
          open: () => openPostgresStore({ url: PG_URL as string, schema, poolSize: 4 }),
          cleanup: () => dropSchema(schema),
        },
      ]
    : []),
];

describe.each(stores)("SubstrateStore contract ($name)", (backend) => {
  let store: SubstrateStore;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it("creates accounts once per username", async () => {
    const a = await store.createAccount("sc-alice", "hash", 1);
    expect(a).toMatchObject({ username: "sc-alice", passwordHash: "hash", version: 1 });
    expect(await store.createAccount("sc-alice", "other", 2)).toBeNull();
    expect((await store.findAccountByUsername("sc-alice"))?.id).toBe(a?.id);
    expect((await store.findAccountById(a?.id as bigint))?.username).toBe("sc-alice");
    expect(await store.findAccountByUsername("SC-ALICE")).toBeNull();
  });

  it("adds, finds and removes agent keys", async () => {
    const h = Buffer.alloc(32, 9);
    const k = await store.addAgentKey(77n, h, 1);
    expect(k?.agentId).toBeTypeOf("bigint");
    expect(await store.addAgentKey(77n, h, 1)).toBeNull();
    expect(await store.findAgentKey(77n, h)).toEqual(k);
    expect(await store.agentKeyExists(77n, k?.agentId as bigint)).toBe(true);
    expect(await store.agentKeyExists(78n, k?.agentId as bigint)).toBe(false);
    expect(await store.removeAgentKey(77n, h)).toBe(true);
    expect(await store.removeAgentKey(77n, h)).toBe(false);
    expect(await store.agentKeyExists(77n, k?.agentId as bigint)).toBe(false);
  });

  it("versions objects: ok, clash, missing", async () => {
    const id = await store.createObject(5n, 7001, 0, Buffer.from("a"), 10);
    const id2 = await store.createObject(5n, 7001, 0, Buffer.from("b"), 10);
    expect(id2).not.toBe(id);
    expect(await store.updateObject(5n, 7001, id, 0, Buffer.from("a1"), 20)).toBe("ok");
    expect(await store.updateObject(5n, 7001, id, 0, Buffer.from("a2"), 30)).toBe("clash");
    expect(await store.updateObject(6n, 7001, id, 1, Buffer.from("x"), 30)).toBe("missing");
    expect(await store.updateObject(5n, 7002, id, 1, Buffer.from("x"), 30)).toBe("missing");
    const o = await store.getObject(5n, 7001, id);
    expect(o).toMatchObject({ tenant: 5n, type: 7001, id, version: 1, createdAt: 10, updatedAt: 20 });
    expect(o?.data.toString()).toBe("a1");
    expect(await store.getObject(6n, 7001, id)).toBeNull();
  });

  it("deletes an object with its associations and counts stats", async () => {
    const id = await store.createObject(9n, 1, 0, Buffer.from("12345"), 1);
    await store.putAssociation({
      tenant: 9n,
      type: "t",
      sourceId: id,
      targetId: 1n,
      time: 1n,
      position: 1n,
      data: Buffer.from("ab"),
    });
    await store.putAssociation({
      tenant: 9n,
      type: "t",
      sourceId: 2n,
      targetId: id,
      time: 1n,
      position: 1n,
      data: Buffer.alloc(0),
    });
    await store.putAssociation({
      tenant: 9n,
      type: "t",
      sourceId: 2n,
      targetId: 99_999_999n,
      time: 1n,
      position: 1n,
      data: Buffer.alloc(0),
    });
    expect(await store.objectStats(9n)).toEqual({
      objectCount: 1n,
      objectBytes: 5n,
      associationCount: 3n,
      associationBytes: 2n,
    });
    expect(await store.deleteObject(9n, 1, id)).toBe(true);
    expect(await store.deleteObject(9n, 1, id)).toBe(false);
    expect(await store.objectStats(9n)).toEqual({
      objectCount: 0n,
      objectBytes: 0n,
      associationCount: 1n,
      associationBytes: 0n,
    });
  });

  it("lists associations by position descending with after, targetId and limit", async () => {
    for (const [target, pos] of [
      [1n, 5n],
      [2n, -3n],
      [3n, 9007199254740993n],
      [4n, 5n],
    ] as const) {
      await store.putAssociation({
        tenant: 11n,
        type: "l",
        sourceId: 1n,
        targetId: target,
        time: pos,
        position: pos,
        data: Buffer.alloc(0),
      });
    }
    const all = await store.listAssociations(11n, "l", 1n, { limit: 10 });
    expect(all.map((a) => a.targetId)).toEqual([3n, 4n, 1n, 2n]);
    expect(all[0]?.position).toBe(9007199254740993n);
    expect(
      (await store.listAssociations(11n, "l", 1n, { limit: 10, after: 5n })).map((a) => a.targetId),
    ).toEqual([2n]);
    expect(
      (await store.listAssociations(11n, "l", 1n, { limit: 10, targetId: 4n })).map((a) => a.targetId),
    ).toEqual([4n]);
    expect(await store.listAssociations(11n, "l", 1n, { limit: 2 })).toHaveLength(2);
    expect(await store.deleteAssociation(11n, "l", 1n, 4n)).toBe(true);
    expect(await store.deleteAssociation(11n, "l", 1n, 4n)).toBe(false);
  });

  it("places appended and prepended blocks and links their hashes", async () => {
    const key = { tenant: "sc-alice", name: "c", shard: 2 };
    const nb = (s: string, now: number) => ({
      payloads: encodePayloads([Buffer.from(s)]),
      messageCount: 1,
      payloadBytes: s.length,
      eventId: `e-${s}`,
      sourceAgent: "sc-alice",
      now,
    });
    const b0 = await store.addBlock(key, "prepend", nb("zero", 1));
    const b1 = await store.addBlock(key, "append", nb("one", 2));
    const bm1 = await store.addBlock(key, "prepend", nb("minus", 3));
    expect([b0.idx, b1.idx, bm1.idx]).toEqual([0n, 1n, -1n]);
    expect(b0.prevHash.equals(Buffer.alloc(32))).toBe(true);
    expect(b1.prevHash.equals(b0.hash)).toBe(true);
    expect(bm1.prevHash.equals(b0.hash)).toBe(true);
    expect(blockHash(b1.prevHash, b1.payloads, b1.idx, b1.system).equals(b1.hash)).toBe(true);
    const chain = await store.getChain(key);
    expect(chain).toMatchObject({
      headIdx: -1n,
      tailIdx: 1n,
      blockCount: 3n,
      messageCount: 3n,
      payloadBytes: 12n,
    });
    const stored = await store.getBlock(key, 1n);
    expect(stored).toEqual(b1);
    expect((await store.listBlocks(key, -1n, 1n, "DESC", 2)).map((b) => b.idx)).toEqual([1n, 0n]);
    expect((await store.listChains("sc-alice")).map((c) => c.name)).toEqual(["c"]);
    expect((await store.deleteChain(key))?.blockCount).toBe(3n);
    expect(await store.deleteChain(key)).toBeNull();
    expect(await store.getChain(key)).toBeNull();
    expect(await store.getBlock(key, 0n)).toBeNull();
  });
});
