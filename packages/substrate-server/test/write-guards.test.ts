// Tokens need `exp` and an existing account on every path; the per-tenant storage quota; and
// owner-write-only chains (403 for foreign appends), on both backends.

import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, b64, Client, newUser, type TestServer, type User } from "./helpers.js";

const SECRET = "write-guards-test-secret-0123456789abcdef";

async function forge(claims: Record<string, string>, sub: string, exp: number | null): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(sub)
    .setIssuer("hsagent-substrate")
    .setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(SECRET));
}

describe.each(BACKENDS)("write guards ($name)", (backend) => {
  let server: TestServer;
  let alice: User;
  let bob: User;
  beforeAll(async () => {
    server = await backend.start({ jwtSecret: SECRET, tenantQuotaBytes: 64 * 1024 });
    alice = await newUser(server.url, "alice");
    bob = await newUser(server.url, "bob");
  });
  afterAll(async () => server?.stop());

  it("refuses a correctly signed token without exp on every request, also after a good one", async () => {
    const noExp = await forge({ usr: alice.username, knd: "pw" }, alice.id, null);
    const c = new Client(server.url, noExp);
    for (let i = 0; i < 2; i++) {
      expect((await c.get("/api/account/me")).status).toBe(401);
      expect((await c.put(`/api/objects/${alice.id}`, { type: 3, data: b64("x") })).status).toBe(401);
    }
    const withExp = await forge(
      { usr: alice.username, knd: "pw" },
      alice.id,
      Math.floor(Date.now() / 1000) + 60,
    );
    expect((await new Client(server.url, withExp).get("/api/account/me")).status).toBe(200);
  });

  it("refuses a token for an account that does not exist on every route", async () => {
    const ghost = await forge({ usr: "ghost", knd: "pw" }, "987654", Math.floor(Date.now() / 1000) + 60);
    const c = new Client(server.url, ghost);
    for (let i = 0; i < 2; i++) {
      expect((await c.put("/api/objects/987654", { type: 3, data: b64("x") })).status).toBe(401);
      expect((await c.get("/api/account/me")).status).toBe(401);
      expect((await c.post("/api/chains/append/ghost/c/0", Buffer.from("x"), { raw: true })).status).toBe(
        401,
      );
    }
    // A real account id under another username is refused too.
    const mixed = await forge({ usr: "ghost", knd: "pw" }, alice.id, Math.floor(Date.now() / 1000) + 60);
    expect(
      (await new Client(server.url, mixed).put(`/api/objects/${alice.id}`, { type: 3, data: b64("x") }))
        .status,
    ).toBe(401);
  });

  it("answers 413 QUOTA_EXCEEDED once a tenant's objects and chains fill its quota", async () => {
    const u = await newUser(server.url, "quota");
    const chunk = Buffer.alloc(20 * 1024, 1);
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      statuses.push(
        (await u.client.put(`/api/objects/${u.id}`, { type: 9, data: chunk.toString("base64") })).status,
      );
    }
    expect(statuses).toEqual([201, 201]);
    expect((await u.client.post(`/api/chains/append/${u.username}/q/0`, chunk, { raw: true })).status).toBe(
      201,
    );
    const over = await u.client.post(`/api/chains/append/${u.username}/q/0`, chunk, { raw: true });
    expect(over.status).toBe(413);
    expect(over.body.code).toBe("QUOTA_EXCEEDED");
    const obj = await u.client.put(`/api/objects/${u.id}`, { type: 9, data: chunk.toString("base64") });
    expect(obj.status).toBe(413);
    const assoc = await u.client.put(`/api/objects/${u.id}/associations`, {
      type: "t",
      sourceId: "1",
      targetId: "2",
      data: chunk.subarray(0, 10_000).toString("base64"),
    });
    expect(assoc.status).toBe(413);
    // Another tenant is not affected.
    expect((await alice.client.put(`/api/objects/${alice.id}`, { type: 9, data: b64("ok") })).status).toBe(
      201,
    );
  });

  it("lets an owner mark a chain owner-write-only: foreign appends get 403, the owner's go through", async () => {
    const chain = `/api/chains/append/${alice.username}/hsagent-audit-1/0`;
    expect((await bob.client.post(chain, Buffer.from("before"), { raw: true })).status).toBe(201);
    const policy = `/api/chains/policy/${alice.username}/hsagent-audit-1`;
    expect((await alice.client.get(policy)).body.ownerWriteOnly).toBe(false);
    const set = await alice.client.put(policy, { ownerWriteOnly: true });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ tenant: alice.username, chain: "hsagent-audit-1", ownerWriteOnly: true });
    expect((await alice.client.get(policy)).body.ownerWriteOnly).toBe(true);
    const foreign = await bob.client.post(chain, Buffer.from("forged"), { raw: true });
    expect(foreign.status).toBe(403);
    expect(foreign.body.code).toBe("FORBIDDEN");
    const prepend = chain.replace("/append/", "/prepend/");
    expect((await bob.client.post(prepend, Buffer.from("forged"), { raw: true })).status).toBe(403);
    expect((await alice.client.post(chain, Buffer.from("mine"), { raw: true })).status).toBe(201);
    // Every shard of the chain is covered; other chains keep the hosted semantics.
    expect((await bob.client.post(chain.replace(/\/0$/, "/7"), Buffer.from("x"), { raw: true })).status).toBe(
      403,
    );
    const inbox = `/api/chains/append/${alice.username}/inbox/0`;
    expect((await bob.client.post(inbox, Buffer.from("hello"), { raw: true })).status).toBe(201);
    // Only the owner reads or sets the mark; bad bodies are 400.
    expect((await bob.client.put(policy, { ownerWriteOnly: false })).status).toBe(404);
    expect((await bob.client.get(policy)).status).toBe(404);
    expect((await alice.client.put(policy, { ownerWriteOnly: "yes" })).status).toBe(400);
    expect((await alice.client.put(policy, {})).status).toBe(400);
    // Unmarking restores foreign appends.
    expect((await alice.client.put(policy, { ownerWriteOnly: false })).status).toBe(200);
    expect((await bob.client.post(chain, Buffer.from("after"), { raw: true })).status).toBe(201);
  });

  it("reserves the username `policy` (it would shadow the policy route)", async () => {
    const r = await new Client(server.url).post("/api/auth/register", {
      username: "policy",
      password: "long-password",
    });
    expect(r.status).toBe(400);
  });
});
