// The batch extension on a real server over both backends: the capabilities document, one
// transaction per batch (a clash rolls every item back and names the item), references to
// objects created earlier in the batch, the single calls' validation and tenant checks per item,
// the item cap, and garbage bodies answered with a 4xx and nothing written.

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, b64, newUser, startWithUsers, type TestServer, type User } from "./helpers.js";

describe.each(BACKENDS)("batch extension ($name)", (backend) => {
  let server: TestServer;
  let user: User;
  beforeAll(async () => {
    [server, user] = await startWithUsers(backend, "batch");
  });
  afterAll(async () => server?.stop());

  const batch = (items: unknown[], u: User = user) => u.client.post(`/api/batch/${u.id}`, { items });

  it("advertises itself in the capabilities document", async () => {
    const r = await user.client.get("/.well-known/hsagent-substrate", { token: null });
    expect(r.status).toBe(200);
    expect(r.body.extensions.batch.path).toBe("/api/batch/:tenant");
    expect(r.body.extensions.batch.maxItems).toBeGreaterThan(1);
  });

  it("applies objects, associations (with $refs), deletes and a chain append in one call", async () => {
    const r = await batch([
      { op: "putObject", type: 7003, version: 0, data: b64('{"a":1}') },
      { op: "putObject", type: 7003, version: 0, data: b64('{"b":2}') },
      { op: "putAssociation", type: "links", sourceId: "$0", targetId: "$1", time: "5", data: b64("x") },
      { op: "appendBlock", chain: "batch-chain", shard: 0, payload: b64("hello") },
    ]);
    expect(r.status).toBe(200);
    const [a, b, , block] = r.body.results;
    expect(block.blockIdx).toBe("0");
    const list = await user.client.get(`/api/objects/${user.id}/associations/links/${a.id}`);
    expect(list.body.associations.map((x: { targetId: string }) => x.targetId)).toEqual([b.id]);
    const del = await batch([
      { op: "deleteObject", type: 7003, id: b.id },
      { op: "deleteAssociation", type: "links", sourceId: a.id, targetId: b.id },
    ]);
    expect(del.status).toBe(200);
    expect(del.body.results).toEqual([{ deleted: true }, { deleted: false }]);
    expect((await user.client.get(`/api/objects/${user.id}/7003/${b.id}`)).status).toBe(404);
  });

  it("is all or nothing under a version clash, and names the clashing item", async () => {
    const made = await user.client.put(`/api/objects/${user.id}`, {
      type: 7003,
      version: 0,
      data: b64("v0"),
    });
    const id = made.body.id as string;
    const other = await user.client.put(`/api/objects/${user.id}`, {
      type: 7003,
      version: 0,
      data: b64("o"),
    });
    const countBefore = (await user.client.get(`/api/objects/stats/${user.id}`)).body.objectCount;
    const r = await batch([
      { op: "putObject", type: 7003, version: 0, data: b64("new") },
      { op: "putObject", type: 7003, id: other.body.id, version: 0, data: b64("o2") },
      { op: "putAssociation", type: "clash-link", sourceId: id, targetId: other.body.id },
      { op: "appendBlock", chain: "clash-chain", shard: 0, payload: b64("never") },
      { op: "deleteObject", type: 7003, id: other.body.id },
      { op: "putObject", type: 7003, id, version: 5, data: b64("stale") },
    ]);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe("VERSION_CLASH");
    expect(r.body.index).toBe(5);
    // Nothing of the batch is visible: no update, no association, no block, no delete, no create.
    const o = await user.client.get(`/api/objects/${user.id}/7003/${other.body.id}`);
    expect(o.body.version).toBe(0);
    expect(Buffer.from(o.body.data_b64, "base64").toString()).toBe("o");
    const links = await user.client.get(`/api/objects/${user.id}/associations/clash-link/${id}`);
    expect(links.body.count).toBe(0);
    expect((await user.client.get(`/api/chains/metadata/${user.username}/clash-chain/0`)).status).toBe(404);
    // The object created by item 0 is gone too.
    expect((await user.client.get(`/api/objects/stats/${user.id}`)).body.objectCount).toBe(countBefore);
    const ok = await batch([{ op: "putObject", type: 7003, id, version: 0, data: b64("v1") }]);
    expect(ok.status).toBe(200);
  });

  it("expectNoAssociation: passes when none exists, else stops the whole batch as a clash", async () => {
    const src = (await user.client.put(`/api/objects/${user.id}`, { type: 7003, version: 0, data: b64("s") }))
      .body.id as string;
    const caps = await user.client.get("/.well-known/hsagent-substrate", { token: null });
    expect(caps.body.extensions.batch.ops).toContain("expectNoAssociation");
    const claim = () =>
      batch([
        { op: "expectNoAssociation", type: "owned-by", sourceId: src },
        { op: "putObject", type: 7003, version: 0, data: b64("state") },
        { op: "putAssociation", type: "owned-by", sourceId: src, targetId: "$1" },
        { op: "appendBlock", chain: "claim-chain", shard: 0, payload: b64("claimed") },
      ]);
    const first = await claim();
    expect(first.status).toBe(200);
    expect(first.body.results[0]).toEqual({});
    const countBefore = (await user.client.get(`/api/objects/stats/${user.id}`)).body.objectCount;
    const second = await claim();
    expect(second.status).toBe(409);
    expect(second.body.index).toBe(0);
    expect(second.body.error).toContain("association of that type exists");
    // Nothing of the second batch landed: one link, one object, one block.
    const links = await user.client.get(`/api/objects/${user.id}/associations/owned-by/${src}`);
    expect(links.body.count).toBe(1);
    expect((await user.client.get(`/api/objects/stats/${user.id}`)).body.objectCount).toBe(countBefore);
    const chain = await user.client.get(`/api/chains/metadata/${user.username}/claim-chain/0`);
    expect(chain.body.chain.blockCount).toBe("1");
    // A link made earlier in the same batch counts too.
    const src2 = (
      await user.client.put(`/api/objects/${user.id}`, { type: 7003, version: 0, data: b64("t") })
    ).body.id as string;
    const same = await batch([
      { op: "putAssociation", type: "owned-by", sourceId: src2, targetId: src },
      { op: "expectNoAssociation", type: "owned-by", sourceId: src2 },
    ]);
    expect(same.status).toBe(409);
    expect(same.body.index).toBe(1);
    expect((await user.client.get(`/api/objects/${user.id}/associations/owned-by/${src2}`)).body.count).toBe(
      0,
    );
    // Checked like the single calls: names and ids.
    expect((await batch([{ op: "expectNoAssociation", type: "", sourceId: src }])).status).toBe(400);
    expect((await batch([{ op: "expectNoAssociation", type: "t", sourceId: "x" }])).status).toBe(400);
    expect((await batch([{ op: "expectNoAssociation", type: "t", sourceId: "$0" }])).status).toBe(400);
  });

  it("a missing object rolls back too (404 with the item index)", async () => {
    const r = await batch([
      { op: "appendBlock", chain: "missing-chain", shard: 0, payload: b64("never") },
      { op: "putObject", type: 7003, id: "999999999", version: 0, data: b64("x") },
    ]);
    expect(r.status).toBe(404);
    expect(r.body.index).toBe(1);
    expect((await user.client.get(`/api/chains/metadata/${user.username}/missing-chain/0`)).status).toBe(404);
  });

  it("checks every item like the single call: tenant, formats, sizes, refs, cap", async () => {
    const stranger = await newUser(server.url, "stranger");
    expect(
      (
        await stranger.client.post(`/api/batch/${user.id}`, {
          items: [{ op: "deleteObject", type: 1, id: "1" }],
        })
      ).status,
    ).toBe(403);
    const big = b64(Buffer.alloc(128 * 1024 + 1));
    const bad = await batch([{ op: "putAssociation", type: "t", sourceId: "1", targetId: "2", data: big }]);
    expect(bad.status).toBe(413);
    expect(bad.body.error).toContain("items[0]");
    expect((await batch([{ op: "putObject", type: 0, data: "" }])).status).toBe(400);
    expect((await batch([{ op: "deleteObject", type: 1, id: "$0" }])).status).toBe(400);
    expect(
      (
        await batch([
          { op: "appendBlock", chain: "c", shard: 0, tenant: "nobody-here-xyz", payload: b64("x") },
        ])
      ).status,
    ).toBe(404);
    expect((await batch([{ op: "frobnicate" }])).status).toBe(400);
    expect((await batch([])).status).toBe(400);
    const many = Array.from({ length: 65 }, () => ({ op: "deleteObject", type: 1, id: "1" }));
    expect((await batch(many)).status).toBe(400);
    expect((await user.client.post(`/api/batch/${user.id}`, { items: [] }, { token: null })).status).toBe(
      401,
    );
  });

  it("answers garbage items with a 4xx and writes nothing", async () => {
    const before = (await user.client.get(`/api/objects/stats/${user.id}`)).body.objectCount;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.anything(),
            fc.record({
              op: fc.constantFrom("putObject", "appendBlock", "putAssociation"),
              type: fc.anything(),
              data: fc.anything(),
              id: fc.anything(),
            }),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        async (items) => {
          // Each valid-looking create is preceded by a garbage item, so no batch can be whole.
          const r = await batch([{ op: "putObject", type: "x" }, ...items]);
          expect(r.status).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
        },
      ),
      { numRuns: 40 },
    );
    expect((await user.client.get(`/api/objects/stats/${user.id}`)).body.objectCount).toBe(before);
  });
});
