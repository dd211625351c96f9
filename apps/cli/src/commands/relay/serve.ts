// `hsagent relay serve`: run the Summoner-compatible relay until a signal.

import { type RelayHttp, startRelay, startRelayHttp } from "@hsagent/relay";
import { Flags } from "@oclif/core";
import { BaseCommand } from "../../lib/base.js";
import { CliError } from "../../lib/errors.js";
import { waitForSignal } from "../../lib/signals.js";

/** `hsagent relay serve`. */
export default class RelayServe extends BaseCommand {
  static override summary = "Run the Summoner-compatible relay.";
  static override description =
    "Runs a TCP broadcast relay that frames lines exactly like Summoner's Python server, so HSAgent_2 agents, " +
    "Summoner clients and hsagent agents can share it. Prints one line `relay listening on HOST:PORT` once it " +
    "accepts connections and stops gracefully on SIGINT/SIGTERM.";
  static override examples = [
    "<%= config.bin %> relay serve",
    "<%= config.bin %> relay serve --port 0",
    "<%= config.bin %> relay serve --host 0.0.0.0 --port 8888 --rate-limit 0",
    "<%= config.bin %> relay serve --port 0 --http-port 0",
  ];
  static override flags = {
    host: Flags.string({ description: "Interface to bind.", default: "127.0.0.1" }),
    port: Flags.integer({ description: "Port; 0 picks any free port.", default: 8888, min: 0, max: 65535 }),
    "max-line-bytes": Flags.integer({
      description: "Longest accepted line in bytes.",
      default: 65536,
      min: 64,
    }),
    "rate-limit": Flags.integer({
      description: "Lines per minute per client; 0 turns the limit off.",
      default: 1000,
      min: 0,
    }),
    "http-port": Flags.integer({
      description:
        "Also serve /healthz, /readyz and Prometheus /metrics over HTTP on 127.0.0.1:PORT (0 = any).",
      min: 0,
      max: 65535,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RelayServe);
    let relay: Awaited<ReturnType<typeof startRelay>>;
    try {
      relay = await startRelay({
        host: flags.host,
        port: flags.port,
        maxLineBytes: flags["max-line-bytes"],
        rateLimitPerMinute: flags["rate-limit"],
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === "EADDRINUSE")
        throw new CliError(`port ${flags.port} on ${flags.host} is already in use`, e.code);
      throw new CliError(`the relay failed to start (${e.code ?? e.message})`, "START_FAILED");
    }
    const { host, port } = relay.address;
    process.stdout.write(`relay listening on ${host.includes(":") ? `[${host}]` : host}:${port}\n`);
    let http: RelayHttp | null = null;
    if (flags["http-port"] !== undefined) {
      try {
        http = await startRelayHttp(relay, { port: flags["http-port"] });
      } catch (err) {
        await relay.close();
        throw new CliError(
          `the relay's HTTP port failed to start (${(err as NodeJS.ErrnoException).code})`,
          "START_FAILED",
        );
      }
      process.stdout.write(`relay http on ${http.url}\n`);
    }
    const sig = await waitForSignal();
    this.note(`hsagent: ${sig}, closing the relay`);
    await Promise.all([relay.close(), http?.close()]);
    this.exit(0);
  }
}
