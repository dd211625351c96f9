// `hsagent run --name NAME`: one agent in the foreground, like HSAgent_2's agent script —
// pre-flight selftest, login, hydrate or provision the identity, then sessions with every peer
// of the account until SIGINT/SIGTERM, then a graceful stop.

import { agentConfigFrom, relayTlsOptions, resolveSettings } from "@hsagent/config";
import { Flags } from "@oclif/core";
import { openAgentTransport, probeAgentTransport } from "../lib/agent-transport.js";
import { BaseCommand } from "../lib/base.js";
import { readCaFile } from "../lib/ca-file.js";
import { CliError, UsageError } from "../lib/errors.js";
import { CREDENTIALS_HELP, substrateFlags } from "../lib/flags.js";
import { createLogger } from "../lib/logger.js";
import { loadCreateAgent, loadRunSelfTest } from "../lib/runtime.js";
import { waitForSignal } from "../lib/signals.js";
import { loginSubstrate, probeSubstrate, requireCredentials, substrateFailure } from "../lib/substrate.js";

/** How long a graceful stop may take before the process exits anyway. */
const STOP_TIMEOUT_MS = 5000;

/** `hsagent run`. */
export default class Run extends BaseCommand {
  static override summary = "Run one agent until interrupted.";
  static override description =
    `Runs the agent NAME: a pre-flight selftest against the substrate with a temporary account (unless --skip-selftest), login, its identity hydrated from the substrate (or provisioned on first run), then secure sessions with every agent of the same account that appears on the relay, until SIGINT/SIGTERM stops it gracefully. Accepts HSAgent_2's client_config.json unchanged (--config). Settings: flags > HSAGENT_* environment > config file > defaults. ${CREDENTIALS_HELP}`;
  static override examples = [
    "HSAGENT_USERNAME=me HSAGENT_PASSWORD=... HSAGENT_VAULT_PASSPHRASE=... <%= config.bin %> run --name alpha",
    "<%= config.bin %> run --name beta --config client_config.json",
    "<%= config.bin %> run --name gamma --relay 10.0.0.5:8888 --substrate https://substrate.example --log-format json",
  ];
  static override flags = {
    name: Flags.string({ char: "n", description: "Display name of the agent. Env: HSAGENT_NAME." }),
    ...substrateFlags,
    relay: Flags.string({
      description:
        "Relay HOST:PORT or tls://HOST:PORT (default 127.0.0.1:8888), or NATS servers nats://H1:4222,nats://H2:4222 (credentials: HSAGENT_NATS_*). Env: HSAGENT_RELAY.",
    }),
    "skip-selftest": Flags.boolean({ description: "Skip the pre-flight selftest." }),
    "allow-legacy": Flags.boolean({ description: "Accept legacy protocol v1 (HSAgent_2) peers." }),
    pq: Flags.boolean({
      description:
        "Offer the hybrid post-quantum key agreement X25519+ML-KEM-768 (default on; --no-pq turns it off). Env: HSAGENT_PQ.",
      allowNo: true,
    }),
    "exchange-limit": Flags.integer({
      description: "Exchange rounds per session minus one (default 3).",
      min: 1,
      max: 1000,
    }),
    "log-format": Flags.string({
      description: "Log format (default pretty). Env: HSAGENT_LOG_FORMAT.",
      options: ["pretty", "json"],
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Run);
    const settings = resolveSettings({
      config: flags.config,
      name: flags.name,
      relay: flags.relay,
      substrate: flags.substrate,
      caFile: flags["ca-file"],
      allowLegacy: flags["allow-legacy"],
      pq: flags.pq,
      exchangeLimit: flags["exchange-limit"],
      logFormat: flags["log-format"] as "pretty" | "json" | undefined,
    });
    const name = settings.name;
    if (name === null)
      throw new UsageError(
        "--name is required (or HSAGENT_NAME, or hsagent.name in the config file)",
        "NO_NAME",
      );
    const credentials = requireCredentials(settings.credentials);
    const passphrase = settings.vaultPassphrase;
    if (passphrase === null) {
      throw new UsageError(
        "no vault passphrase: set HSAGENT_VAULT_PASSPHRASE (or hsagent.vault_passphrase in a 0600 config file)",
        "NO_PASSPHRASE",
      );
    }
    const log = createLogger(settings.logFormat, this.debugEnabled ? "debug" : "info", process.stdout);
    for (const w of settings.warnings) log.warn(w);
    const url = settings.substrateUrl;
    const { host, port } = settings.relay;
    // The CA file (--ca-file) is trusted for the https:// substrate and a tls:// relay; NATS takes its own (HSAGENT_NATS_*).
    const relayTls =
      settings.nats === null ? relayTlsOptions(settings.relay, settings.relayCaFile, settings.caFile) : {};

    await probeSubstrate(url, undefined, settings.caFile);
    await probeAgentTransport(settings.nats, settings.relay);

    if (!flags["skip-selftest"]) {
      const runSelfTest = await loadRunSelfTest();
      const report = await runSelfTest({
        baseUrl: url,
        ...(settings.caFile ? { ca: readCaFile(settings.caFile) } : {}),
      });
      const ms = Math.round(report.checks.reduce((s, c) => s + c.ms, 0));
      if (!report.ok) {
        const failed = report.checks.filter((c) => !c.ok);
        const first = failed[0];
        throw new CliError(
          `pre-flight selftest failed: ${failed.map((c) => c.name).join(", ")}${first?.error ? ` (${first.name}: ${first.error})` : ""}`,
          "SELFTEST_FAILED",
        );
      }
      log.info({ event: "selftest", checks: report.checks.length, ms }, "pre-flight selftest passed");
    }

    const client = await loginSubstrate(url, credentials, {
      autoRegister: "username" in credentials,
      caFile: settings.caFile,
    });
    const { config, relay } = agentConfigFrom(
      settings.protocol,
      settings.allowLegacy,
      settings.reconnectDelayMs,
      settings.pq,
    );
    const createAgent = await loadCreateAgent();
    const target =
      settings.nats !== null ? { nats: settings.nats } : { relay: { host, port, ...relay, ...relayTls } };
    const link = await openAgentTransport(target, client.accountId, name);
    const agent = createAgent({
      name,
      ...link.option,
      substrate: { client },
      vaultPassphrase: passphrase,
      config,
      logger: log,
    });
    try {
      await agent.start();
    } catch (err) {
      await agent.stop().catch(() => {});
      await link.close();
      throw startFailure(err, url, link.label);
    }
    log.info(
      { event: "started", agent: name, agentId: agent.agentId, relay: link.label, substrate: url },
      "agent started",
    );
    // Session events are logged once, by the runtime itself (with `event` and `peerName`).

    const sig = await waitForSignal();
    log.info({ event: "stopping", signal: sig }, "stopping");
    const timer = setTimeout(() => {
      log.error("graceful stop took too long; exiting");
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    timer.unref();
    await agent.stop();
    await link.close();
    log.info({ event: "stopped", metrics: agent.metrics().sessions }, "stopped");
    this.exit(0);
  }
}

/** Turn an error of `agent.start()` into one sentence. */
export function startFailure(err: unknown, url: string, relay: string): CliError {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (code === "VAULT_DECRYPT_FAILED") {
      return new CliError(
        "the vault passphrase does not open this agent's identity vault (wrong HSAGENT_VAULT_PASSPHRASE?)",
        "VAULT_DECRYPT_FAILED",
      );
    }
    if (code === "RELAY_FAILED" || code === "RECONNECT_FAILED") {
      return new CliError(`cannot reach the relay at ${relay}`, "RELAY_UNREACHABLE");
    }
    if (typeof code === "string" && ["NETWORK", "TIMEOUT"].includes(code))
      return substrateFailure(e, url, "start");
    if ((e as { status?: unknown }).status !== undefined) return substrateFailure(e, url, "start");
    e = (e as { cause?: unknown }).cause;
  }
  return new CliError(`the agent failed to start: ${(err as Error).message}`, "START_FAILED");
}
