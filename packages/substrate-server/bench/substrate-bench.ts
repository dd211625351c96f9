// Benchmark: requests/s and p50/p99 latency for object PUT/GET, association PUT/list and chain
// append, on SQLite (file; default NORMAL with 1 and 2 worker processes, and synchronous=FULL) and
// PostgreSQL, with 32 concurrent closed-loop keep-alive clients on loopback against the real bin in
// its own process. The clients are raw sockets (see RawConnection), not `http.request`, so the load
// generator does not eat the CPU the server needs. Last stdout line: one JSON object.
// Usage: pnpm --filter @hsagent/substrate-server bench   (build first; BENCH_SECONDS=3 per case;
// BENCH_ONLY=sqlite,sqliteWorkers2,sqliteSyncFull,postgres picks backends, BENCH_CASES=objectGet,...
// picks cases, BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" adds node flags to the server)

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
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
  /** CPU time (user + system) of the server processes per answered request, in µs (Linux only). */
  serverCpuUsPerRequest?: number;
  /** CPU time of this load generator per answered request, in µs. */
  clientCpuUsPerRequest?: number;
}

/** utime + stime in clock ticks (1/100 s on Linux) of `pid` and its children (the workers). */
function cpuTicks(pid: number): number | null {
  const ticks = (p: number): number => {
    const stat = readFileSync(`/proc/${p}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  };
  try {
    let total = ticks(pid);
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    for (const k of kids ? kids.split(" ") : []) total += ticks(Number(k));
    return total;
  } catch {
    return null;
  }
}

interface Answer {
  status: number;
  body: Buffer;
}

const CRLF2 = Buffer.from("\r\n\r\n");

/**
 * One keep-alive HTTP/1.1 connection with at most one request in flight. It writes prebuilt request
 * bytes and parses just the status line and `Content-Length` (every answer of this server has one),
 * so the load generator costs far less CPU than `http.request` and leaves the cores to the server.
 */
class RawConnection {
  readonly #port: number;
  readonly #host: string;
  #socket: net.Socket | null = null;
  #chunks: Buffer[] = [];
  #pending: { resolve: (a: Answer) => void; reject: (e: Error) => void } | null = null;

  constructor(url: URL) {
    this.#host = url.hostname;
    this.#port = Number(url.port);
  }

  #connect(): net.Socket {
    const s = net.connect(this.#port, this.#host);
    s.setNoDelay(true);
    s.on("data", (d: Buffer) => this.#onData(d));
    const fail = (err: Error) => {
      if (this.#socket === s) this.#socket = null;
      this.#chunks = [];
      const p = this.#pending;
      this.#pending = null;
      p?.reject(err);
    };
    s.on("error", fail);
    s.on("close", () => fail(new Error("connection closed")));
    this.#socket = s;
    return s;
  }

  #onData(d: Buffer): void {
    this.#chunks.push(d);
    const buf = this.#chunks.length === 1 ? d : Buffer.concat(this.#chunks);
    const end = buf.indexOf(CRLF2);
    if (end < 0) {
      this.#chunks = [buf];
      return;
    }
    const head = buf.toString("latin1", 0, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m || !/^HTTP\/1\.[01] \d{3}/.test(head)) {
      this.#socket?.destroy(new Error(`unparseable answer: ${head.slice(0, 80)}`));
      return;
    }
    const total = end + 4 + Number(m[1]);
    if (buf.length < total) {
      this.#chunks = [buf];
      return;
    }
    this.#chunks = buf.length > total ? [buf.subarray(total)] : [];
    const p = this.#pending;
    this.#pending = null;
    if (/\r\nconnection:\s*close/i.test(head)) {
      const s = this.#socket;
      this.#socket = null;
      s?.destroy();
    }
    p?.resolve({ status, body: buf.subarray(end + 4, total) });
  }

  /** Send one complete request and resolve with its answer. */
  send(request: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      (this.#socket ?? this.#connect()).write(request);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }
}

/** Raw bytes of one HTTP/1.1 request. */
function rawRequest(
  method: string,
  path: string,
  token: string | undefined,
  body?: string | Buffer,
  contentType = "application/json",
): Buffer {
  let head = `${method} ${path} HTTP/1.1\r\nHost: bench\r\n`;
  if (token) head += `Authorization: Bearer ${token}\r\n`;
  if (body === undefined) return Buffer.from(`${head}\r\n`, "latin1");
  const b = typeof body === "string" ? Buffer.from(body) : body;
  head += `Content-Type: ${contentType}\r\nContent-Length: ${b.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), b]);
}

/** One request on a fresh connection (setup only, not measured). */
async function request(
  base: URL,
  method: string,
  path: string,
  token: string | undefined,
  body?: string | Buffer,
): Promise<{ status: number; text: string }> {
  const c = new RawConnection(base);
  try {
    const a = await c.send(rawRequest(method, path, token, body));
    return { status: a.status, text: a.body.toString() };
  } finally {
    c.close();
  }
}

function startBin(db: string, extra: string[]): Promise<{ child: ChildProcess; url: URL }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
        BIN,
        ...["--port", "0", "--db", db, "--no-rate-limit", "--log-level", "silent", ...extra],
      ],
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

/**
 * Run `concurrency` closed-loop clients for SECONDS, each on its own keep-alive connection: a client
 * sends `makeRequest(client, i)`, waits for the whole answer, and sends the next. An answer whose
 * status is not `okStatus`, or a dropped connection, counts as an error (the client reconnects).
 */
