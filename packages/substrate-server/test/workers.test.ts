// `hsagent-substrate --workers <n>` as real processes: several worker processes on one port and one
// database answer as one server — writes through one worker are read through another, version
// clashes and chain appends stay exact across workers, a killed worker is replaced, SIGTERM closes
// everything with exit 0 — and bad `--workers` values are refused with exit 2.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bin, b64, buildBinIfMissing, dropSchema, PG_URL, randomSchema, spawnBin } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "substrate-workers-"));

function run(args: string[]): Bin {
  return spawnBin(args, dir);
}

/** How many distinct workers answer an authenticated GET (up to 20 tries, each must be 200). */
async function workersAnswering(url: string, token: string): Promise<number> {
  const seen = new Set<string>();
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const r = await once(url, "GET", "/api/account/me", { token });
    expect(r.status).toBe(200);
    seen.add(r.worker as string);
  }
  return seen.size;
}

/** Child processes of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …; comm may contain spaces, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) kids.push(Number(entry));
    } catch {
      // The process went away while we looked.
    }
  }
  return kids;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

interface Reply {
  status: number;
  worker: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON answers.
  body: any;
}

/** One request on its own connection, so consecutive requests are spread over the workers. */
function once(
  url: string,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; raw?: string } = {},
): Promise<Reply> {
  const u = new URL(url);
  const headers: Record<string, string | number> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: Buffer | undefined;
  if (opts.json !== undefined) {
    body = Buffer.from(JSON.stringify(opts.json));
    headers["content-type"] = "application/json";
  } else if (opts.raw !== undefined) {
    body = Buffer.from(opts.raw);
    headers["content-type"] = "application/octet-stream";
  }
  if (body) headers["content-length"] = body.length;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path, headers, agent: false },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => {
          text += d.toString();
        });
        res.on("end", () => {
          const worker = res.headers["x-substrate-worker"];
          resolve({
            status: res.statusCode ?? 0,
            worker: typeof worker === "string" ? worker : undefined,
            body: text ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Register a user through the server; returns token, tenant id and username. */
async function register(url: string, username: string) {
  const reg = await once(url, "POST", "/api/auth/register", { json: { username, password: "workers-pw" } });
  expect(reg.status).toBe(201);
  const token = reg.body.jwt as string;
  const me = await once(url, "GET", "/api/account/me", { token });
  expect(me.status).toBe(200);
  return { token, tenant: me.body.account.id as string, username };
}

beforeAll(buildBinIfMissing, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hsagent-substrate --workers", () => {
  it.each([
    [["--workers", "0"]],
    [["--workers=-1"]],
    [["--workers", "abc"]],
    [["--workers", "1000"]],
    [["--workers", "2", "--db", "sqlite::memory:"]],
  ])("rejects %j with one stderr line and exit 2", async (args) => {
    const s = run(["--port", "0", "--db", `sqlite:${join(dir, "never.db")}`, ...args]);
    expect(await s.exited).toBe(2);
    expect(s.stderr().trim().split("\n")).toHaveLength(1);
    expect(s.stderr()).toMatch(/--workers/);
    expect(s.stdout()).toBe("");
  });

  it("serves one SQLite file from 2 workers as one server, survives kill -9 of a worker, exits 0 on SIGTERM", async () => {
    const file = join(dir, "two", "substrate.db");
    const s = run(["--workers", "2", "--port", "0", "--db", `sqlite:${file}`, "--log-level", "warn"]);
    const url = await s.ready;
    const pid = s.child.pid as number;
    try {
      expect(s.stdout().split("\n").filter(Boolean)).toHaveLength(1);
      expect(childrenOf(pid)).toHaveLength(2);
      // Generated once, by the primary, before the workers started.
      expect(statSync(join(dir, "two", "jwt-secret")).mode & 0o777).toBe(0o600);
      // The JWT secret was generated once and is shared: the token from registration works on
      // both workers.
      const u = await register(url, "workers");
      expect(await workersAnswering(url, u.token)).toBe(2);

      // A write through one worker is read through the other.
      const data = b64("written by one worker");
      const put = await once(url, "PUT", `/api/objects/${u.tenant}`, {
        token: u.token,
        json: { type: 7001, version: 0, data },
      });
      expect(put.status).toBe(201);
      let other: Reply | undefined;
      for (let i = 0; i < 20 && !other; i++) {
        const r = await once(url, "GET", `/api/objects/${u.tenant}/7001/${put.body.id}`, { token: u.token });
        if (r.worker !== put.worker) other = r;
      }
      expect(other?.status).toBe(200);
      expect(other?.body.data_b64).toBe(data);

      // 20 concurrent updates from version 0, spread over both workers: exactly one wins.
      const clash = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          once(url, "PUT", `/api/objects/${u.tenant}`, {
            token: u.token,
            json: { type: 7001, id: put.body.id, version: 0, data: b64(`v1 from ${i}`) },
          }),
        ),
      );
      expect(new Set(clash.map((r) => r.worker)).size).toBe(2);
      expect(clash.filter((r) => r.status === 201)).toHaveLength(1);
      const lost = clash.filter((r) => r.status === 409);
      expect(lost).toHaveLength(19);
      for (const r of lost) expect(r.body.code).toBe("VERSION_CLASH");

      // Concurrent chain appends through both workers keep one valid hash chain.
      const appends = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          once(url, "POST", `/api/chains/append/${u.username}/shared/0`, {
            token: u.token,
            raw: `event ${i}`,
          }),
        ),
      );
      expect(appends.map((r) => r.status)).toEqual(Array(40).fill(201));
      expect(new Set(appends.map((r) => r.worker)).size).toBe(2);
      expect(new Set(appends.map((r) => r.body.blockIdx)).size).toBe(40);
      const v = await once(url, "GET", `/api/chains/validate/${u.username}/shared/0`, { token: u.token });
      expect(v.body.validation).toMatchObject({ isValid: true, blockCount: "40", hasGaps: false });

      // kill -9 of one worker: the primary logs it and forks a replacement; requests keep
      // succeeding meanwhile and afterwards.
      const [victim] = childrenOf(pid);
      process.kill(victim as number, "SIGKILL");
      while (!/died \(SIGKILL\), restarting/.test(s.stderr())) await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 6; i++) {
        expect((await once(url, "GET", "/api/account/me", { token: u.token })).status).toBe(200);
      }
      while (!/worker [0-9]+ \(pid [0-9]+\) listening/.test(s.stderr()))
        await new Promise((r) => setTimeout(r, 20));
      const workersNow = childrenOf(pid);
      expect(workersNow).toHaveLength(2);
      expect(workersNow).not.toContain(victim);
      const after = new Set<string>();
      for (let i = 0; i < 20 && after.size < 2; i++) {
        const r = await once(url, "GET", `/api/objects/${u.tenant}/7001/${put.body.id}`, { token: u.token });
        expect(r.status).toBe(200);
        expect(r.body.version).toBe(1);
        after.add(r.worker as string);
      }
      expect(after.size).toBe(2);

      s.child.kill("SIGTERM");
      expect(await s.exited).toBe(0);
      for (const w of workersNow) {
        for (let i = 0; i < 100 && alive(w); i++) await new Promise((r) => setTimeout(r, 20));
        expect(alive(w), `worker ${w} still running`).toBe(false);
      }
      expect(s.stdout().split("\n").filter(Boolean)).toHaveLength(1);
    } finally {
      s.child.kill("SIGKILL");
      for (const w of childrenOf(pid)) process.kill(w, "SIGKILL");
    }
  }, 60_000);

  it.runIf(PG_URL !== undefined)(
    "PostgreSQL without a configured secret: a token from one worker works on the other",
    async () => {
      const schema = randomSchema();
      const s = run([
        "--workers",
        "2",
        "--port",
        "0",
        "--db",
        PG_URL as string,
        "--pg-schema",
        schema,
        "--log-level",
        "silent",
      ]);
      try {
        const url = await s.ready;
        const u = await register(url, "pgworkers");
        expect(await workersAnswering(url, u.token)).toBe(2);
        s.child.kill("SIGTERM");
        expect(await s.exited).toBe(0);
      } finally {
        s.child.kill("SIGKILL");
        await dropSchema(schema);
      }
    },
    60_000,
  );
});
