// `hsagent relay serve`: run the Summoner-compatible relay until a signal.

import { startRelay } from "@hsagent/relay";
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
    const sig = await waitForSignal();
    this.note(`hsagent: ${sig}, closing the relay`);
    await relay.close();
    this.exit(0);
  }
}
