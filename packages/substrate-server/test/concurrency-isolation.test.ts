// Concurrency (optimistic versioning and chain appends under contention, incl. two PostgreSQL
// replicas on one schema) and tenant isolation, on every backend.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSubstrateServer } from "../src/index.js";
import {
  BACKENDS,
  b64,
  Client,
  newUser,
  PG_URL,
  startWithUsers,
  type TestServer,
  type User,
} from "./helpers.js";

describe.each(BACKENDS)("concurrency ($name)", (backend) => {
  let server: TestServer;
  let u: User;
  beforeAll(async () => {
    server = await backend.start({ jwtSecret: "shared-test-secret-0123456789abcdef" });
    u = await newUser(server.url, "conc");
  });
  afterAll(async () => server?.stop());

  it("of 20 simultaneous PUTs with the same version exactly one wins; the version is then +1", async () => {
    const path = `/api/objects/${u.id}`;
    const { id } = (await u.client.put(path, { type: 7005, version: 0, data: b64("start") })).body;
    // Bump to version 3 first so the test does not only exercise version 0.
    for (let v = 0; v < 3; v++)
      await u.client.put(path, { type: 7005, id, version: v, data: b64(`v${v + 1}`) });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        u.client.put(path, { type: 7005, id, version: 3, data: b64(`w${i}`) }),
      ),
    );
    const created = answers.filter((a) => a.status === 201);
    const clashes = answers.filter((a) => a.status === 409);
    expect(created).toHaveLength(1);
    expect(clashes).toHaveLength(19);
    for (const c of clashes) expect(c.body.code).toBe("VERSION_CLASH");
    const got = await u.client.get(`${path}/7005/${id}`);
    expect(got.body.version).toBe(4);
    const winner = answers.indexOf(created[0] as (typeof answers)[number]);
    expect(Buffer.from(got.body.data_b64, "base64").toString()).toBe(`w${winner}`);
  });

  it("never forks a chain under 60 concurrent appends and prepends", async () => {
    const ch = `/${u.username}/busy/0`;
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        u.client.post(`/api/chains/${i % 4 === 3 ? "prepend" : "append"}${ch}`, `msg-${i}`, { raw: true }),
      ),
    );
    expect(answers.every((a) => a.status === 201)).toBe(true);
    const idx = answers.map((a) => Number(a.body.blockIdx)).sort((a, b) => a - b);
    expect(new Set(idx).size).toBe(60);
    expect(idx[idx.length - 1]! - idx[0]!).toBe(59);
    const v = await u.client.get(`/api/chains/validate${ch}`);
    expect(v.body.validation).toMatchObject({ isValid: true, hasGaps: false, blockCount: "60" });
  });

  it.runIf(backend.name === "postgres")("keeps one hash chain when two replicas append at once", async () => {
    const replica = await startSubstrateServer({
      db: PG_URL as string,
      pgSchema: server.pgSchema as string,
      jwtSecret: "shared-test-secret-0123456789abcdef",
      rateLimit: false,
    });
    try {
      const other = new Client(replica.url, u.client.token);
      const ch = `/${u.username}/replicated/0`;
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? other : u.client).post(`/api/chains/append${ch}`, `r${i}`, { raw: true }),
        ),
      );
      expect(answers.every((a) => a.status === 201)).toBe(true);
      const v = await other.get(`/api/chains/validate${ch}`);
      expect(v.body.validation).toMatchObject({ isValid: true, blockCount: "40" });
      // Object versioning across replicas too.
      const { id } = (await other.put(`/api/objects/${u.id}`, { type: 7001, data: b64("x") })).body;
      const puts = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? other : u.client).put(`/api/objects/${u.id}`, {
            type: 7001,
            id,
            version: 0,
            data: b64(`${i}`),
          }),
        ),
      );
      expect(puts.filter((p) => p.status === 201)).toHaveLength(1);
      expect(puts.filter((p) => p.status === 409)).toHaveLength(19);
    } finally {
      await replica.close();
    }
  });
});

