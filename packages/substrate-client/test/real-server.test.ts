// The client against the real substrate server (SQLite, in this process):
// auto-register, transparent re-login on an expired token, narrowing to an
// agent key, and every endpoint family with its typed results and errors.

import { randomBytes } from "node:crypto";
import type { TestSubstrate } from "@hsagent/substrate-server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiError,
  fromUtf8,
  InvalidResponseError,
  NotAuthenticatedError,
  SubstrateClient,
  SubstrateError,
  VersionClashError,
} from "../src/index.js";
import { freshClient, newAccount, startSqlite } from "./helpers/substrate.js";

// JWT exp has one-second granularity: 2 s keeps a fresh token valid for at least 1 s.
const TTL_SECONDS = 2;
let server: TestSubstrate;
let connections = 0;

beforeAll(async () => {
  server = await startSqlite({ tokenTtlSeconds: TTL_SECONDS });
  server.server.app.server.on("connection", () => {
    connections++;
  });
});
afterAll(() => server?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fresh(): Promise<{ client: SubstrateClient; username: string; password: string }> {
  const account = newAccount();
  return { client: await freshClient(server.url, { credentials: account }), ...account };
}

describe("accounts", () => {
  it("auto-registers on the first password login (login → 401 → register → /me), then logs in normally", async () => {
    const { username, password } = newAccount();
    const first = new SubstrateClient({
      baseUrl: server.url,
      credentials: { username, password },
      autoRegister: true,
    });
    const account = await first.login();
    expect(account.username).toBe(username);
    expect(account.id).toMatch(/^[0-9]+$/);
    expect(first.stats.requests).toBe(3);
    expect(first.authMethod).toBe("password");
    const second = new SubstrateClient({ baseUrl: server.url, credentials: { username, password } });
    expect((await second.login()).id).toBe(account.id);
    expect(second.stats.requests).toBe(2);
  });

  it("without autoRegister an unknown user gets ApiError 401", async () => {
    const client = new SubstrateClient({ baseUrl: server.url });
    await expect(
      client.login({ username: newAccount().username, password: "whatever-pw" }),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it("a wrong password on an existing account stays a 401 even with autoRegister", async () => {
    const { username } = await fresh();
    const client = new SubstrateClient({
      baseUrl: server.url,
      credentials: { username, password: "wrong-password-1" },
      autoRegister: true,
    });
    const err = await client.login().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect(String(err)).not.toContain("wrong-password-1");
  });

  it("several processes auto-registering one new account at once all log in to it", async () => {
    const { username, password } = newAccount();
    const clients = Array.from(
      { length: 4 },
      () =>
        new SubstrateClient({ baseUrl: server.url, credentials: { username, password }, autoRegister: true }),
    );
    const accounts = await Promise.all(clients.map((c) => c.login()));
    expect(new Set(accounts.map((a) => a.id)).size).toBe(1);
  });

  it("calls before login → NotAuthenticatedError, without a round-trip", async () => {
    const client = new SubstrateClient({ baseUrl: server.url });
    expect(() => client.accountId).toThrow(NotAuthenticatedError);
    await expect(client.getObject(7001, "1")).rejects.toBeInstanceOf(NotAuthenticatedError);
    expect(client.stats.requests).toBe(0);
  });
});

describe("expired token", () => {
  it("re-logs in transparently once and retries the call", async () => {
    const { client } = await fresh();
    const { id } = await client.putJson({ type: 7001, version: 0, value: { a: 1 } });
    const relogins = client.stats.relogins;
    await sleep(TTL_SECONDS * 1000 + 1200);
    const before = client.stats.requests;
    const obj = await client.getJson(7001, id);
    expect(obj?.value).toEqual({ a: 1 });
    expect(client.stats.relogins - relogins).toBe(1);
    // 401, login, retried GET.
    expect(client.stats.requests - before).toBe(3);
  });

  it("concurrent calls hitting 401 share a single re-login", async () => {
    const { client } = await fresh();
    await sleep(TTL_SECONDS * 1000 + 1200);
    const lists = await Promise.all(
      Array.from({ length: 5 }, () => client.listAssociations("x", client.accountId)),
    );
    expect(lists.every((l) => l.count === 0)).toBe(true);
    expect(client.stats.relogins).toBe(1);
  });
});

describe("narrowing", () => {
  it("provisions an agent key, switches to key login, and the key re-logs in after expiry", async () => {
    const { client, username, password } = await fresh();
    const key = await client.narrow();
    expect(key).toMatch(new RegExp(`^${username}%[0-9a-f]{64}$`));
    expect(client.authMethod).toBe("key");
    expect(await client.narrow()).toBe(key);
    // Key sessions cannot provision keys.
    await expect(client.associateKey(randomBytes(32).toString("hex"))).rejects.toMatchObject({ status: 403 });
    const secretHex = key.split("%")[1]!;
    expect(await client.verifyKey(key)).toBe(true);
    expect(await client.checkKey(client.accountId, secretHex)).toMatchObject({ associated: true });
    const relogins = client.stats.relogins;
    await sleep(TTL_SECONDS * 1000 + 1200);
    expect((await client.listAssociations("x", client.accountId)).count).toBe(0);
    expect(client.stats.relogins - relogins).toBe(1);
    // Revoking the key (from a password session) stops it at once.
    const owner = new SubstrateClient({ baseUrl: server.url, credentials: { username, password } });
    await owner.login();
    await owner.revokeKey(secretHex);
    expect(await owner.verifyKey(key)).toBe(false);
    const err = await new SubstrateClient({ baseUrl: server.url }).login({ key }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(String(err)).not.toContain(secretHex);
  });
});

describe("objects", () => {
  it("create, read, conditional update, clash, delete", async () => {
    const { client } = await fresh();
    const { id } = await client.putJson({ type: 7005, version: 0, value: { state: "a" } });
    const read = await client.getJson<{ state: string }>(7005, id);
    expect(read).toMatchObject({ type: 7005, id, value: { state: "a" } });
    await client.putJson({ type: 7005, id, version: read!.version, value: { state: "b" } });
    const after = await client.getJson<{ state: string }>(7005, id);
    expect(after!.version).toBe(read!.version + 1);
    expect(after!.value.state).toBe("b");
    const clash = await client
      .putJson({ type: 7005, id, version: read!.version, value: { state: "c" } })
      .catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(VersionClashError);
    expect((clash as VersionClashError).status).toBe(409);
    expect((await client.deleteObject(7005, id)).success).toBe(true);
    expect(await client.getObject(7005, id)).toBeNull();
    expect((await client.deleteObject(7005, id)).success).toBe(false);
    await expect(client.putJson({ type: 7005, id, version: 5, value: {} })).rejects.toMatchObject({
      status: 404,
    });
    expect(await client.objectStats()).toBeTypeOf("object");
  });

  it("raw bytes round-trip; non-JSON data read with getJson → InvalidResponseError", async () => {
    const { client } = await fresh();
    const data = new Uint8Array([0, 255, 1, 254, 10]);
    const { id } = await client.putObject({ type: 9, version: 0, data });
    expect((await client.getObject(9, id))!.data).toEqual(data);
    await expect(client.getJson(9, id)).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it("rejects bad arguments before any round-trip", async () => {
    const { client } = await fresh();
    const before = client.stats.requests;
    await expect(client.getObject(0, "1")).rejects.toBeInstanceOf(SubstrateError);
    await expect(client.getObject(7001, "../1")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(client.listAssociations("has space", "1")).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(client.appendBlock("c", 0, "")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(client.stats.requests).toBe(before);
  });
});

describe("associations", () => {
  it("put, list by position descending with paging and target filter, delete", async () => {
    const { client } = await fresh();
    const src = client.accountId;
    for (let i = 1; i <= 5; i++) {
      await client.putAssociation({
        type: "likes",
        sourceId: src,
        targetId: String(100 + i),
        time: String(i),
        position: String(i * 10),
        json: { i },
      });
    }
    const page1 = await client.listAssociations("likes", src, { limit: 2 });
    expect(page1.associations.map((a) => a.targetId)).toEqual(["105", "104"]);
    expect(JSON.parse(fromUtf8(page1.associations[0]!.data))).toEqual({ i: 5 });
    const page2 = await client.listAssociations("likes", src, {
      limit: 2,
      after: page1.associations[1]!.position,
    });
    expect(page2.associations.map((a) => a.targetId)).toEqual(["103", "102"]);
    const one = await client.listAssociations("likes", src, { targetId: "101" });
    expect(one.associations.map((a) => a.position)).toEqual(["10"]);
    expect((await client.deleteAssociation("likes", src, "101")).success).toBe(true);
    expect((await client.listAssociations("likes", src, { targetId: "101" })).count).toBe(0);
    expect(await client.listAssociations("nothing-here", src)).toEqual({ count: 0, associations: [] });
  });
});

describe("chains", () => {
  it("append/prepend/read/range/recent/metadata/validate/stats/delete", async () => {
    const { client } = await fresh();
    const a = await client.appendBlock("log", 0, "one");
    const b = await client.appendBlock("log", 0, new Uint8Array([1, 2, 3]));
    expect(BigInt(b.blockIdx)).toBeGreaterThan(BigInt(a.blockIdx));
    await client.prependBlock("log", 0, "zero");
    expect(fromUtf8((await client.getBlock("log", 0, a.blockIdx))!.payloads[0]!)).toBe("one");
    expect(fromUtf8((await client.firstBlock("log", 0))!.payloads[0]!)).toBe("zero");
    expect((await client.lastBlock("log", 0))!.payloads[0]).toEqual(new Uint8Array([1, 2, 3]));
    expect(await client.rangeBlocks("log", 0, { order: "ASC" })).toHaveLength(3);
    expect(await client.recentBlocks("log", 0, 2)).toHaveLength(2);
    const meta = await client.chainMetadata("log", 0);
    expect(meta?.blockCount).toBe(3);
    expect((await client.validateChain("log", 0)).isValid).toBe(true);
    expect(await client.chainStats()).toBeTypeOf("object");
    expect((await client.deleteChain("log", 0)).success).toBe(true);
    expect(await client.chainMetadata("log", 0)).toBeNull();
    expect(await client.lastBlock("log", 0)).toBeNull();
    expect(await client.recentBlocks("log", 0)).toEqual([]);
  });

  it("writes to another tenant's chain (cross-user messaging), which only that tenant reads", async () => {
    const alice = await fresh();
    const bob = await fresh();
    await alice.client.appendBlock("inbox", 0, "hi bob", { tenant: bob.username });
    const got = await bob.client.recentBlocks("inbox", 0, 5);
    expect(got.map((blk) => fromUtf8(blk.payloads[0]!))).toEqual(["hi bob"]);
  });
});

describe("connection reuse against the real server", () => {
  it("many calls, a constant handful of TCP connections", async () => {
    const { client } = await fresh();
    const before = connections;
    for (let i = 0; i < 30; i++) await client.listAssociations("x", client.accountId);
    expect(connections - before).toBeLessThanOrEqual(3);
  });
});
