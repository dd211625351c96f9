// `hsagent up`: everything on one machine with nothing to set up — the substrate server on a
// SQLite file in the data directory, the relay, and agents (alpha and beta by default) in this
// process, with sessions completing live. `--sessions N` exits once every pair did N sessions.

import { join } from "node:path";
import { envBool } from "@hsagent/config";
import type { FleetHost } from "@hsagent/fleet-view";
import type { RelayServer } from "@hsagent/relay";
import type { RunningSubstrateServer } from "@hsagent/substrate-server";
import { Flags } from "@oclif/core";
import { openAgentTransport } from "../lib/agent-transport.js";
import { BaseCommand } from "../lib/base.js";
import { clearUpState, ensureDataDir, loadOrCreateSecrets, writeUpState } from "../lib/datadir.js";
import { CliError, UsageError } from "../lib/errors.js";
import { createLogger } from "../lib/logger.js";
import { formatPair, PairTracker, percentile } from "../lib/progress.js";
import { type Agent, type AgentEvent, loadCreateAgent } from "../lib/runtime.js";
import { waitForSignal } from "../lib/signals.js";
import { loginSubstrate } from "../lib/substrate.js";
import { defaultWebArg, startUpWeb } from "../lib/web.js";

const NAME_RE = /^[A-Za-z0-9_.~-]{1,64}$/;

type Outcome = { kind: "reached" } | { kind: "signal"; signal: string } | { kind: "timeout" };

/** `hsagent up`. */
export default class Up extends BaseCommand {
  static override summary = "Start a substrate, a relay and agents, and watch them hold secure sessions.";
  static override description =
    "Starts, in one process and with embedded defaults: the substrate server on a SQLite file in the data " +
    "directory, the relay, and the agents (alpha and beta unless --agents says otherwise). On first run an " +
    "account and a vault passphrase are generated and stored with mode 0600 in the data directory. Shows, per " +
    "pair of agents, sessions completed, the last handshake latency and rejections: live on a terminal, as plain " +
    "lines otherwise. With --sessions N it stops and exits 0 once every pair completed N sessions.";
  static override examples = [
    "<%= config.bin %> up",
    "<%= config.bin %> up --agents alpha,beta,gamma",
    "<%= config.bin %> up --sessions 2 --json --data-dir /tmp/hs --relay-port 0 --substrate-port 0",
    "<%= config.bin %> up --nats nats://127.0.0.1:4222",
    "<%= config.bin %> up --web 127.0.0.1:0 --agents alpha,beta,gamma",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    agents: Flags.string({ description: "Comma-separated agent names.", default: "alpha,beta" }),
    sessions: Flags.integer({ description: "Exit 0 once every pair completed this many sessions.", min: 1 }),
    "data-dir": Flags.string({
      description: "Where the substrate database and generated secrets live.",
      default: "./.hsagent",
    }),
    "relay-port": Flags.integer({
      description: "Relay port; 0 picks any free port.",
      default: 8888,
      min: 0,
      max: 65535,
    }),
    nats: Flags.string({
      description:
        "Run the agents on these NATS servers (nats://H1:4222,nats://H2:4222) instead of an embedded relay. Credentials: HSAGENT_NATS_*.",
    }),
    "substrate-port": Flags.integer({
      description: "Substrate port; 0 picks any free port.",
      default: 7780,
      min: 0,
      max: 65535,
    }),
    "register-interval-ms": Flags.integer({
      description: "How often agents announce themselves, ms.",
      default: 1000,
      min: 50,
    }),
    pq: Flags.boolean({
      description:
        "Offer the hybrid post-quantum key agreement X25519+ML-KEM-768 (default on; --no-pq turns it off). Env: HSAGENT_PQ.",
      allowNo: true,
    }),
    timeout: Flags.integer({
      description: "With --sessions: give up (exit 1) after this many seconds; 0 = never.",
      default: 0,
      min: 0,
    }),
    web: Flags.string({
      description:
        "Serve the live fleet page on HOST:PORT (a bare --web: 127.0.0.1:7790). Beyond loopback it needs a token: HSAGENT_WEB_TOKEN or --web-token-file.",
    }),
    "web-token-file": Flags.string({
      description: "File whose first line is the fleet page's access token.",
    }),
  };

