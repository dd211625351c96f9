// In-process cost of one open page: a FleetModel of N agents (default 50) fed a steady stream of
// synthetic events (every pair closes a session every ~2 s, plus rejections), served by the real
// HTTP/SSE handler; process.cpuUsage() over a window without and with one SSE client, and the
// time to build and serialise one snapshot. Last stdout line: one JSON object.
//
//   pnpm --filter @hsagent/fleet-view bench   (BENCH_AGENTS, BENCH_WINDOW_S)

import { spawn } from "node:child_process";
import { FleetModel, startFleetViewServer } from "../src/index.js";
import { feedSyntheticFleet } from "./synthetic.js";

const N = Number(process.env.BENCH_AGENTS ?? 50);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 10);

const model = new FleetModel({ title: "bench" });
const stopFeed = feedSyntheticFleet(model, N);

const server = await startFleetViewServer({ model });
const MARK = Buffer.from("event: snapshot");

async function cpuWindow(): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
}

const without = await cpuWindow();
// the page's stream is read by another process (curl), so only the serving side is measured here
const reader = spawn("curl", ["-sN", `${server.url}api/events`], { stdio: ["ignore", "pipe", "ignore"] });
let bytes = 0;
let frames = 0;
reader.stdout.on("data", (chunk: Buffer) => {
  bytes += chunk.length;
  for (let at = chunk.indexOf(MARK); at >= 0; at = chunk.indexOf(MARK, at + 1)) frames++;
});
await new Promise((r) => setTimeout(r, 500));
bytes = 0;
frames = 0;
const withClient = await cpuWindow();
reader.kill();

const reps = 200;
const t0 = process.cpuUsage();
let size = 0;
for (let i = 0; i < reps; i++) size = JSON.stringify(model.snapshot()).length;
const t = process.cpuUsage(t0);
const snapshotMs = (t.user + t.system) / 1000 / reps;

stopFeed();
await server.close();
console.log(
  JSON.stringify({
    bench: "fleet-view-sse-cost",
    agents: N,
    windowSeconds: WINDOW_S,
    measure:
      "process.cpuUsage() of the bench process (model feeder + HTTP/SSE server; the stream is read by a curl child process)",
    cpuPercentWithout: Math.round(without * 100) / 100,
    cpuPercentWithClient: Math.round(withClient * 100) / 100,
    addedPercentPoints: Math.round((withClient - without) * 100) / 100,
    snapshot: { bytes: size, cpuMsPerSnapshot: Math.round(snapshotMs * 1000) / 1000 },
    sse: {
      framesPerSecond: Math.round((frames / WINDOW_S) * 10) / 10,
      bytesPerSecond: Math.round(bytes / WINDOW_S),
    },
  }),
);
