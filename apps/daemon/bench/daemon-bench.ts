// Bench of the daemon in-process: time from start to ready with two agents on a fresh SQLite
// substrate, sessions completed in a fixed window, and /metrics scrape latency (median of 50).
// Last stdout line: one JSON object.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRelay } from "@hsagent/relay";
import { startSubstrateServer } from "@hsagent/substrate-server";
import { pino } from "pino";
import { parseDaemonConfig, startDaemon } from "../src/index.js";

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 5000);
const dir = mkdtempSync(join(tmpdir(), "hsagentd-bench-"));
const substrate = await startSubstrateServer({ db: `sqlite:${join(dir, "s.db")}`, port: 0 });
const relay = await startRelay({ port: 0 });
const config = parseDaemonConfig({
  substrate: substrate.url,
  relay: `127.0.0.1:${relay.address.port}`,
  agents: ["alpha", "beta"],
  http: { port: 0 },
  protocol: { registerIntervalMs: 200 },
});
const env = {
  HSAGENT_USERNAME: "bench",
  HSAGENT_PASSWORD: "bench-password-123",
  HSAGENT_VAULT_PASSPHRASE: "bench-vault",
};
const t0 = performance.now();
const daemon = await startDaemon(config, { env, logger: pino({ level: "silent" }) });
const readyMs = performance.now() - t0;
await new Promise((r) => setTimeout(r, WINDOW_MS));
const scrapes: number[] = [];
let text = "";
for (let i = 0; i < 50; i++) {
  const s = performance.now();
  text = await (await fetch(`${daemon.url}/metrics`)).text();
  scrapes.push(performance.now() - s);
}
scrapes.sort((a, b) => a - b);
const closed = Number(/hsagent_sessions_total\{agent="alpha",outcome="closed"\} (\d+)/.exec(text)?.[1] ?? 0);
const s0 = performance.now();
await daemon.stop();
const stopMs = performance.now() - s0;
await relay.close();
await substrate.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    readyMs: Math.round(readyMs),
    windowMs: WINDOW_MS,
    sessionsClosedInWindow: closed,
    scrapeMsP50: Math.round((scrapes[25] ?? 0) * 100) / 100,
    stopMs: Math.round(stopMs),
  }),
);
