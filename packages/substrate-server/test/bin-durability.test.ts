import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bin, b64, buildBinIfMissing, Client, spawnBin } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "substrate-bin-"));

type Started = Bin & { url: string };

async function start(args: string[]): Promise<Started> {
  const s = spawnBin(args, dir);
  return { ...s, url: await s.ready };
}

beforeAll(buildBinIfMissing, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hsagent-substrate bin", () => {
  it("prints help and exits 0", async () => {
    const s = spawnBin(["--help"], dir);
    expect(await s.exited).toBe(0);
    expect(s.stdout()).toMatch(/--host[\s\S]*--port[\s\S]*--db/);
  });

  it.each([
    [["--bogus"]],
    [["--port", "70000"]],
    [["--port", "abc"]],
    [["--db", "mysql://x"]],
    [["stray-positional"]],
  ])("rejects %j with one stderr line and exit 2", async (args) => {
    const s = spawnBin(args, dir);
    expect(await s.exited).toBe(2);
    expect(s.stderr().trim().split("\n")).toHaveLength(1);
    expect(s.stdout()).toBe("");
  });

  it("prints exactly one stdout line, serves requests, and exits 0 on SIGINT", async () => {
    const s = await start(["--port", "0", "--db", "sqlite::memory:", "--log-level", "silent"]);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
    const r = await new Client(s.url).post("/api/auth/register", {
      username: "binuser",
      password: "binuser-pw",
    });
    expect(r.status).toBe(201);
    s.child.kill("SIGINT");
    expect(await s.exited).toBe(0);
    expect(s.stdout().split("\n").filter(Boolean)).toHaveLength(1);
  });
});

describe("durability (SQLite file, kill -9)", () => {
  it("keeps every 2xx-acknowledged write across kill -9 and restart", async () => {
    const file = join(dir, "durable", "substrate.db");
    const args = ["--port", "0", "--db", `sqlite:${file}`, "--no-rate-limit", "--log-level", "silent"];
    const first = await start(args);
    expect(statSync(join(dir, "durable", "jwt-secret")).mode & 0o777).toBe(0o600);
    const c = new Client(first.url);
    const reg = await c.post("/api/auth/register", { username: "durable", password: "durable-pw" });
    c.token = reg.body.jwt;
    const tenant = (await c.get("/api/account/me")).body.account.id as string;

    const objects = new Map<string, { version: number; data: string }>();
    const blocks: Array<{ chain: string; idx: string; payload: string }> = [];
    let stop = false;
    let acked = 0;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const data = b64(`w${w}-i${i}`);
          const put = await c.put(`/api/objects/${tenant}`, { type: 7001, version: 0, data });
          if (put.status !== 201) continue;
          objects.set(put.body.id, { version: 0, data });
          acked++;
          const data2 = b64(`w${w}-i${i}-v1`);
          const up = await c.put(`/api/objects/${tenant}`, {
            type: 7001,
            id: put.body.id,
            version: 0,
            data: data2,
          });
          if (up.status === 201) {
            objects.set(put.body.id, { version: 1, data: data2 });
            acked++;
          }
          const chain = `load${w % 3}`;
          const payload = `w${w}-i${i}-block`;
          const app = await c.post(`/api/chains/append/durable/${chain}/0`, payload, { raw: true });
          if (app.status === 201) {
            blocks.push({ chain, idx: app.body.blockIdx, payload });
            acked++;
          }
        } catch {
          // The connection died with the server: that write was not acknowledged.
          return;
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    while (acked < 400) await new Promise((r) => setTimeout(r, 20));
    first.child.kill("SIGKILL");
    await first.exited;
    stop = true;
    await load;

    const second = await start(args);
    try {
      const c2 = new Client(second.url, c.token); // the JWT secret file survived too
      expect((await c2.get("/api/account/me")).status).toBe(200);
      for (const [id, o] of objects) {
        const got = await c2.get(`/api/objects/${tenant}/7001/${id}`);
        expect(got.status, `object ${id}`).toBe(200);
        expect(got.body.version).toBeGreaterThanOrEqual(o.version);
        if (got.body.version === o.version) expect(got.body.data_b64).toBe(o.data);
      }
      for (const b of blocks) {
        const got = await c2.get(`/api/chains/durable/${b.chain}/0/${b.idx}`);
        expect(got.status, `${b.chain}#${b.idx}`).toBe(200);
        expect(Buffer.from(got.body.block.payloads_b64[0], "base64").toString()).toBe(b.payload);
      }
      for (const chain of new Set(blocks.map((b) => b.chain))) {
        const v = await c2.get(`/api/chains/validate/durable/${chain}/0`);
        expect(v.body.validation.isValid, chain).toBe(true);
      }
      expect(objects.size + blocks.length).toBeGreaterThan(100);
    } finally {
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    }
  }, 60_000);
});
