// Black-box contract suite for SUBSTRATE-API.md §1–§5: a real server over real HTTP (node fetch),
// run unchanged against every backend (SQLite in memory; PostgreSQL in a throwaway schema).

import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, b64, Client, newUser, startWithUsers, type TestServer, type User } from "./helpers.js";

const HEX = "0123456789abcdef".repeat(4);
const HEX2 = "fedcba9876543210".repeat(4);

/** Independent re-implementation of the documented block hash (README "Hash chain"). */
function documentedHash(block: {
  prevHash: string;
  payloads_b64: string[];
  blockIdx: string;
  system: { eventId: string; timestamp: string; sourceAgent: string };
}): string {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const payloads = block.payloads_b64.map((p) => Buffer.from(p, "base64"));
  const framed = Buffer.concat([u32(payloads.length), ...payloads.flatMap((p) => [u32(p.length), p])]);
  const system = Buffer.from(
    `{"blockIdx":"${block.blockIdx}","eventId":"${block.system.eventId}","sourceAgent":"${block.system.sourceAgent}","timestamp":"${block.system.timestamp}"}`,
  );
  return createHash("sha256")
    .update(Buffer.from(block.prevHash, "hex"))
    .update(framed)
    .update(u32(system.length))
    .update(system)
    .digest("hex");
}

