// Black-box contract suite for SUBSTRATE-API.md §1–§5, run over real HTTP against every backend.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, b64, Client, newUser, type TestServer, type User } from "./helpers.js";

describe.each(BACKENDS)("contract ($name)", (backend) => {
  let server: TestServer;
  let alice: User;

  beforeAll(async () => {
    server = await backend.start();
    alice = await newUser(server.url, "alice");
  });
  afterAll(async () => server?.stop());

  it("creates, reads and updates an object with optimistic versioning", async () => {
    const c = alice.client;
    const put = await c.put(`/api/objects/${alice.id}`, { type: 7001, version: 0, data: b64('{"a":1}') });
    expect(put.status).toBe(201);
    const got = await c.get(`/api/objects/${alice.id}/7001/${put.body.id}`);
    expect(got.status).toBe(200);
    expect(Buffer.from(got.body.data_b64, "base64").toString()).toBe('{"a":1}');
    const upd = await c.put(`/api/objects/${alice.id}`, {
      type: 7001,
      id: put.body.id,
      version: 0,
      data: b64("2"),
    });
    expect(upd.status).toBe(201);
    const clash = await c.put(`/api/objects/${alice.id}`, {
      type: 7001,
      id: put.body.id,
      version: 0,
      data: b64("3"),
    });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe("VERSION_CLASH");
  });

  it("appends to a chain and reads the block back", async () => {
    const c = alice.client;
    const r = await c.post(`/api/chains/append/${alice.username}/c/0`, "hello", { raw: true });
    expect(r.status).toBe(201);
    const b = await c.get(`/api/chains/${alice.username}/c/0/${r.body.blockIdx}`);
    expect(Buffer.from(b.body.block.payloads_b64[0], "base64").toString()).toBe("hello");
  });

  it("answers 401 without a token", async () => {
    const r = await new Client(server.url).get("/api/account/me");
    expect(r.status).toBe(401);
  });
});
