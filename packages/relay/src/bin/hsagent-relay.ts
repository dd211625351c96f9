#!/usr/bin/env node
// `hsagent-relay`: run the relay from the command line. Prints exactly one line on stdout
// (`relay listening on HOST:PORT`) once it accepts connections; SIGINT/SIGTERM shut it down
// gracefully (clients get `Warning: Server is shutting down.`) and exit 0.

import { readFileSync } from "node:fs";
import { parseArgs, USAGE } from "../cli-args.js";
import { RelayError } from "../errors.js";
import { type RelayHttp, startRelayHttp } from "../http-health.js";
import type { Logger } from "../logger.js";
import { type RelayServer, startRelay } from "../server.js";

function stderrLogger(): Logger {
  const write =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      process.stderr.write(`${level} ${message}${fields ? " " + JSON.stringify(fields) : ""}\n`);
    };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    const msg = err instanceof RelayError ? err.message : String(err);
    process.stderr.write(`hsagent-relay: ${msg}\n`);
    process.exit(2);
  }
  if (parsed.kind === "help") {
    process.stdout.write(USAGE);
    return;
  }
  const { options, verbose, tlsFiles } = parsed;
  if (tlsFiles) {
    try {
      options.tls = { cert: readFileSync(tlsFiles.cert), key: readFileSync(tlsFiles.key) };
    } catch (err) {
      process.stderr.write(
        `hsagent-relay: cannot read TLS files: ${String((err as { code?: unknown }).code ?? err)}\n`,
      );
      process.exit(2);
    }
  }
  let relay: RelayServer;
  try {
    relay = await startRelay(verbose ? { ...options, logger: stderrLogger() } : options);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    process.stderr.write(
      `hsagent-relay: cannot ${code ? "listen on" : "start on"} ${options.host}:${options.port}: ${String(code ?? (err as Error).message)}\n`,
    );
    process.exit(1);
  }
  const { host, port } = relay.address;
  const shown = host.includes(":") ? `[${host}]` : host;
  process.stdout.write(`relay listening on ${relay.scheme === "tls" ? "tls://" : ""}${shown}:${port}\n`);
  let web: RelayHttp | null = null;
  if (parsed.http) {
    try {
      web = await startRelayHttp(relay, parsed.http);
    } catch (err) {
      process.stderr.write(
        `hsagent-relay: cannot listen on ${parsed.http.host}:${parsed.http.port} (HTTP): ${String((err as { code?: unknown }).code ?? err)}\n`,
      );
      await relay.close();
      process.exit(1);
    }
    process.stdout.write(`relay http on ${web.url}\n`);
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    Promise.all([relay.close(), web?.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

void main();
