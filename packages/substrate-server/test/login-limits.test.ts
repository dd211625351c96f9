// Login hardening on a real server with its default limits: the 8-character password floor (which
// still admits HSAgent_2's `password`), HSAgent_2's 401 → register → login dance, the per-username
// back-off per address, one password check at a time per username and address, and the pool (one
// place per username, so a flood of one name from many addresses leaves workers for other users).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashPool } from "../src/auth/hash-pool.js";
import { LoginBackoff } from "../src/auth/login-backoff.js";
import { type RunningSubstrateServer, startSubstrateServer } from "../src/index.js";
import { b64, Client, TEST_SCRYPT } from "./helpers.js";
import { requestJson } from "./raw-http.js";

describe("login limits (default rate limits on)", () => {
  let server: RunningSubstrateServer;
  let anon: Client;
  beforeAll(async () => {
    server = await startSubstrateServer({ db: "sqlite::memory:", scrypt: TEST_SCRYPT, logger: false });
    anon = new Client(server.url);
  });
  afterAll(async () => server?.close());

  it("refuses passwords under 8 characters with a 400 shaped like the others", async () => {
    for (const password of ["x", "1234567"]) {
      const r = await anon.post("/api/auth/register", { username: `short${password.length}`, password });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        error: "password must be a string of 8..1024 characters",
        code: "BAD_REQUEST",
      });
    }
    expect((await anon.post("/api/auth/register", { username: "eight", password: "12345678" })).status).toBe(
      201,
    );
  });

  it("keeps HSAgent_2's flow: login 401, register with `password`, login, objects, associations, chains", async () => {
    const creds = { username: "hsagent2_second", password: "password" };
    expect((await anon.post("/api/auth/login", creds)).status).toBe(401);
    expect((await anon.post("/api/auth/register", creds)).status).toBe(201);
    const login = await anon.post("/api/auth/login", creds);
    expect(login.status).toBe(200);
    const c = new Client(server.url, login.body.jwt);
    const me = (await c.get("/api/account/me")).body.account;
    const put = await c.put(`/api/objects/${me.id}`, { type: 5, data: b64("hello") });
    expect(put.status).toBe(201);
    const got = await c.get(`/api/objects/${me.id}/5/${put.body.id}`);
    expect(Buffer.from(got.body.data_b64, "base64").toString()).toBe("hello");
    const assoc = await c.put(`/api/objects/${me.id}/associations`, {
      type: "knows",
      sourceId: put.body.id,
      targetId: "7",
      data: b64("a"),
    });
    expect(assoc.status).toBe(201);
    const listed = await c.get(`/api/objects/${me.id}/associations/knows/${put.body.id}`);
    expect(listed.status).toBe(200);
    const app = await c.post(`/api/chains/append/${creds.username}/audit/0`, Buffer.from("e1"), {
      raw: true,
    });
    expect(app.status).toBe(201);
    const v = await c.get(`/api/chains/validate/${creds.username}/audit/0`);
    expect(v.body.validation.isValid).toBe(true);
  });

  it("backs off a username after 5 failures from one address, not from another address", async () => {
    const creds = { username: "victim", password: "victim-password" };
    expect((await anon.post("/api/auth/register", creds)).status).toBe(201);
    const wrong = { username: "victim", password: "wrong-password" };
    for (let i = 0; i < 5; i++) expect((await anon.post("/api/auth/login", wrong)).status).toBe(401);
    expect((await anon.post("/api/auth/login", wrong)).status).toBe(401); // sixth failure starts the wait
    const held = await anon.post("/api/auth/login", creds);
    expect(held.status).toBe(429);
    expect(Number(held.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(held.body.code).toBe("RATE_LIMITED");
    // The owner, from another address, is not locked out.
    const other = await requestJson(server.url, "POST", "/api/auth/login", creds, {
      localAddress: "127.0.0.2",
    });
    expect(other.status).toBe(200);
  });

  it("checks one password at a time per username and address: a concurrent burst gets 429, never 5xx", async () => {
    const wrong = { username: "burst-target", password: "wrong-password" };
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => requestJson(server.url, "POST", "/api/auth/login", wrong)),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    // Five free failures and the sixth that starts the wait; every other guess is refused unhashed.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(6);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });

  it("refuses credential bodies over 16 KiB before reading them", async () => {
    const r = await anon.post("/api/auth/login", { username: "x", password: "y".repeat(20_000) });
    expect(r.status).toBe(413);
  });
});

describe("login fairness under a one-username flood from many addresses", () => {
  let server: RunningSubstrateServer;
  beforeAll(async () => {
    // A realistic hash cost (tens of ms), so the flood is still hashing when the bystander logs in.
    server = await startSubstrateServer({
      db: "sqlite::memory:",
      scrypt: { N: 1 << 14, r: 8, p: 1 },
      logger: false,
    });
    const anon = new Client(server.url);
    for (const username of ["flooded", "bystander"]) {
      expect(
        (await anon.post("/api/auth/register", { username, password: `${username}-password` })).status,
      ).toBe(201);
    }
  });
  afterAll(async () => server?.close());

  it("serves another user's login at once while one username is flooded, refusing the excess with 429", async () => {
    const finished: string[] = [];
    // 30 addresses, so neither the per-address back-off nor the per-address pool share applies:
    // only a per-username limit can stop this flood from taking every worker and queue place.
    const flood = Array.from({ length: 30 }, (_, i) =>
      requestJson(
        server.url,
        "POST",
        "/api/auth/login",
        { username: "flooded", password: "wrong-password" },
        { localAddress: `127.0.0.${10 + i}` },
      ).then((a) => {
        finished.push(`flood:${a.status}`);
        return a;
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    const bystander = await requestJson(
      server.url,
      "POST",
      "/api/auth/login",
      { username: "bystander", password: "bystander-password" },
      { localAddress: "127.0.0.2" },
    );
    finished.push("bystander");
    const floodAnswers = await Promise.all(flood);
    expect(bystander.status).toBe(200);
    // At most the one in-flight check of the flooded name was hashed before the bystander's.
    const hashedBefore = finished.slice(0, finished.indexOf("bystander")).filter((f) => f === "flood:401");
    expect(hashedBefore.length).toBeLessThanOrEqual(1);
    const statuses = floodAnswers.map((a) => a.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const refused = floodAnswers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(25);
    expect(refused.every((a) => Number(a.headers["retry-after"]) >= 1)).toBe(true);
  });
});

describe("HashPool", () => {
  it("runs at most `concurrency` at once, queues up to `queue`, refuses the rest with a Retry-After", async () => {
    const pool = new HashPool({ concurrency: 2, queue: 2 });
    let running = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const job = () =>
      new Promise<number>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        release.push(() => {
          running--;
          resolve(1);
        });
      });
    const accepted = [1, 2, 3, 4].map((i) => pool.run(`ip${i}`, job));
    await expect(pool.run("ip5", job)).rejects.toMatchObject({ status: 429 });
    expect(pool.running).toBe(2);
    expect(pool.waiting).toBe(2);
    while (release.length > 0 || running > 0) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(accepted)).toEqual([1, 1, 1, 1]);
    expect(peak).toBe(2);
  });

  it("gives one caller at most half of the places", async () => {
    const pool = new HashPool({ concurrency: 2, queue: 2 });
    const never = () => new Promise<void>(() => {});
    void pool.run("a", never);
    void pool.run("a", never);
    await expect(pool.run("a", never)).rejects.toMatchObject({ status: 429 });
    void pool.run("b", never); // another caller still gets in
    expect(pool.waiting).toBe(1);
  });

  it("holds one place per username, across clients, and frees it when the check ends", async () => {
    const pool = new HashPool({ concurrency: 2, queue: 2 });
    let release = () => {};
    const first = pool.run({ client: "a", name: "u" }, () => new Promise<void>((r) => (release = r)));
    await expect(pool.run({ client: "b", name: "u" }, async () => 1)).rejects.toMatchObject({ status: 429 });
    expect(await pool.run({ client: "b", name: "v" }, async () => 2)).toBe(2); // another name runs
    release();
    await first;
    expect(await pool.run({ client: "b", name: "u" }, async () => 3)).toBe(3);
  });
});

describe("LoginBackoff", () => {
  it("doubles the wait per failure after the free ones and clears on success", () => {
    const b = new LoginBackoff({ freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 4000 });
    const k = LoginBackoff.key("u", "1.2.3.4");
    let t = 0;
    const fail = () => {
      expect(b.begin(k, t)).toBe(0);
      b.finish(k, false, t);
    };
    fail();
    fail();
    fail(); // third failure: 1 s wait
    expect(b.begin(k, t + 500)).toBe(1);
    t += 1000;
    fail(); // 2 s
    expect(b.begin(k, t + 1000)).toBe(1);
    t += 2000;
    fail(); // 4 s (cap)
    expect(b.begin(k, t + 100)).toBe(4);
    t += 4000;
    expect(b.begin(k, t)).toBe(0);
    expect(b.begin(k, t)).toBe(1); // one in flight at a time
    b.finish(k, true, t);
    expect(b.size).toBe(0);
  });
});
