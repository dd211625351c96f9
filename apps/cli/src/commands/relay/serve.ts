// `hsagent relay serve`: run the Summoner-compatible relay until a signal.

import { readFileSync } from "node:fs";
import { type RelayHttp, startRelay, startRelayHttp } from "@hsagent/relay";
import { Flags } from "@oclif/core";
import { BaseCommand } from "../../lib/base.js";
import { CliError } from "../../lib/errors.js";
import { listenFlags } from "../../lib/flags.js";
import { waitForSignal } from "../../lib/signals.js";

/** `hsagent relay serve`. */
export default class RelayServe extends BaseCommand {
  static override summary = "Run the Summoner-compatible relay.";
  static override description =
    "Runs a TCP broadcast relay that frames lines exactly like Summoner's Python server, so HSAgent_2 agents, " +
    "Summoner clients and hsagent agents can share it. Prints one line `relay listening on HOST:PORT` once it " +
    "accepts connections (`relay listening on tls://HOST:PORT` with --tls-cert/--tls-key) and stops gracefully " +
    "on SIGINT/SIGTERM.";
  static override examples = [
    "<%= config.bin %> relay serve",
    "<%= config.bin %> relay serve --port 0",
    "<%= config.bin %> relay serve --host 0.0.0.0 --port 8888 --rate-limit 0",
    "<%= config.bin %> relay serve --host 0.0.0.0 --tls-cert relay.crt --tls-key relay.key",
    "<%= config.bin %> relay serve --port 0 --http-port 0",
  ];
  static override flags = {
    ...listenFlags(8888),
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
    "max-connections": Flags.integer({
      description: "Most clients connected at once; 0 = no limit.",
      default: 4096,
      min: 0,
    }),
    "max-connections-per-address": Flags.integer({
      description: "Most clients connected at once from one IP address; 0 = no limit.",
      default: 512,
      min: 0,
    }),
    "tls-cert": Flags.string({
      description: "Serve TLS with this PEM certificate file.",
      dependsOn: ["tls-key"],
    }),
    "tls-key": Flags.string({ description: "PEM private key file of --tls-cert.", dependsOn: ["tls-cert"] }),
    "http-port": Flags.integer({
      description:
        "Also serve /healthz, /readyz and Prometheus /metrics over HTTP on 127.0.0.1:PORT (0 = any).",
      min: 0,
      max: 65535,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RelayServe);
    let tls: { cert: Buffer; key: Buffer } | undefined;
    if (flags["tls-cert"] !== undefined && flags["tls-key"] !== undefined) {
      try {
        tls = { cert: readFileSync(flags["tls-cert"]), key: readFileSync(flags["tls-key"]) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "EIO";
        throw new CliError(`cannot read the TLS certificate or key (${code})`, "TLS_FILES");
      }
    }
    let relay: Awaited<ReturnType<typeof startRelay>>;
    try {
      relay = await startRelay({
        host: flags.host,
        port: flags.port,
        maxLineBytes: flags["max-line-bytes"],
        rateLimitPerMinute: flags["rate-limit"],
        maxConnections: flags["max-connections"],
        maxConnectionsPerAddress: flags["max-connections-per-address"],
        ...(tls ? { tls } : {}),
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === "EADDRINUSE")
        throw new CliError(`port ${flags.port} on ${flags.host} is already in use`, e.code);
      throw new CliError(`the relay failed to start (${e.code ?? e.message})`, "START_FAILED");
    }
    const { host, port } = relay.address;
    const shown = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    process.stdout.write(`relay listening on ${relay.scheme === "tls" ? "tls://" : ""}${shown}\n`);
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