  async run(): Promise<void> {
    this.argv = defaultWebArg(this.argv);
    const { flags } = await this.parse(Up);
    const names = flags.agents
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    for (const n of names) {
      if (!NAME_RE.test(n))
        throw new UsageError(`agent name "${n}" must be 1-64 characters of [A-Za-z0-9_.~-]`);
    }
    if (new Set(names).size !== names.length) throw new UsageError("--agents lists a name twice");
    if (names.length === 0) throw new UsageError("--agents must name at least one agent");
    if (flags.sessions !== undefined && names.length < 2)
      throw new UsageError("--sessions needs at least two agents");

    const pq = flags.pq ?? envBool(process.env, "HSAGENT_PQ") ?? true;
    const json = this.jsonEnabled();
    const tty = !json && process.stdout.isTTY === true;
    const started = Date.now();
    const dir = ensureDataDir(flags["data-dir"]);
    const secrets = loadOrCreateSecrets(dir);
    const [{ startSubstrateServer }, { startRelay }, createAgent] = await Promise.all([
      import("@hsagent/substrate-server"),
      import("@hsagent/relay"),
      loadCreateAgent(),
    ]);
    const log = createLogger("pretty", this.debugEnabled ? "debug" : "error", process.stderr);

    const cleanups: (() => Promise<void>)[] = [];
    const cleanup = async () => {
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
      clearUpState(dir);
    };
    try {
      let substrate: RunningSubstrateServer;
      try {
        substrate = await startSubstrateServer({
          host: "127.0.0.1",
          port: flags["substrate-port"],
          db: `sqlite:${join(dir, "substrate.db")}`,
          logger: false,
        });
      } catch (err) {
        throw listenFailure(err, "substrate", flags["substrate-port"]);
      }
      cleanups.push(() => substrate.close());
      let relay: RelayServer | null = null;
      try {
        if (flags.nats === undefined)
          relay = await startRelay({ host: "127.0.0.1", port: flags["relay-port"] });
      } catch (err) {
        throw listenFailure(err, "relay", flags["relay-port"]);
      }
      if (relay) cleanups.push(() => relay.close());
      const relayAddr = relay ? `${relay.address.host}:${relay.address.port}` : flags.nats!;
      writeUpState(dir, {
        pid: process.pid,
        substrateUrl: substrate.url,
        ...(relay ? { relay: relay.address } : { nats: relayAddr }),
      });
      if (!json) {
        this.log(`data dir   ${dir}${secrets.created ? " (new account created)" : ""}`);
        this.log(`substrate  ${substrate.url}`);
        this.log(`relay      ${relayAddr}`);
      }

      let web: FleetHost | null = null;
      if (flags.web !== undefined) {
        web = await startUpWeb({
          listen: flags.web,
          tokenFile: flags["web-token-file"],
          substrateUrl: substrate.url,
          ...(relay ? { relay: relay.address } : {}),
        });
        cleanups.push(() => (web as FleetHost).close());
        if (json) this.note(`fleet view: ${web.url}`);
        else this.log(`fleet view: ${web.url}`);
      }

      const tracker = new PairTracker(names);
      const agents: { name: string; agent: Agent }[] = [];
      const nameById = new Map<string, string>();
      let onChange: () => void = () => {};

      for (const name of names) {
        const client = await loginSubstrate(
          substrate.url,
          { username: secrets.username, password: secrets.password },
          { autoRegister: true },
        );
        const target = relay ? { relay: { ...relay.address } } : { nats: relayAddr };
        const link = await openAgentTransport(target, client.accountId, name);
        cleanups.push(() => link.close());
        const agent = createAgent({
          name,
          ...link.option,
          substrate: { client },
          vaultPassphrase: secrets.vaultPassphrase,
          config: { registerIntervalMs: flags["register-interval-ms"], pq },
          logger: log,
        });
        const peerName = (e: AgentEvent): string => nameById.get(e.peer) ?? e.peer;
        agent.on("closed", (e) => {
          if (tracker.closed(name, peerName(e))) onChange();
        });
        agent.on("established", (e) =>
          tracker.established(name, peerName(e), e.handshakeMs, e.role, e.keyAgreement),
        );
        agent.on("rejected", (e) => {
          tracker.rejected(name, peerName(e), e.reason);
          onChange();
        });
        agent.on("aborted", (e) => {
          tracker.abortedSession(name, peerName(e));
          onChange();
        });
        cleanups.push(() => agent.stop());
        web?.attach(name, agent);
        try {
          await agent.start();
        } catch (err) {
          throw new CliError(`agent ${name} failed to start: ${(err as Error).message}`, "START_FAILED");
        }
        nameById.set(agent.agentId, name);
        web?.started(name, agent);
        agents.push({ name, agent });
        if (!json) this.log(`agent      ${name} (${agent.agentId})`);
      }

      const render = tty ? liveRenderer(tracker) : null;
      const printed = new Map<string, string>();
      const outcome = await new Promise<Outcome>((resolve) => {
        onChange = () => {
          if (render) render();
          else if (!json) {
            for (const p of tracker.pairs) {
              const line = formatPair(p);
              if (printed.get(p.pair.join()) !== line) {
                printed.set(p.pair.join(), line);
                this.log(line);
              }
            }
          }
          if (flags.sessions !== undefined && tracker.allReached(flags.sessions))
            resolve({ kind: "reached" });
        };
        if (render) render();
        void waitForSignal().then((signal) => resolve({ kind: "signal", signal }));
        if (flags.sessions !== undefined && flags.timeout > 0) {
          setTimeout(() => resolve({ kind: "timeout" }), flags.timeout * 1000).unref();
        }
      });
      onChange = () => {};

      const summary = {
        ok: outcome.kind !== "timeout",
        dataDir: dir,
        substrate: substrate.url,
        relay: relayAddr,
        agents: agents.map((a) => ({
          name: a.name,
          agentId: a.agent.agentId,
          metrics: a.agent.metrics().sessions,
        })),
        pairs: tracker.pairs.map((p) => ({
          pair: p.pair,
          sessions: p.sessions,
          lastHandshakeMs: p.lastHandshakeMs,
          keyAgreement: p.keyAgreement,
          handshakeMs: { p50: percentile(p.handshakeSamples, 50), max: percentile(p.handshakeSamples, 100) },
          rejections: p.rejections,
          rejectionReasons: p.rejectionReasons,
          aborted: p.aborted,
        })),
        elapsedMs: Date.now() - started,
      };
      await cleanup();
      if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else this.log(stoppedLine(summary.elapsedMs, summary.pairs));
      if (outcome.kind === "timeout") {
        throw new CliError(
          `not every pair completed ${flags.sessions} sessions within ${flags.timeout} s`,
          "TIMEOUT",
        );
      }
      this.exit(0);
    } finally {
      await cleanup();
    }
  }
}

