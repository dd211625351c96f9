// `hsagent substrate serve`: run the substrate API server (SQLite or PostgreSQL) until a signal.

import { registerSecret } from "@hsagent/config";
import type { RunningSubstrateServer } from "@hsagent/substrate-server";
import { Flags } from "@oclif/core";
import { BaseCommand } from "../../lib/base.js";
import { CliError, UsageError } from "../../lib/errors.js";
import { listenFlags } from "../../lib/flags.js";
import { waitForSignal } from "../../lib/signals.js";
import { readTlsFlags } from "../../lib/tls-files.js";

/** `hsagent substrate serve`. */
export default class SubstrateServe extends BaseCommand {
  static override summary = "Run the substrate API server.";
  static override description =
    "Serves the substrate HTTP API (accounts, objects and associations, chains) that agents keep their state in, " +
    "on an embedded SQLite file or on PostgreSQL. Prints one line `substrate listening on URL` once it accepts " +
    "requests (https:// with --tls-cert and --tls-key) and stops gracefully on SIGINT/SIGTERM. The JWT secret comes from HSAGENT_SUBSTRATE_JWT_SECRET, or a " +
    "0600 file `jwt-secret` beside the SQLite database.";
  static override examples = [
    "<%= config.bin %> substrate serve",
    "<%= config.bin %> substrate serve --port 0 --db sqlite:/tmp/hs/substrate.db",
    "<%= config.bin %> substrate serve --host 0.0.0.0 --db postgres://hsagent@db:5432/hsagent",
    "<%= config.bin %> substrate serve --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem",
  ];
  static override flags = {
    ...listenFlags(7780),
    db: Flags.string({
      description: "Database: sqlite:<file>, sqlite::memory: or a postgres:// URL.",
      default: "sqlite:./.hsagent/substrate.db",
      env: "HSAGENT_SUBSTRATE_DB",
    }),
    "pg-schema": Flags.string({ description: "PostgreSQL schema (created if missing)." }),
    "tls-cert": Flags.string({
      description: "Serve HTTPS with this PEM certificate (chain); needs --tls-key.",
    }),
    "tls-key": Flags.string({ description: "PEM private key of --tls-cert." }),
    "log-level": Flags.string({
      description: "Request log level (logs go to stderr).",
      options: ["fatal", "error", "warn", "info", "debug", "silent"],
      default: "warn",
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SubstrateServe);
    const { parseDbUrl, startSubstrateServer } = await import("@hsagent/substrate-server");
    try {
      parseDbUrl(flags.db);
    } catch (err) {
      throw new UsageError(`--db: ${(err as Error).message}`, "BAD_DB_URL");
    }
    const dbPassword = dbUrlPassword(flags.db);
    if (dbPassword) {
      registerSecret(dbPassword);
      if (process.argv.some((a) => a.includes(dbPassword))) {
        this.note(
          "hsagent: warning: the --db URL holds a password that `ps` can show; pass it in HSAGENT_SUBSTRATE_DB",
        );
      }
    }
    const tls = readTlsFlags(flags["tls-cert"], flags["tls-key"]);
    const level = flags["log-level"];
    let server: RunningSubstrateServer;
    try {
      server = await startSubstrateServer({
        host: flags.host,
        port: flags.port,
        db: flags.db,
        logger: level === "silent" ? false : { level, stream: process.stderr },
        ...(flags["pg-schema"] ? { pgSchema: flags["pg-schema"] } : {}),
        ...(tls ? { tls } : {}),
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === "EADDRINUSE")
        throw new CliError(`port ${flags.port} on ${flags.host} is already in use`, e.code);
      // Never echo a connection string: it may hold a password.
      throw new CliError(
        `the substrate server failed to start (${e.code ?? e.message.split("\n")[0]})`,
        "START_FAILED",
      );
    }
    process.stdout.write(`substrate listening on ${server.url}\n`);
    const sig = await waitForSignal();
    this.note(`hsagent: ${sig}, closing the substrate server`);
    await server.close();
    this.exit(0);
  }
}

/** The password of a postgres:// URL, if it has one. */
export function dbUrlPassword(db: string): string | null {
  if (!/^postgres(ql)?:\/\//.test(db)) return null;
  try {
    const u = new URL(db);
    return u.password ? decodeURIComponent(u.password) : null;
  } catch {
    return null;
  }
}
