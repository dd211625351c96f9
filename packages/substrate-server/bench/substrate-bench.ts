// Benchmark: requests/s and p50/p99 latency for object PUT/GET, association PUT/list and chain
// append, on SQLite (file, synchronous=FULL) and PostgreSQL, with 32 concurrent keep-alive clients
// on loopback against the real bin in its own process. Last stdout line: one JSON object.
// Usage: pnpm --filter @hsagent/substrate-server bench   (build first; BENCH_SECONDS=3 per case)

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(pkg, "dist", "bin", "hsagent-substrate.js");
const CONCURRENCY = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PG_URL = process.env.HSAGENT_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface CaseResult {
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(
  base: URL,
  method: string,
  path: string,
  token: string | undefined,
  body?: string | Buffer,
  contentType = "application/json",
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers["content-type"] = contentType;
      headers["content-length"] = Buffer.byteLength(body);
    }
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function startBin(db: string, extra: string[]): Promise<{ child: ChildProcess; url: URL }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, "--port", "0", "--db", db, "--no-rate-limit", "--log-level", "silent", ...extra],
      {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, HSAGENT_SUBSTRATE_JWT_SECRET: randomBytes(32).toString("hex") },
      },
    );
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /substrate listening on (\S+)\n/.exec(out);
      if (m) resolve({ child, url: new URL(m[1] as string) });
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Run `op(worker, i)` from `concurrency` closed-loop workers for SECONDS; collect latencies. */
async function runCase(
  op: (worker: number, i: number) => Promise<number>,
  concurrency = CONCURRENCY,
): Promise<CaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const start = performance.now();
        const status = await op(w, i);
        latencies.push(performance.now() - start);
        if (status >= 300) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    requests: latencies.length,
    errors,
    rps: Math.round(latencies.length / elapsed),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
  };
}

async function benchBackend(db: string, extra: string[]): Promise<Record<string, CaseResult>> {
  const { child, url } = await startBin(db, extra);
  try {
    const username = `bench${randomBytes(4).toString("hex")}`;
    const reg = await request(
      url,
      "POST",
      "/api/auth/register",
      undefined,
      JSON.stringify({ username, password: "bench-pw" }),
    );
    const token = (JSON.parse(reg.text) as { jwt: string }).jwt;
    const me = JSON.parse((await request(url, "GET", "/api/account/me", token)).text) as {
      account: { id: string };
    };
    const tenant = me.account.id;
    const data = Buffer.from(
      JSON.stringify({ agentId: "a".repeat(36), displayName: "bench", signPubB64: "x".repeat(44) }),
    ).toString("base64");

    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await request(
        url,
        "PUT",
        `/api/objects/${tenant}`,
        token,
        JSON.stringify({ type: 7001, version: 0, data }),
      );
      ids.push((JSON.parse(r.text) as { id: string }).id);
    }
    for (let i = 0; i < 60; i++) {
      await request(
        url,
        "PUT",
        `/api/objects/${tenant}/associations`,
        token,
        JSON.stringify({
          type: "bench_list",
          sourceId: tenant,
          targetId: String(i),
          time: i,
          position: i,
          data,
        }),
      );
    }
    const results: Record<string, CaseResult> = {};
    results.objectPut = await runCase(
      async () =>
        (
          await request(
            url,
            "PUT",
            `/api/objects/${tenant}`,
            token,
            JSON.stringify({ type: 7001, version: 0, data }),
          )
        ).status,
    );
    results.objectGet = await runCase(
      async (w, i) =>
        (await request(url, "GET", `/api/objects/${tenant}/7001/${ids[(w * 7 + i) % ids.length]}`, token))
          .status,
    );
    results.associationPut = await runCase(
      async (w, i) =>
        (
          await request(
            url,
            "PUT",
            `/api/objects/${tenant}/associations`,
            token,
            JSON.stringify({
              type: "bench_put",
              sourceId: tenant,
              targetId: String(w * 1_000_000 + i),
              time: i,
              position: i,
              data,
            }),
          )
        ).status,
    );
    results.associationList = await runCase(
      async () =>
        (
          await request(
            url,
            "GET",
            `/api/objects/${tenant}/associations/bench_list/${tenant}?limit=50`,
            token,
          )
        ).status,
    );
    // Latency without queueing: one client, one request at a time.
    results.objectGetSingleClient = await runCase(
      async (_w, i) =>
        (await request(url, "GET", `/api/objects/${tenant}/7001/${ids[i % ids.length]}`, token)).status,
      1,
    );
    const payload = Buffer.from(`{"event":"bench","pad":"${"p".repeat(200)}"}`);
    results.chainAppend = await runCase(
      async (w) =>
        (
          await request(
            url,
            "POST",
            `/api/chains/append/${username}/bench-${w}/0`,
            token,
            payload,
            "application/octet-stream",
          )
        ).status,
    );
    return results;
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

async function main(): Promise<void> {
  if (!existsSync(BIN)) throw new Error("build first: pnpm --filter @hsagent/substrate-server build");
  const out: Record<string, unknown> = {
    bench: "substrate-server",
    node: process.version,
    cpus: cpus().length,
    concurrency: CONCURRENCY,
    secondsPerCase: SECONDS,
    results: {} as Record<string, unknown>,
  };
  const results = out.results as Record<string, unknown>;

  const dir = mkdtempSync(join(tmpdir(), "substrate-bench-"));
  try {
    results.sqlite = await benchBackend(`sqlite:${join(dir, "bench.db")}`, []);
    console.log(`sqlite: ${JSON.stringify(results.sqlite)}`);
    // The same with synchronous=NORMAL (no fsync per commit; still survives kill -9).
    results.sqliteSyncNormal = await benchBackend(`sqlite:${join(dir, "bench-normal.db")}`, [
      "--sqlite-synchronous",
      "normal",
    ]);
    console.log(`sqliteSyncNormal: ${JSON.stringify(results.sqliteSyncNormal)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const schema = `bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  let pgUp = false;
  try {
    await admin.connect();
    pgUp = true;
  } catch (err) {
    results.postgres = { skipped: `PostgreSQL unreachable: ${(err as Error).message}` };
  }
  if (pgUp) {
    try {
      results.postgres = await benchBackend(PG_URL, ["--pg-schema", schema]);
      console.log(`postgres: ${JSON.stringify(results.postgres)}`);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  }
  agent.destroy();
  console.log(JSON.stringify(out));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