function listenFailure(err: unknown, what: string, port: number): CliError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new CliError(`the ${what} port ${port} is already in use (try --${what}-port 0)`, code);
  }
  return new CliError(`the ${what} failed to start (${code ?? (err as Error).message})`, "START_FAILED");
}

/** Redraw the pair block in place on a terminal (at most every 100 ms). */
function liveRenderer(tracker: PairTracker): () => void {
  let drawn = 0;
  let last = 0;
  let timer: NodeJS.Timeout | null = null;
  const draw = () => {
    timer = null;
    last = Date.now();
    const lines = tracker.pairs.map(formatPair);
    let out = drawn > 0 ? `\x1b[${drawn}A` : "";
    for (const l of lines) out += `\x1b[2K${l}\n`;
    process.stdout.write(out);
    drawn = lines.length;
  };
  return () => {
    if (timer) return;
    const wait = Math.max(0, 100 - (Date.now() - last));
    timer = setTimeout(draw, wait);
  };
}

/** The one line `up` ends with: how long it ran and what the pairs achieved. */
export function stoppedLine(
  elapsedMs: number,
  pairs: ReadonlyArray<{ sessions: number; rejections: number; aborted: number }>,
): string {
  const sum = (pick: (p: (typeof pairs)[number]) => number) => pairs.reduce((n, p) => n + pick(p), 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return (
    `stopped after ${(elapsedMs / 1000).toFixed(1)} s: ${plural(
      sum((p) => p.sessions),
      "session",
    )} completed ` +
    `over ${plural(pairs.length, "pair")}, ${sum((p) => p.rejections)} rejected, ${sum((p) => p.aborted)} aborted`
  );
}
