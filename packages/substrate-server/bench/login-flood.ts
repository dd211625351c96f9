// Login flood, as an attacker would run it (issue #16): 200 concurrent wrong-password logins for one
// user, from 127.0.0.1, for 10 s, against the real bin with its default limits and scrypt cost;
// meanwhile another user logs in correctly from 127.0.0.2 every 250 ms, from a separate process (so
// the flood generator's own event loop does not delay it). Prints one JSON line: the flood's answers
// by status, 5xx and unanswered (15 s) counts, the other user's login statuses and latencies, the
// 1-character registration's status, the server's CPU seconds (from /proc) and the load average;
// and, as a baseline, the other user's login latencies for 5 s before the flood.
// FLOOD_ADDRESSES=n spreads the flood over n source addresses (127.0.0.10 …), as a botnet would, so
// the per-address limits do not apply and only the per-username one does (default 1).
// Usage: pnpm --filter @hsagent/substrate-server exec tsx bench/login-flood.ts

import { spawn } from "node:child_process";
import http from "node:http";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { cpuSeconds, spawnServer } from "./spawn-server.js";

const FLOOD_CONCURRENCY = 200;
const FLOOD_MS = Number(process.env.FLOOD_SECONDS ?? 10) * 1000;
const ANSWER_TIMEOUT_MS = 15_000;
const FLOOD_ADDRESSES = Math.min(200, Math.max(1, Number(process.env.FLOOD_ADDRESSES ?? 1)));
const floodAddress = (i: number): string =>
  FLOOD_ADDRESSES === 1 ? "127.0.0.1" : `127.0.0.${10 + (i % FLOOD_ADDRESSES)}`;

interface Outcome {
  status: number | "unanswered" | "error";
  ms: number;
}

function post(
  url: string,
  path: string,
  json: unknown,
  agent: http.Agent,
  localAddress: string,
): Promise<Outcome> {
  const body = Buffer.from(JSON.stringify(json));
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      new URL(path, url),
      {
        method: "POST",
        agent,
        localAddress,
        headers: { "content-type": "application/json", "content-length": body.length },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
        res.on("error", () => resolve({ status: "error", ms: performance.now() - started }));
      },
    );
    req.setTimeout(ANSWER_TIMEOUT_MS, () => {
      req.destroy();
      resolve({ status: "unanswered", ms: performance.now() - started });
    });
    req.on("error", () => resolve({ status: "error", ms: performance.now() - started }));
    req.end(body);
  });
}

/** Run the bystander's logins in a child process; resolves with its outcomes. */
function runBystander(url: string, ms: number): Promise<Outcome[]> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
    env: { ...process.env, FLOOD_ROLE: "bystander", FLOOD_URL: url, FLOOD_MS: String(ms) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as Outcome[]) : reject(new Error("bystander failed")),
    );
  });
}

/** The bystander process: correct logins from 127.0.0.2 every 250 ms for FLOOD_MS. */
async function bystander(): Promise<void> {
  const url = process.env.FLOOD_URL as string;
  const until = Date.now() + Number(process.env.FLOOD_MS);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const good: Outcome[] = [];
  while (Date.now() < until) {
    good.push(
      await post(
        url,
        "/api/auth/login",
        { username: "bystander", password: "bystander-password" },
        agent,
        "127.0.0.2",
      ),
    );
    await new Promise((r) => setTimeout(r, 250));
  }
  agent.destroy();
  process.stdout.write(JSON.stringify(good));
}

async function main(): Promise<void> {
  const server = await spawnServer(["--db", "sqlite::memory:"]);
  const pid = server.child.pid as number;
  try {
    const local = new http.Agent({ keepAlive: true, maxSockets: FLOOD_CONCURRENCY });
    const other = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const victim = { username: "victim", password: "victim-password" };
    const bystander = { username: "bystander", password: "bystander-password" };
    await post(server.url, "/api/auth/register", victim, local, "127.0.0.1");
    await post(server.url, "/api/auth/register", bystander, other, "127.0.0.2");
    const shortPw = await post(
      server.url,
      "/api/auth/register",
      { username: "short", password: "x" },
      other,
      "127.0.0.2",
    );

    // Baseline: the same logins with no flood, to tell the flood's effect from the machine's load.
    const baseline = await runBystander(server.url, 5000);
    const cpuBefore = cpuSeconds(pid);
    const until = Date.now() + FLOOD_MS;
    const flood: Outcome[] = [];
    const loops = Array.from({ length: FLOOD_CONCURRENCY }, async (_, i) => {
      while (Date.now() < until) {
        flood.push(
          await post(
            server.url,
            "/api/auth/login",
            { ...victim, password: "wrong-password" },
            local,
            floodAddress(i),
          ),
        );
      }
    });
    const bystanderLoop = runBystander(server.url, FLOOD_MS);
    const [good] = await Promise.all([bystanderLoop, ...loops]);
    const cpuUsed = cpuSeconds(pid) - cpuBefore;

    const byStatus: Record<string, number> = {};
    for (const o of flood) byStatus[String(o.status)] = (byStatus[String(o.status)] ?? 0) + 1;
    const goodMs = good.map((o) => o.ms).sort((a, b) => a - b);
    const baseMs = baseline.map((o) => o.ms).sort((a, b) => a - b);
    const result = {
      baselineOtherUserLogins: baseline.length,
      baselineOtherUserMaxMs: Math.round(baseMs[baseMs.length - 1] ?? Number.NaN),
      baselineOtherUserMedianMs: Math.round(baseMs[Math.floor(baseMs.length / 2)] ?? Number.NaN),
      floodSeconds: FLOOD_MS / 1000,
      floodConcurrency: FLOOD_CONCURRENCY,
      floodAddresses: FLOOD_ADDRESSES,
      floodRequests: flood.length,
      floodByStatus: byStatus,
      flood5xx: flood.filter((o) => typeof o.status === "number" && o.status >= 500).length,
      floodUnanswered: flood.filter((o) => o.status === "unanswered" || o.status === "error").length,
      floodMaxMs: Math.round(Math.max(...flood.map((o) => o.ms))),
      otherUserLogins: good.length,
      otherUserAllOk: good.every((o) => o.status === 200),
      otherUserStatuses: [...new Set(good.map((o) => o.status))],
      otherUserMaxMs: Math.round(goodMs[goodMs.length - 1] ?? Number.NaN),
      otherUserMedianMs: Math.round(goodMs[Math.floor(goodMs.length / 2)] ?? Number.NaN),
      oneCharPasswordRegisterStatus: shortPw.status,
      serverCpuSeconds: Math.round(cpuUsed * 100) / 100,
      loadAverage1m: loadavg()[0],
    };
    local.destroy();
    other.destroy();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
  }
}

(process.env.FLOOD_ROLE === "bystander" ? bystander() : main()).catch((err: unknown) => {
  process.stderr.write(`login-flood failed: ${(err as Error).message}\n`);
  process.exit(1);
});
