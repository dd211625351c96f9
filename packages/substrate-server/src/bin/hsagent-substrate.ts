#!/usr/bin/env node
// `hsagent-substrate`: run the substrate API server. Prints exactly one stdout line
// `substrate listening on http(s)://HOST:PORT` once it accepts requests; logs go to stderr.
// SIGINT/SIGTERM close gracefully (exit 0). Bad flags: one error line on stderr, exit 2.
// `--workers <n>` runs n server processes (node:cluster) on one port; see workers.ts.

import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { startSubstrateServer } from "../server.js";
import { parseDbUrl } from "../store/open.js";
import { MAX_WORKERS, runPrimary, runWorker, type ServeOptions } from "./workers.js";

/** Default port (documented in the README). */
const DEFAULT_PORT = 7780;
const DEFAULT_DB = "sqlite:./.hsagent/substrate.db";

const HELP = `Usage: hsagent-substrate [options]

Run the HSAgent substrate API (accounts, BOSS objects/associations, Fathom chains).

Options:
  --host <addr>       interface to bind (default 127.0.0.1)
  --port <n>          port, 0 = any free port (default ${DEFAULT_PORT})
  --db <url>          sqlite:<file> | sqlite::memory: | postgres://... (default ${DEFAULT_DB})
  --pg-schema <name>  PostgreSQL schema (default public)
  --sqlite-synchronous <full|normal>
                      SQLite fsync policy (default normal: every acknowledged write survives
                      kill -9 / crashes of the process; full: also survives power loss, slower)
  --log-level <lvl>   fatal|error|warn|info|debug|silent (default info; logs go to stderr)
  --tls-cert <file>   serve HTTPS with this PEM certificate (chain); needs --tls-key
  --tls-key <file>    PEM private key of --tls-cert
  --no-rate-limit     turn per-IP/per-account rate limits off (benchmarks)
  --workers <n|auto>  server processes sharing the port (default 1; auto = one per CPU); needs a
                      SQLite file or PostgreSQL. Rate limits then apply per process.
  -h, --help          show this help

Environment:
  HSAGENT_SUBSTRATE_JWT_SECRET  JWT signing secret (>= 32 bytes); required to share tokens across
                                PostgreSQL replicas. SQLite default: <db dir>/jwt-secret (mode 0600).
`;

function fail(message: string): never {
  process.stderr.write(`hsagent-substrate: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: "string" },
        port: { type: "string" },
        db: { type: "string" },
        "pg-schema": { type: "string" },
        "sqlite-synchronous": { type: "string" },
        "log-level": { type: "string" },
        "no-rate-limit": { type: "boolean" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        workers: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    fail((err as Error).message.split("\n")[0] ?? "bad arguments");
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const host = (values.host as string | undefined) ?? "127.0.0.1";
  if (host === "") fail("--host must not be empty");
  const portText = (values.port as string | undefined) ?? String(DEFAULT_PORT);
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) fail("--port must be an integer 0..65535");
  const db = (values.db as string | undefined) ?? DEFAULT_DB;
  try {
    parseDbUrl(db);
  } catch (err) {
    fail(`--db: ${(err as Error).message}`);
  }
  const level = (values["log-level"] as string | undefined) ?? "info";
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(level)) {
    fail("--log-level must be one of fatal|error|warn|info|debug|trace|silent");
  }
  const pgSchema = values["pg-schema"] as string | undefined;
  const syncFlag = ((values["sqlite-synchronous"] as string | undefined) ?? "normal").toUpperCase();
  if (syncFlag !== "FULL" && syncFlag !== "NORMAL") fail("--sqlite-synchronous must be full or normal");

  const workersText = (values.workers as string | undefined) ?? "1";
  const workers =
    workersText === "auto" ? Math.min(availableParallelism(), MAX_WORKERS) : Number(workersText);
  if (workersText !== "auto" && (!/^[0-9]{1,4}$/.test(workersText) || workers < 1 || workers > MAX_WORKERS)) {
    fail(`--workers must be an integer 1..${MAX_WORKERS} or auto`);
  }
  if (workers > 1 && db === "sqlite::memory:") {
    fail("--workers > 1 needs a shared database (a SQLite file or PostgreSQL), not sqlite::memory:");
  }

  const certFile = values["tls-cert"] as string | undefined;
  const keyFile = values["tls-key"] as string | undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) fail("--tls-cert and --tls-key go together");
  let tls: { cert: string; key: string } | undefined;
  if (certFile !== undefined && keyFile !== undefined) {
    try {
      tls = { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
    } catch (err) {
      fail(`cannot read the TLS files (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }

  const serve: ServeOptions = {
    ...(tls ? { tls } : {}),
    host,
    port: Number(portText),
    db,
    logger: level === "silent" ? false : { level, stream: process.stderr },
    ...(pgSchema ? { pgSchema } : {}),
    sqliteSynchronous: syncFlag,
    ...(values["no-rate-limit"] ? { rateLimit: false as const } : {}),
  };
  if (cluster.isWorker) {
    await runWorker(serve);
    return;
  }
  if (workers > 1) {
    await runPrimary(serve, workers);
    return;
  }

  const server = await startSubstrateServer(serve);
  process.stdout.write(`substrate listening on ${server.url}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`hsagent-substrate: ${signal}, closing\n`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`hsagent-substrate: close failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  // Startup faults (port in use, database unreachable): one line, no stack, no connection string.
  const e = err as { code?: string; message?: string };
  process.stderr.write(`hsagent-substrate: failed to start: ${e.code ?? ""} ${e.message ?? String(err)}\n`);
  process.exit(1);
});
