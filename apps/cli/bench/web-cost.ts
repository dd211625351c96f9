// What one open fleet page costs the process that serves it: `hsagent up --web` with N agents
// (default 20), its CPU time read from /proc/<pid>/stat (utime + stime), in alternating windows
// without and with a real headless Chromium page open (Chromium's own CPU is not counted). Also
// the page weight (gzip) as served. Build first. Last stdout line: one JSON object.
//
//   pnpm --filter @hsagent/cli bench:web     (BENCH_AGENTS, BENCH_WINDOW_S, BENCH_ROUNDS, BENCH_REGISTER_MS)

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { openPage } from "../test/browser.js";
import { startCli, upWithWebArgs, waitFor } from "../test/helpers.js";

const AGENTS = Number(process.env.BENCH_AGENTS ?? 20);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by `pid`. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function window(pid: number): Promise<number> {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  return ((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
}

/** GET `url` raw (node:http does not decompress), asking for gzip. */
function rawGet(url: string): Promise<{ body: Buffer; gzip: boolean }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { "accept-encoding": "gzip" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ body: Buffer.concat(chunks), gzip: res.headers["content-encoding"] === "gzip" }),
        );
      })
      .on("error", reject);
  });
}

async function pageWeight(url: string): Promise<{ files: number; gzipBytes: number; rawBytes: number }> {
  const paths = ["", "app.js", "app.css"];
  let gzip = 0;
  let raw = 0;
  for (const p of paths) {
    const { body, gzip: zipped } = await rawGet(`${url}${p}`);
    gzip += body.length;
    raw += zipped ? gunzipSync(body).length : body.length;
  }
  return { files: paths.length, gzipBytes: gzip, rawBytes: raw };
}

const names = Array.from({ length: AGENTS }, (_, i) => `a${String(i + 1).padStart(2, "0")}`);
const dir = mkdtempSync(join(tmpdir(), "hsagent-webcost-"));
const up = startCli([
  ...upWithWebArgs(names.join(","), join(dir, "data")),
  "--register-interval-ms",
  process.env.BENCH_REGISTER_MS ?? "3000",
]);
try {
  const pid = up.child.pid as number;
  await waitFor(
    () => names.every((n) => up.out.stdout.includes(`agent      ${n} (`)) || up.child.exitCode !== null,
    900_000,
    "all agents",
  );
  if (up.child.exitCode !== null)
    throw new Error(`up exited ${up.child.exitCode}: ${up.out.stderr.slice(-2000)}`);
  const url = /^fleet view: (\S+)$/m.exec(up.out.stdout)?.[1] as string;
  await new Promise((r) => setTimeout(r, 10_000)); // let the first round of sessions settle
  const without: number[] = [];
  const withPage: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    without.push(await window(pid));
    const browser = await openPage(new URL(url).origin);
    await browser.page.goto(url);
    await browser.page.getByTestId("agent-row").first().waitFor();
    withPage.push(await window(pid));
    await browser.close();
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const result = {
    bench: "fleet-view-page-cost",
    agents: AGENTS,
    windowSeconds: WINDOW_S,
    rounds: ROUNDS,
    measure: "server process CPU% of one core from /proc/<pid>/stat (utime+stime)",
    cpuPercentWithout: without.map((v) => Math.round(v * 10) / 10),
    cpuPercentWithPage: withPage.map((v) => Math.round(v * 10) / 10),
    meanWithout: Math.round(mean(without) * 10) / 10,
    meanWithPage: Math.round(mean(withPage) * 10) / 10,
    addedPercentPoints: Math.round((mean(withPage) - mean(without)) * 10) / 10,
    pageWeight: await pageWeight(url),
  };
  console.log(JSON.stringify(result));
} finally {
  up.child.kill("SIGINT");
  await up.done;
  rmSync(dir, { recursive: true, force: true });
}
