#!/usr/bin/env node
// `hsagentd --config FILE`: run the agents of a config file with /healthz, /readyz and /metrics;
// JSON logs (pino) on stdout; SIGTERM/SIGINT stop the agents, purge their sessions and exit 0
// within 5 s. Bad flags or config: one line on stderr, exit 2. Start failures: exit 1.

import { parseArgs } from "node:util";
import { pino } from "pino";
import { DaemonConfigError, loadDaemonConfig } from "../config.js";
import { startDaemon } from "../daemon.js";

const HELP = `Usage: hsagentd --config FILE

Runs the agents named in FILE (JSON: substrate, relay, agents, http.port, log_level, protocol)
and serves /healthz, /readyz and /metrics (Prometheus) on http.host:http.port (default 127.0.0.1:9464).

Environment (secrets are never read from flags or the config file):
  HSAGENT_USERNAME, HSAGENT_PASSWORD   substrate account (or HSAGENT_API_KEY)
  HSAGENT_VAULT_PASSPHRASE             passphrase of the agents' identity vaults
  HSAGENTD_CONFIG                      config file when --config is not given
`;

/** How long a graceful stop may take. */
const STOP_DEADLINE_MS = 5000;

function fail(message: string, code: number): never {
  process.stderr.write(`hsagentd: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values: { config?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    fail((err as Error).message.split("\n")[0] ?? "bad arguments", 2);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const path = values.config ?? process.env.HSAGENTD_CONFIG;
  if (!path) fail("--config FILE is required (or HSAGENTD_CONFIG)", 2);
  let config: ReturnType<typeof loadDaemonConfig>;
  try {
    config = loadDaemonConfig(path);
  } catch (err) {
    if (err instanceof DaemonConfigError) fail(err.message, 2);
    throw err;
  }
  const log = pino({
    level: config.logLevel,
    base: { service: "hsagentd" },
    redact: { paths: ["*.password", "*.passphrase", "*.key", "*.jwt", "*.secret"], censor: "[redacted]" },
  });
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  let stopping = false;
  const early = () => {
    // A signal before start-up finished: nothing to purge yet that stop() would not also handle.
    if (!stopping) process.exit(0);
  };
  process.once("SIGTERM", early);
  process.once("SIGINT", early);
  try {
    daemon = await startDaemon(config, { logger: log });
  } catch (err) {
    const e = err as Error & { code?: string };
    log.error({ code: e.code }, e.message);
    fail(e.message, 1);
  }
  process.off("SIGTERM", early);
  process.off("SIGINT", early);
  process.stdout.write(
    `${JSON.stringify({ level: 30, time: Date.now(), msg: "listening", url: daemon.url, ...(daemon.webUrl ? { web: daemon.webUrl } : {}) })}\n`,
  );

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    const deadline = setTimeout(() => {
      log.error("graceful stop exceeded 5 s; exiting");
      process.exit(1);
    }, STOP_DEADLINE_MS - 300);
    deadline.unref();
    daemon.stop().then(
      ({ purged }) => {
        log.info({ purged }, "stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err: (err as Error).message }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  fail(`unexpected error: ${(err as Error).message.split("\n")[0]}`, 1);
});
