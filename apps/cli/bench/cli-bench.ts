// Bench of the built `hsagent`: CLI start-up time (`--help`, median of 5) and `up --sessions N`
// end to end on a fresh data dir (first run: account, identities, then N sessions).
// Build first (`pnpm --filter @hsagent/cli build`). Last stdout line: one JSON object.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/run.js", import.meta.url));
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 5);

function time(args: string[]): { ms: number; code: number | null; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000 });
  return { ms: performance.now() - t0, code: r.status, stdout: r.stdout };
}

const startups = Array.from({ length: 5 }, () => time(["--help"]).ms).sort((a, b) => a - b);
const dir = mkdtempSync(join(tmpdir(), "hsagent-bench-"));
const up = time([
  "up",
  "--sessions",
  String(SESSIONS),
  "--json",
  "--data-dir",
  dir,
  "--relay-port",
  "0",
  "--substrate-port",
  "0",
  "--timeout",
  "100",
]);
rmSync(dir, { recursive: true, force: true });
if (up.code !== 0) {
  console.error(`up exited ${up.code}`);
  process.exit(1);
}
const summary = JSON.parse(up.stdout) as {
  pairs: { sessions: number; handshakeMs: { p50: number | null; max: number | null } }[];
  elapsedMs: number;
};
const pair = summary.pairs[0];
console.log(
  JSON.stringify({
    startupMsP50: Math.round(startups[2] ?? 0),
    upSessions: pair?.sessions ?? 0,
    upWallMs: Math.round(up.ms),
    upElapsedMs: summary.elapsedMs,
    handshakeMsP50: pair?.handshakeMs.p50 ?? null,
    handshakeMsMax: pair?.handshakeMs.max ?? null,
  }),
);