describe.each(BACKENDS)("tenant isolation ($name)", (backend) => {
  let server: TestServer;
  let owner: User;
  let stranger: User;
  let objectId: string;
  beforeAll(async () => {
    [server, owner, stranger] = await startWithUsers(backend, "owner", "stranger");
    objectId = (await owner.client.put(`/api/objects/${owner.id}`, { type: 7001, data: b64("private") })).body
      .id;
    await owner.client.put(`/api/objects/${owner.id}/associations`, {
      type: "secret_link",
      sourceId: owner.id,
      targetId: objectId,
      time: 1,
      position: 1,
    });
    await owner.client.post(`/api/chains/append/${owner.username}/diary/0`, "dear diary", { raw: true });
  });
  afterAll(async () => server?.stop());

  it("answers 403 on every object path of another tenant, identically for existing and missing objects", async () => {
    const s = stranger.client;
    const t = owner.id;
    const pairs: Array<
      [Promise<{ status: number; body: unknown }>, Promise<{ status: number; body: unknown }>]
    > = [
      [s.get(`/api/objects/${t}/7001/${objectId}`), s.get(`/api/objects/${t}/7001/987654321`)],
      [
        s.put(`/api/objects/${t}`, { type: 7001, id: objectId, version: 0, data: "" }),
        s.put(`/api/objects/${t}`, { type: 7001, id: "987654321", version: 0, data: "" }),
      ],
      [s.del(`/api/objects/${t}/7001/${objectId}`), s.del(`/api/objects/${t}/7001/987654321`)],
      [
        s.get(`/api/objects/${t}/associations/secret_link/${t}`),
        s.get(`/api/objects/${t}/associations/none/${t}`),
      ],
      [
        s.del(`/api/objects/${t}/associations/secret_link/${t}/${objectId}`),
        s.del(`/api/objects/${t}/associations/none/${t}/1`),
      ],
    ];
    // Everything but the Date header (two answers may straddle a second boundary) must match.
    const comparable = (r: { status: number; body: unknown; headers?: Headers }) => ({
      status: r.status,
      body: r.body,
      headers: [...(r.headers ?? [])].filter(([k]) => k !== "date"),
    });
    for (const [a, b] of pairs) {
      const [ra, rb] = await Promise.all([a, b]);
      expect(ra.status).toBe(403);
      expect(comparable(ra)).toEqual(comparable(rb));
    }
    expect((await s.put(`/api/objects/${t}`, { type: 7001, data: "" })).status).toBe(403);
    expect(
      (
        await s.put(`/api/objects/${t}/associations`, {
          type: "x",
          sourceId: "1",
          targetId: "2",
          time: 1,
          position: 1,
        })
      ).status,
    ).toBe(403);
    expect((await s.get(`/api/objects/stats/${t}`)).status).toBe(403);
    // Nothing changed for the owner.
    const got = await owner.client.get(`/api/objects/${t}/7001/${objectId}`);
    expect(Buffer.from(got.body.data_b64, "base64").toString()).toBe("private");
    expect((await owner.client.get(`/api/objects/${t}/associations/secret_link/${t}`)).body.count).toBe(1);
  });

  it("answers 404 reading or deleting another tenant's chains, exactly as for chains that do not exist", async () => {
    const s = stranger.client;
    const o = owner.username;
    const paths = [
      `/api/chains/${o}/diary/0/0`,
      `/api/chains/first/${o}/diary/0`,
      `/api/chains/last/${o}/diary/0`,
      `/api/chains/range/${o}/diary/0`,
      `/api/chains/recent/${o}/diary/0`,
      `/api/chains/metadata/${o}/diary/0`,
      `/api/chains/validate/${o}/diary/0`,
    ];
    for (const p of paths) {
      const real = await s.get(p);
      const missing = await s.get(p.replace("diary", "nodiary"));
      expect(real.status, p).toBe(404);
      expect(real.body).toEqual(missing.body);
    }
    expect((await s.get(`/api/chains/stats/${o}`)).status).toBe(404);
    const del = await s.del(`/api/chains/${o}/diary/0`);
    expect(del.status).toBe(404);
    expect(del.body).toEqual((await s.del(`/api/chains/${o}/nodiary/0`)).body);
    // The owner's chain is untouched.
    const meta = await owner.client.get(`/api/chains/metadata/${o}/diary/0`);
    expect(meta.body.chain.blockCount).toBe("1");
  });
});