async function runCase(
  url: URL,
  makeRequest: (client: number, i: number) => Buffer,
  okStatus: number,
  concurrency = CONCURRENCY,
  serverPid?: number,
): Promise<CaseResult> {
  const cpu0 = serverPid === undefined ? null : cpuTicks(serverPid);
  const client0 = process.cpuUsage();
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      const conn = new RawConnection(url);
      try {
        for (let i = 0; performance.now() < deadline; i++) {
          const req = makeRequest(w, i);
          const start = performance.now();
          try {
            const a = await conn.send(req);
            latencies.push(performance.now() - start);
            if (a.status !== okStatus) errors++;
          } catch {
            errors++;
          }
        }
      } finally {
        conn.close();
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = serverPid === undefined ? null : cpuTicks(serverPid);
  const client = process.cpuUsage(client0);
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const n = Math.max(1, latencies.length);
  return {
    requests: latencies.length,
    errors,
    rps: Math.round(latencies.length / elapsed),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    ...(cpu0 !== null && cpu1 !== null
      ? { serverCpuUsPerRequest: Math.round(((cpu1 - cpu0) * 10_000) / n) }
      : {}),
    clientCpuUsPerRequest: Math.round((client.user + client.system) / n),
  };
}

/** Which cases to run on a backend. */
type CaseName =
  | "objectPut"
  | "objectGet"
  | "associationPut"
  | "associationList"
  | "objectGetSingleClient"
  | "chainAppend";
const ALL_CASES: CaseName[] = [
  "objectPut",
  "objectGet",
  "associationPut",
  "associationList",
  "objectGetSingleClient",
  "chainAppend",
];

async function benchBackend(
  db: string,
  extra: string[],
  cases: CaseName[] = (process.env.BENCH_CASES?.split(",") as CaseName[] | undefined) ?? ALL_CASES,
): Promise<Record<string, CaseResult>> {
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
    const objectPut = rawRequest(
      "PUT",
      `/api/objects/${tenant}`,
      token,
      JSON.stringify({ type: 7001, version: 0, data }),
    );

    const setup = new RawConnection(url);
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await setup.send(objectPut);
      ids.push((JSON.parse(r.body.toString()) as { id: string }).id);
    }
    for (let i = 0; i < 60; i++) {
      await setup.send(
        rawRequest(
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
        ),
      );
    }
    setup.close();
    const gets = ids.map((id) => rawRequest("GET", `/api/objects/${tenant}/7001/${id}`, token));
    const list = rawRequest(
      "GET",
      `/api/objects/${tenant}/associations/bench_list/${tenant}?limit=50`,
      token,
    );
    const payload = Buffer.from(`{"event":"bench","pad":"${"p".repeat(200)}"}`);
    const appends = Array.from({ length: CONCURRENCY }, (_, w) =>
      rawRequest(
        "POST",
        `/api/chains/append/${username}/bench-${w}/0`,
        token,
        payload,
        "application/octet-stream",
      ),
    );

    const results: Record<string, CaseResult> = {};
    const pid = child.pid as number;
    const measure = (make: (client: number, i: number) => Buffer, ok: number, concurrency = CONCURRENCY) =>
      runCase(url, make, ok, concurrency, pid);
    for (const name of cases) {
      switch (name) {
        case "objectPut":
          results.objectPut = await measure(() => objectPut, 201);
          break;
        case "objectGet":
          results.objectGet = await measure((w, i) => gets[(w * 7 + i) % gets.length] as Buffer, 200);
          break;
        case "associationPut":
          results.associationPut = await measure(
            (w, i) =>
              rawRequest(
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
              ),
            201,
          );
          break;
        case "associationList":
          results.associationList = await measure(() => list, 200);
          break;
        case "objectGetSingleClient":
          // Latency without queueing: one client, one request at a time.
          results.objectGetSingleClient = await measure((_w, i) => gets[i % gets.length] as Buffer, 200, 1);
          break;
        case "chainAppend":
          results.chainAppend = await measure((w) => appends[w] as Buffer, 201);
          break;
      }
    }
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
    loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
    concurrency: CONCURRENCY,
    secondsPerCase: SECONDS,
    client: "raw-socket keep-alive HTTP/1.1, one connection per client, closed loop",
    results: {} as Record<string, unknown>,
  };
  const results = out.results as Record<string, unknown>;
  const only = process.env.BENCH_ONLY?.split(",");
  const want = (name: string) => !only || only.includes(name);

  const dir = mkdtempSync(join(tmpdir(), "substrate-bench-"));
  try {
    // Default settings: synchronous=NORMAL, one process.
    if (want("sqlite")) {
      results.sqlite = await benchBackend(`sqlite:${join(dir, "bench.db")}`, []);
      console.log(`sqlite: ${JSON.stringify(results.sqlite)}`);
    }
    // The same file-backed database served by two worker processes (node:cluster).
    if (want("sqliteWorkers2")) {
      results.sqliteWorkers2 = await benchBackend(`sqlite:${join(dir, "bench-w2.db")}`, ["--workers", "2"]);
      console.log(`sqliteWorkers2: ${JSON.stringify(results.sqliteWorkers2)}`);
    }
    // synchronous=FULL: an fsync per commit (power-loss safe).
    if (want("sqliteSyncFull")) {
      results.sqliteSyncFull = await benchBackend(`sqlite:${join(dir, "bench-full.db")}`, [
        "--sqlite-synchronous",
        "full",
      ]);
      console.log(`sqliteSyncFull: ${JSON.stringify(results.sqliteSyncFull)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (want("postgres")) {
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
  }
  console.log(JSON.stringify(out));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