describe.each(BACKENDS)("contract ($name)", (backend) => {
  let server: TestServer;
  let alice: User;
  let bob: User;
  let anon: Client;

  beforeAll(async () => {
    [server, alice, bob] = await startWithUsers(backend, "alice", "bob");
    anon = new Client(server.url);
  });
  afterAll(async () => server?.stop());

  describe("§1 accounts", () => {
    it("registers with a JWT and three recovery words, and rejects a taken username with 409", async () => {
      const r = await anon.post("/api/auth/register", {
        username: "carol_1.x~y-z",
        password: "secret-password",
      });
      expect(r.status).toBe(201);
      expect(typeof r.body.jwt).toBe("string");
      expect(r.body.words).toHaveLength(3);
      const again = await anon.post("/api/auth/register", {
        username: "carol_1.x~y-z",
        password: "other-password",
      });
      expect(again.status).toBe(409);
      expect(again.body.error).toBe("username-taken");
    });

    it("rejects bad usernames and missing passwords with 400", async () => {
      for (const username of ["", "has space", "slash/name", "a".repeat(256), "ünï", "append", 42]) {
        const r = await anon.post("/api/auth/register", { username, password: "long-enough-pw" });
        expect(r.status, String(username)).toBe(400);
      }
      expect((await anon.post("/api/auth/register", { username: "nopw" })).status).toBe(400);
      expect((await anon.post("/api/auth/register", { username: "emptypw", password: "" })).status).toBe(400);
    });

    it("logs in with the password; wrong password or unknown user is 401 invalid credentials", async () => {
      const ok = await anon.post("/api/auth/login", { username: alice.username, password: alice.password });
      expect(ok.status).toBe(200);
      const me = await anon.get("/api/account/me", { token: ok.body.jwt });
      expect(me.body.account.id).toBe(alice.id);
      const bad = await anon.post("/api/auth/login", { username: alice.username, password: "wrong" });
      expect(bad.status).toBe(401);
      expect(bad.body.error).toBe("invalid credentials");
      const unknown = await anon.post("/api/auth/login", { username: "nobody-here", password: "x" });
      expect(unknown.status).toBe(401);
      expect((await anon.post("/api/auth/login", { username: alice.username })).status).toBe(400);
    });

    it("returns the account on /api/account/me", async () => {
      const me = await alice.client.get("/api/account/me");
      expect(me.status).toBe(200);
      expect(me.body).toEqual({
        account: { type: 1, id: alice.id, version: expect.any(Number), attrs: { username: alice.username } },
      });
      expect(alice.id).toMatch(/^[0-9]+$/);
    });

    it("answers 401 for missing, malformed, foreign-signed and expired tokens", async () => {
      expect((await anon.get("/api/account/me")).status).toBe(401);
      expect((await anon.get("/api/account/me", { token: "not-a-jwt" })).status).toBe(401);
      const other = await backend.start({ jwtSecret: "x".repeat(40) });
      try {
        const stranger = await newUser(other.url, "stranger");
        const r = await anon.get("/api/account/me", { token: stranger.client.token as string });
        expect(r.status).toBe(401);
      } finally {
        await other.stop();
      }
      // exp is whole seconds after a floored iat, so a 2 s token lives at least 1 s.
      const short = await backend.start({ tokenTtlSeconds: 2 });
      try {
        const u = await newUser(short.url, "short");
        expect((await u.client.get("/api/account/me")).status).toBe(200);
        await new Promise((r) => setTimeout(r, 3100));
        const expired = await u.client.get("/api/account/me");
        expect(expired.status).toBe(401);
        expect(expired.body).toEqual({ error: expect.any(String), code: "UNAUTHORIZED" });
      } finally {
        await short.stop();
      }
    });
  });

  describe("§2 agent keys", () => {
    it("associates, logs in with the key (hex case-insensitive), checks, verifies and revokes", async () => {
      const u = await newUser(server.url, "keys");
      const assoc = await u.client.post("/api/agent/associate", { secret: `0x${HEX}` });
      expect(assoc.status).toBe(200);
      expect(assoc.body).toMatchObject({
        ok: true,
        collection: u.id,
        agent: expect.stringMatching(/^[0-9]+$/),
      });
      expect(assoc.body.secret.toLowerCase()).toContain(HEX);
      // Same secret in upper case without 0x is the same key.
      expect((await u.client.post("/api/agent/associate", { secret: HEX.toUpperCase() })).status).toBe(409);
      expect((await u.client.post("/api/agent/associate", { secret: "0x1234" })).status).toBe(400);

      const login = await anon.post("/api/auth/login", { key: `${u.username}%${HEX.toUpperCase()}` });
      expect(login.status).toBe(200);
      const agent = new Client(server.url, login.body.jwt);
      expect((await agent.get("/api/account/me")).body.account.id).toBe(u.id);
      // A key session may use the data API …
      const put = await agent.put(`/api/objects/${u.id}`, { type: 7001, data: b64("{}") });
      expect(put.status).toBe(201);
      // … but may not manage keys.
      expect((await agent.post("/api/agent/associate", { secret: HEX2 })).status).toBe(403);
      expect((await agent.post("/api/agent/revoke", { secret: HEX })).status).toBe(403);

      const check = await anon.post(`/api/agent/check?account=${u.id}`, { secret: `0x${HEX}` });
      expect(check.body).toEqual({ associated: true, agent: assoc.body.agent });
      const checkNo = await anon.post(`/api/agent/check?account=${u.id}`, { secret: HEX2 });
      expect(checkNo.body).toEqual({ associated: false, agent: null });
      expect((await anon.post("/api/agent/check?account=abc", { secret: HEX })).status).toBe(400);
      expect((await anon.post("/api/agent/verify", { key: `${u.username}%${HEX}` })).body).toEqual({
        valid: true,
      });
      expect((await anon.post("/api/agent/verify", { key: `${u.username}%${HEX2}` })).body).toEqual({
        valid: false,
      });
      expect((await anon.post("/api/agent/verify", { key: "garbage" })).body).toEqual({ valid: false });

      expect((await u.client.post("/api/agent/revoke", { secret: HEX })).status).toBe(200);
      expect((await u.client.post("/api/agent/revoke", { secret: HEX })).status).toBe(404);
      // Revocation takes effect at once: the existing key session and new key logins fail.
      expect((await agent.get("/api/account/me")).status).toBe(401);
      expect((await anon.post("/api/auth/login", { key: `${u.username}%${HEX}` })).status).toBe(401);
      expect((await anon.post("/api/agent/verify", { key: `${u.username}%${HEX}` })).body).toEqual({
        valid: false,
      });
    });

    it("requires authentication to associate or revoke", async () => {
      expect((await anon.post("/api/agent/associate", { secret: HEX })).status).toBe(401);
      expect((await anon.post("/api/agent/revoke", { secret: HEX })).status).toBe(401);
    });
  });

  describe("§3 objects", () => {
    const path = () => `/api/objects/${alice.id}`;

    it("creates with a fresh id (no id or id '0') and reads it back with all fields", async () => {
      const a = await alice.client.put(path(), { type: 7001, version: 0, data: b64('{"x":1}') });
      const b = await alice.client.put(path(), { type: 7001, id: "0", version: 0, data: b64('{"x":2}') });
      expect(a.status).toBe(201);
      expect(a.body).toEqual({ success: true, id: expect.stringMatching(/^[1-9][0-9]*$/) });
      expect(b.body.id).not.toBe(a.body.id);
      const got = await alice.client.get(`${path()}/7001/${a.body.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        type: 7001,
        id: a.body.id,
        version: 0,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        data_b64: b64('{"x":1}'),
      });
    });

    it("updates iff the version matches, bumping it; otherwise 409 VERSION_CLASH", async () => {
      const { id } = (await alice.client.put(path(), { type: 7002, version: 0, data: b64("v0") })).body;
      const up = await alice.client.put(path(), { type: 7002, id, version: 0, data: b64("v1") });
      expect(up.status).toBe(201);
      expect(up.body).toEqual({ success: true, id });
      const got = await alice.client.get(`${path()}/7002/${id}`);
      expect(got.body.version).toBe(1);
      expect(Buffer.from(got.body.data_b64, "base64").toString()).toBe("v1");
      const clash = await alice.client.put(path(), { type: 7002, id, version: 0, data: b64("stale") });
      expect(clash.status).toBe(409);
      expect(clash.body.code).toBe("VERSION_CLASH");
      expect(clash.body.error).toMatch(/^Conflict: /);
      // Numbers and strings are both accepted for bigints / ints.
      const up2 = await alice.client.put(path(), {
        type: "7002",
        id: Number(id),
        version: "1",
        data: b64("v2"),
      });
      expect(up2.status).toBe(201);
      expect((await alice.client.get(`${path()}/7002/${id}`)).body.version).toBe(2);
    });

    it("answers 404 for updating or reading a missing id", async () => {
      expect(
        (await alice.client.put(path(), { type: 7001, id: "999999999", version: 0, data: "" })).status,
      ).toBe(404);
      expect((await alice.client.get(`${path()}/7001/999999999`)).status).toBe(404);
    });

    it("ignores unknown body fields and query parameters", async () => {
      const r = await alice.client.put(`${path()}?isDisplayName=true&foo=bar`, {
        type: 7004,
        version: 0,
        data: b64("x"),
        extra: { nested: true },
      });
      expect(r.status).toBe(201);
      expect((await alice.client.get(`${path()}/7004/${r.body.id}?whatever=1`)).status).toBe(200);
    });

    it("rejects bad input with 400", async () => {
      const c = alice.client;
      const bad: unknown[] = [
        { type: 0, data: "" },
        { type: 1_000_000_001, data: "" },
        { type: "abc", data: "" },
        { type: 7001, data: "not base64!" },
        { type: 7001, data: "abc" },
        { type: 7001, data: 123 },
        { type: 7001, id: "-5", version: 0, data: "" },
        { type: 7001, id: "12a", version: 0, data: "" },
        { type: 7001, id: 1.5, version: 0, data: "" },
        { type: 7001, version: -1, data: "" },
        { data: "" },
        [],
        "string",
      ];
      for (const body of bad) expect((await c.put(path(), body)).status, JSON.stringify(body)).toBe(400);
      expect(
        (await c.req("PUT", path(), "{not json", { raw: true, contentType: "application/json" })).status,
      ).toBe(400);
      for (const p of [`${path()}/abc/1`, `${path()}/7001/-1`, `${path()}/7001/x`, `${path()}/0/1`]) {
        expect((await c.get(p)).status, p).toBe(400);
      }
    });

    it("bounds object data at 1 MB decoded (413 beyond)", async () => {
      const max = Buffer.alloc(1024 * 1024, 7);
      const ok = await alice.client.put(path(), { type: 7001, data: max.toString("base64") });
      expect(ok.status).toBe(201);
      const got = await alice.client.get(`${path()}/7001/${ok.body.id}`);
      expect(Buffer.from(got.body.data_b64, "base64").equals(max)).toBe(true);
      const over = await alice.client.put(path(), {
        type: 7001,
        data: Buffer.alloc(1024 * 1024 + 1).toString("base64"),
      });
      expect(over.status).toBe(413);
      const huge = await alice.client.req(
        "PUT",
        path(),
        JSON.stringify({ type: 7001, data: "A".repeat(3_000_000) }),
        {
          raw: true,
          contentType: "application/json",
        },
      );
      expect(huge.status).toBe(413);
    });

    it("refuses another tenant's path with 403", async () => {
      expect((await bob.client.put(path(), { type: 7001, data: "" })).status).toBe(403);
      expect((await bob.client.get(`${path()}/7001/1`)).status).toBe(403);
    });

    it("deletes an object together with its associations; deleting again reports success:false", async () => {
      const c = alice.client;
      const { id } = (await c.put(path(), { type: 7005, data: b64("s") })).body;
      await c.put(`${path()}/associations`, {
        type: "from_obj",
        sourceId: id,
        targetId: "5",
        time: 1,
        position: 1,
      });
      await c.put(`${path()}/associations`, {
        type: "to_obj",
        sourceId: alice.id,
        targetId: id,
        time: 1,
        position: 1,
      });
      const del = await c.del(`${path()}/7005/${id}`);
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ success: true });
      expect((await c.get(`${path()}/7005/${id}`)).status).toBe(404);
      expect((await c.get(`${path()}/associations/from_obj/${id}`)).body.count).toBe(0);
      expect((await c.get(`${path()}/associations/to_obj/${alice.id}?targetId=${id}`)).body.count).toBe(0);
      const again = await c.del(`${path()}/7005/${id}`);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ success: false, message: expect.any(String) });
    });

    it("reports per-tenant stats", async () => {
      const u = await newUser(server.url, "stats");
      await u.client.put(`/api/objects/${u.id}`, { type: 7001, data: b64("12345") });
      await u.client.put(`/api/objects/${u.id}/associations`, {
        type: "t",
        sourceId: u.id,
        targetId: "1",
        time: "1",
        position: "1",
        data: b64("ab"),
      });
      const s = await u.client.get(`/api/objects/stats/${u.id}`);
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({
        objectCount: "1",
        objectBytes: "5",
        associationCount: "1",
        associationBytes: "2",
      });
      expect((await bob.client.get(`/api/objects/stats/${u.id}`)).status).toBe(403);
    });
  });

  describe("§4 associations", () => {
    const ap = () => `/api/objects/${alice.id}/associations`;

    it("puts, overwrites, lists by position descending, pages with after, filters by targetId", async () => {
      const c = alice.client;
      for (let i = 1; i <= 5; i++) {
        const r = await c.put(ap(), {
          type: "links",
          sourceId: alice.id,
          targetId: String(100 + i),
          time: String(1000 + i),
          position: i * 10,
          data: b64(`d${i}`),
        });
        expect(r.status).toBe(201);
        expect(r.body).toEqual({ success: true });
      }
      // Re-PUT overwrites time/position/data (target 101 moves to the top).
      await c.put(ap(), {
        type: "links",
        sourceId: alice.id,
        targetId: "101",
        time: "9",
        position: "99",
        data: b64("new"),
      });
      const all = await c.get(`${ap()}/links/${alice.id}`);
      expect(all.status).toBe(200);
      expect(all.body.count).toBe(5);
      expect(all.body.associations.map((a: { targetId: string }) => a.targetId)).toEqual([
        "101",
        "105",
        "104",
        "103",
        "102",
      ]);
      expect(all.body.associations[0]).toEqual({
        type: "links",
        sourceId: alice.id,
        targetId: "101",
        time: "9",
        position: "99",
        data_b64: b64("new"),
      });
      const page = await c.get(`${ap()}/links/${alice.id}?after=40&limit=2`);
      expect(page.body.associations.map((a: { position: string }) => a.position)).toEqual(["30", "20"]);
      const one = await c.get(`${ap()}/links/${alice.id}?targetId=103`);
      expect(one.body.count).toBe(1);
      expect(one.body.associations[0].targetId).toBe("103");
    });

    it("defaults limit to 50, allows up to 1000, rejects more", async () => {
      const c = alice.client;
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          c.put(ap(), { type: "many", sourceId: "1", targetId: String(i), time: i, position: i }),
        ),
      );
      expect((await c.get(`${ap()}/many/1`)).body.count).toBe(50);
      expect((await c.get(`${ap()}/many/1?limit=1000`)).body.count).toBe(60);
      expect((await c.get(`${ap()}/many/1?limit=1001`)).status).toBe(400);
      expect((await c.get(`${ap()}/many/1?limit=0`)).status).toBe(400);
      expect((await c.get(`${ap()}/many/1?limit=abc`)).status).toBe(400);
    });

    it("answers an empty list with 200 count 0", async () => {
      const r = await alice.client.get(`${ap()}/nothing_here/12345`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ count: 0, associations: [] });
    });

    it("deletes one association", async () => {
      const c = alice.client;
      await c.put(ap(), { type: "gone", sourceId: "7", targetId: "8", time: 1, position: 1 });
      const del = await c.del(`${ap()}/gone/7/8`);
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ success: true });
      expect((await c.get(`${ap()}/gone/7`)).body.count).toBe(0);
    });

    it("validates names, ids and the 128 KB data bound", async () => {
      const c = alice.client;
      const base = { type: "ok", sourceId: "1", targetId: "2", time: 1, position: 1 };
      expect((await c.put(ap(), { ...base, type: "bad type" })).status).toBe(400);
      expect((await c.put(ap(), { ...base, sourceId: "-1" })).status).toBe(400);
      expect((await c.put(ap(), { ...base, targetId: "x" })).status).toBe(400);
      expect((await c.put(ap(), { ...base, position: "1e5" })).status).toBe(400);
      expect((await c.put(ap(), { ...base, data: "@@@@" })).status).toBe(400);
      expect((await c.put(ap(), { ...base, data: Buffer.alloc(128 * 1024).toString("base64") })).status).toBe(
        201,
      );
      expect(
        (await c.put(ap(), { ...base, data: Buffer.alloc(128 * 1024 + 1).toString("base64") })).status,
      ).toBe(413);
      expect((await c.get(`${ap()}/ok/-1`)).status).toBe(400);
      expect((await c.get(`${ap()}/ok/1?after=x`)).status).toBe(400);
      expect((await bob.client.get(`${ap()}/ok/1`)).status).toBe(403);
    });
  });

  describe("§5 chains", () => {
    it("appends and prepends raw bytes of any content type, hash-linking the blocks", async () => {
      const c = alice.client;
      const ch = `/${alice.username}/log/0`;
      const a0 = await c.post(`/api/chains/append${ch}`, "first", { raw: true, contentType: "text/plain" });
      expect(a0.status).toBe(201);
      expect(a0.body).toEqual({ success: true, blockIdx: "0", eventId: expect.any(String) });
      const a1 = await c.post(`/api/chains/append${ch}`, "{not json", {
        raw: true,
        contentType: "application/json",
      });
      expect(a1.body.blockIdx).toBe("1");
      const bin = Buffer.from([0, 255, 1, 254]);
      const a2 = await c.post(`/api/chains/append${ch}`, bin, { raw: true });
      expect(a2.body.blockIdx).toBe("2");
      const p = await c.post(`/api/chains/prepend${ch}`, "before", { raw: true });
      expect(p.status).toBe(201);
      expect(p.body.blockIdx).toBe("-1");

      const b2 = (await c.get(`/api/chains${ch}/2`)).body.block;
      expect(b2).toMatchObject({
        shardId: 0,
        tenant: alice.username,
        name: "log",
        blockIdx: "2",
        payloads_b64: [bin.toString("base64")],
        messageCount: 1,
        payloadBytes: 4,
        system: {
          eventId: a2.body.eventId,
          sourceAgent: alice.username,
          timestamp: expect.stringMatching(/^[0-9]+$/),
        },
      });
      const range = await c.get(`/api/chains/range${ch}`);
      expect(range.body.count).toBe(4);
      const blocks = range.body.blocks;
      expect(blocks.map((b: { blockIdx: string }) => b.blockIdx)).toEqual(["-1", "0", "1", "2"]);
      for (const b of blocks) expect(documentedHash(b)).toBe(b.hash);
      expect(blocks[1].prevHash).toBe("0".repeat(64));
      expect(blocks[2].prevHash).toBe(blocks[1].hash);
      expect(blocks[3].prevHash).toBe(blocks[2].hash);
      expect(blocks[0].prevHash).toBe(blocks[1].hash);
    });

    it("serves first/last/range/recent/metadata/validate/stats", async () => {
      const c = alice.client;
      const ch = `/${alice.username}/feed/3`;
      for (let i = 0; i < 6; i++) await c.post(`/api/chains/append${ch}`, `m${i}`, { raw: true });
      const text = (b: { payloads_b64: string[] }) =>
        Buffer.from(b.payloads_b64[0] as string, "base64").toString();
      expect(text((await c.get(`/api/chains/first${ch}`)).body.block)).toBe("m0");
      expect(text((await c.get(`/api/chains/last${ch}`)).body.block)).toBe("m5");
      const desc = await c.get(`/api/chains/range${ch}?startIdx=1&endIdx=3&order=DESC`);
      expect(desc.body.blocks.map(text)).toEqual(["m3", "m2", "m1"]);
      expect(desc.body.requestedRange).toEqual({ startIdx: "1", endIdx: "3", order: "DESC" });
      const recent = await c.get(`/api/chains/recent${ch}?count=2`);
      expect(recent.body.count).toBe(2);
      expect(recent.body.blocks.map(text)).toEqual(["m4", "m5"]);
      expect((await c.get(`/api/chains/recent${ch}?count=1001`)).status).toBe(400);
      const meta = await c.get(`/api/chains/metadata${ch}`);
      expect(meta.body.chain).toMatchObject({
        shardId: 3,
        tenant: alice.username,
        name: "feed",
        currentHead: "0",
        currentTail: "5",
        blockCount: "6",
        messageCount: "6",
        payloadBytes: "12",
        isDeleting: false,
      });
      const v = await c.get(`/api/chains/validate${ch}`);
      expect(v.body.validation).toMatchObject({ isValid: true, hasGaps: false, errorMessage: null });
      const stats = await c.get(`/api/chains/stats/${alice.username}`);
      expect(stats.status).toBe(200);
      expect(stats.body.count).toBe(stats.body.stats.length);
      expect(
        stats.body.stats.some((s: { name: string; shardId: number }) => s.name === "feed" && s.shardId === 3),
      ).toBe(true);
    });

    it("deletes a chain (200 with the deleted metadata), then 404", async () => {
      const c = alice.client;
      const ch = `/${alice.username}/tmp/0`;
      await c.post(`/api/chains/append${ch}`, "x", { raw: true });
      const del = await c.del(`/api/chains${ch}`);
      expect(del.status).toBe(200);
      expect(del.body).toMatchObject({ success: true, deletedChain: { name: "tmp", blockCount: "1" } });
      expect((await c.del(`/api/chains${ch}`)).status).toBe(404);
      expect((await c.get(`/api/chains/metadata${ch}`)).status).toBe(404);
      expect((await c.get(`/api/chains${ch}/0`)).status).toBe(404);
      // Re-creating starts from block 0 again.
      expect((await c.post(`/api/chains/append${ch}`, "y", { raw: true })).body.blockIdx).toBe("0");
    });

    it("lets anyone write to an existing tenant's chain but only the owner read it", async () => {
      const w = await alice.client.post(`/api/chains/append/${bob.username}/inbox/0`, "hi bob", {
        raw: true,
      });
      expect(w.status).toBe(201);
      const read = await bob.client.get(`/api/chains/first/${bob.username}/inbox/0`);
      expect(read.status).toBe(200);
      expect(read.body.block.system.sourceAgent).toBe(alice.username);
      expect((await alice.client.get(`/api/chains/first/${bob.username}/inbox/0`)).status).toBe(404);
      expect(
        (await alice.client.post("/api/chains/append/no-such-user-x/inbox/0", "x", { raw: true })).status,
      ).toBe(404);
    });

    it("rejects empty bodies, bad names and bad indices; 404 for missing chains and blocks", async () => {
      const c = alice.client;
      const u = alice.username;
      expect((await c.req("POST", `/api/chains/append/${u}/e/0`)).status).toBe(400);
      expect((await c.post(`/api/chains/append/${u}/e/0`, "", { raw: true })).status).toBe(400);
      expect((await c.post(`/api/chains/append/${u}/bad%20name/0`, "x", { raw: true })).status).toBe(400);
      expect((await c.post(`/api/chains/append/${u}/e/-1`, "x", { raw: true })).status).toBe(400);
      expect((await c.post(`/api/chains/append/${u}/e/abc`, "x", { raw: true })).status).toBe(400);
      expect((await c.post(`/api/chains/append/${u}/e/0`, "x", { raw: true, token: null })).status).toBe(401);
      expect((await c.get(`/api/chains/metadata/${u}/missing/0`)).status).toBe(404);
      await c.post(`/api/chains/append/${u}/e/0`, "x", { raw: true });
      expect((await c.get(`/api/chains/${u}/e/0/7`)).status).toBe(404);
      expect((await c.get(`/api/chains/${u}/e/0/x`)).status).toBe(400);
      expect((await c.get(`/api/chains/range/${u}/e/0?order=SIDEWAYS`)).status).toBe(400);
      expect((await c.get(`/api/chains/range/${u}/e/0?startIdx=abc`)).status).toBe(400);
    });

    it("accepts a 50 MB body and refuses a larger one with 413", async () => {
      const c = alice.client;
      const big = Buffer.alloc(50 * 1024 * 1024, 1);
      const ok = await c.post(`/api/chains/append/${alice.username}/big/0`, big, { raw: true });
      expect(ok.status).toBe(201);
      const over = await c.post(
        `/api/chains/append/${alice.username}/big/0`,
        Buffer.alloc(50 * 1024 * 1024 + 1),
        {
          raw: true,
        },
      );
      expect(over.status).toBe(413);
      const meta = await c.get(`/api/chains/metadata/${alice.username}/big/0`);
      expect(meta.body.chain.blockCount).toBe("1");
      // Two more 30 MB blocks: a range answer stops before 64 MB of payload and says so.
      const mid = Buffer.alloc(30 * 1024 * 1024, 2);
      for (let i = 0; i < 2; i++)
        await c.post(`/api/chains/append/${alice.username}/big/0`, mid, { raw: true });
      const range = await c.get(`/api/chains/range/${alice.username}/big/0`);
      expect(range.body).toMatchObject({ count: 1, truncated: true });
      expect(range.body.blocks[0].blockIdx).toBe("0");
      const rest = await c.get(`/api/chains/range/${alice.username}/big/0?startIdx=1`);
      expect(rest.body).toMatchObject({ count: 2, truncated: false });
      expect((await c.get(`/api/chains/validate/${alice.username}/big/0`)).body.validation.isValid).toBe(
        true,
      );
    }, 90_000); // 130 MB of uploads and 60 MB answers: slow on a loaded 2-core machine
  });

  describe("errors and protection", () => {
    it("treats an empty body sent as application/json as no body", async () => {
      const c = alice.client;
      const { id } = (await c.put(`/api/objects/${alice.id}`, { type: 7001, data: "" })).body;
      const r = await c.req("DELETE", `/api/objects/${alice.id}/7001/${id}`, "", {
        raw: true,
        contentType: "application/json",
      });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ success: true });
      expect(
        (await c.req("PUT", `/api/objects/${alice.id}`, "", { raw: true, contentType: "application/json" }))
          .status,
      ).toBe(400);
      const poisoned = '{"type":7001,"data":"","__proto__":{"x":1}}';
      expect(
        (
          await c.req("PUT", `/api/objects/${alice.id}`, poisoned, {
            raw: true,
            contentType: "application/json",
          })
        ).status,
      ).toBe(400);
    });

    it("answers unknown routes with a JSON 404", async () => {
      const r = await anon.get("/api/does/not/exist");
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: expect.any(String), code: "NOT_FOUND" });
    });

    it("rate-limits per account and per IP with 429 and Retry-After", async () => {
      const limited = await backend.start({
        rateLimit: {
          perAccount: { ratePerSecond: 0.05, burst: 3 },
          perIp: { ratePerSecond: 1000, burst: 1000 },
        },
      });
      try {
        const u = await newUser(limited.url, "limited");
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await u.client.get("/api/account/me")).status);
        // newUser() already spent one of the 3 burst tokens on /api/account/me.
        expect(statuses.slice(0, 2)).toEqual([200, 200]);
        expect(statuses.slice(2)).toEqual([429, 429, 429, 429]);
        const r = await u.client.get("/api/account/me");
        expect(r.status).toBe(429);
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(r.body.code).toBe("RATE_LIMITED");
      } finally {
        await limited.stop();
      }
      const ipLimited = await backend.start({
        rateLimit: {
          perAccount: { ratePerSecond: 1000, burst: 1000 },
          perIp: { ratePerSecond: 0.05, burst: 2 },
        },
      });
      try {
        const c = new Client(ipLimited.url);
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await c.get("/api/account/me")).status);
        expect(statuses).toEqual([401, 401, 429, 429]);
      } finally {
        await ipLimited.stop();
      }
    });
  });
});
