#!/usr/bin/env node
/**
 * `hsagent-agent`: run one agent until SIGINT/SIGTERM (or `--sessions N`). Prints one JSON line
 * per session event on stdout (no secrets); logs go to stderr. Credentials and the vault
 * passphrase come from the environment only, never from argv (which `ps` shows).
 */
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { SubstrateClient } from "@hsagent/substrate-client";
import pino from "pino";
import { type AgentEvent, createAgent } from "../index.js";

/** One command-line flag: its parseArgs type, its argument and help text, and the setting it fills. */
interface Flag {
  type: "string" | "boolean";
  arg?: string;
  short?: string;
  help: string;
  /** An integer setting (`--flag N`). */
  config?: "exchangeLimit" | "registerIntervalMs" | "retransmitMs" | "sessionTimeoutMs";
}

/** Every flag once: the parser and the usage text are both made from this table. */
const FLAGS: Record<string, Flag> = {
  name: {
    type: "string",
    arg: "NAME",
    help: "display name of the agent (identity found or provisioned by name)",
  },
  relay: { type: "string", arg: "HOST:PORT", help: "Summoner relay to join" },
  substrate: { type: "string", arg: "URL", help: "substrate API origin, e.g. http://127.0.0.1:7780" },
  "allow-legacy": { type: "boolean", help: "accept legacy v1 (HSAgent_2) peers" },
  "no-pq": { type: "boolean", help: "no hybrid X25519+ML-KEM-768 key agreement (also HSAGENT_PQ=off)" },
  "exchange-limit": {
    type: "string",
    arg: "N",
    help: "EXCHANGE_LIMIT (rounds = N + 1; default 3)",
    config: "exchangeLimit",
  },
  sessions: { type: "string", arg: "N", help: "exit 0 after N completed sessions with every peer seen" },
  "register-interval-ms": {
    type: "string",
    arg: "N",
    help: "register broadcast period (default 3000)",
    config: "registerIntervalMs",
  },
  "retransmit-ms": {
    type: "string",
    arg: "N",
    help: "retransmit wait (default 500)",
    config: "retransmitMs",
  },
  "session-timeout-ms": {
    type: "string",
    arg: "N",
    help: "session timeout (default 15000)",
    config: "sessionTimeoutMs",
  },
  "log-format": { type: "string", arg: "json|pretty", help: "stderr log format (default json)" },
  "log-level": { type: "string", arg: "LEVEL", help: "fatal|error|warn|info|debug|silent (default info)" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

const USAGE = `Usage: hsagent-agent --name NAME --relay HOST:PORT --substrate URL [options]

Options:
${Object.entries(FLAGS)
  .map(([flag, f]) => {
    const left = `${f.short ? `-${f.short}, ` : ""}--${flag}${f.arg ? ` ${f.arg}` : ""}`;
    return `  ${left.padEnd(24)}  ${f.help}\n`;
  })
  .join("")}
Environment:
  HSAGENT_USERNAME + HSAGENT_PASSWORD, or HSAGENT_API_KEY   substrate credentials
  HSAGENT_VAULT_PASSPHRASE                                   identity vault passphrase (required)
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`hsagent-agent: ${message}\n`);
  process.exit(code);
}

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(text)) fail(`--${flag} must be a non-negative integer`);
  return Number(text);
}

/** A minimal human-readable stderr format for pino's JSON lines. */
function prettyStream(): Writable {
  const levels: Record<number, string> = {
    10: "TRACE",
    20: "DEBUG",
    30: "INFO",
    40: "WARN",
    50: "ERROR",
    60: "FATAL",
  };
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        try {
          const {
            level,
            time,
            msg,
            pid: _p,
            hostname: _h,
            ...rest
          } = JSON.parse(line) as Record<string, unknown>;
          const t = new Date(Number(time)).toISOString().slice(11, 23);
          const fields = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
            .join(" ");
          process.stderr.write(`${t} ${levels[Number(level)] ?? level} ${String(msg)} ${fields}\n`);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function eventLine(e: AgentEvent): Record<string, unknown> | null {
  switch (e.type) {
    case "established":
      return {
        event: e.type,
        peer: e.peer,
        role: e.role,
        version: e.version,
        sid: e.sid,
        handshakeMs: e.handshakeMs,
      };
    case "closed":
      return { event: e.type, peer: e.peer, role: e.role, sid: e.sid, sessionMs: e.sessionMs };
    case "aborted":
      return { event: e.type, peer: e.peer, role: e.role, reason: e.reason };
    case "rejected":
      return { event: e.type, peer: e.peer, reason: e.reason, intent: e.intent };
    case "message":
      return null;
  }
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      Object.entries(FLAGS).map(([flag, f]) => [
        flag,
        f.short ? { type: f.type, short: f.short } : { type: f.type },
      ]),
    );
    ({ values } = parseArgs({ options, strict: true, allowPositionals: false }));
  } catch (error) {
    fail((error as Error).message.split("\n")[0] ?? "bad arguments");
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const name = values.name as string | undefined;
  const relayText = values.relay as string | undefined;
  const substrateUrl = values.substrate as string | undefined;
  if (!name) fail("--name is required");
  if (!relayText) fail("--relay HOST:PORT is required");
  if (!substrateUrl) fail("--substrate URL is required");
  const m = /^(.+):([0-9]{1,5})$/.exec(relayText);
  if (!m || Number(m[2]) > 65535) fail("--relay must be HOST:PORT");
  const logFormat = (values["log-format"] as string | undefined) ?? "json";
  if (logFormat !== "json" && logFormat !== "pretty") fail("--log-format must be json or pretty");
  const level = (values["log-level"] as string | undefined) ?? "info";
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(level))
    fail("bad --log-level");
  const passphrase = process.env.HSAGENT_VAULT_PASSPHRASE;
  if (!passphrase) fail("HSAGENT_VAULT_PASSPHRASE is required (the identity vault passphrase)");
  const username = process.env.HSAGENT_USERNAME;
  const password = process.env.HSAGENT_PASSWORD;
  const apiKey = process.env.HSAGENT_API_KEY;
  const credentials =
    username && password
      ? { username, password }
      : apiKey
        ? { key: apiKey }
        : fail("set HSAGENT_USERNAME and HSAGENT_PASSWORD, or HSAGENT_API_KEY");
  const sessionsTarget = positiveInt("sessions", values.sessions as string | undefined);
  const config = {
    ...(values["allow-legacy"] ? { allowLegacy: true } : {}),
    // --no-pq or HSAGENT_PQ=off: no hybrid X25519+ML-KEM-768 key agreement.
    ...(values["no-pq"] || /^(0|false|no|off)$/i.test(process.env.HSAGENT_PQ ?? "") ? { pq: false } : {}),
    ...Object.fromEntries(
      Object.entries(FLAGS).flatMap(([flag, f]) => {
        const value = f.config ? positiveInt(flag, values[flag] as string | undefined) : undefined;
        return value === undefined ? [] : [[f.config, value]];
      }),
    ),
  };

  const logger = pino(
    { level, base: { pid: process.pid } },
    logFormat === "pretty" ? prettyStream() : pino.destination({ fd: 2, sync: true }),
  );
  const client = new SubstrateClient({
    baseUrl: substrateUrl,
    credentials,
    autoRegister: "username" in credentials,
  });
  const agent = createAgent({
    name,
    relay: { host: m[1]!, port: Number(m[2]) },
    substrate: { client },
    vaultPassphrase: passphrase,
    config,
    logger,
  });

  let exiting = false;
  const stop = (why: string, code: number) => {
    if (exiting) return;
    exiting = true;
    logger.info({ why }, "stopping");
    agent.stop().then(
      () => {
        emit({ event: "stopped", metrics: agent.metrics() });
        process.exit(code);
      },
      (error: unknown) => {
        logger.error({ err: (error as Error).message }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT", 0));
  process.on("SIGTERM", () => stop("SIGTERM", 0));

  const closedByPeer = new Map<string, number>();
  for (const type of ["established", "closed", "aborted", "rejected"] as const) {
    agent.on(type, (e: AgentEvent) => {
      const line = eventLine(e);
      if (line) emit(line);
      if (e.type === "established" && !closedByPeer.has(e.peer)) closedByPeer.set(e.peer, 0);
      if (e.type === "closed") {
        closedByPeer.set(e.peer, (closedByPeer.get(e.peer) ?? 0) + 1);
        if (sessionsTarget !== undefined && [...closedByPeer.values()].every((n) => n >= sessionsTarget))
          stop(`${sessionsTarget} sessions`, 0);
      }
    });
  }
  try {
    await client.login();
    await agent.start();
  } catch (error) {
    const e = error as { code?: string; message?: string };
    fail(`failed to start: ${e.code ?? ""} ${e.message ?? String(error)}`, 1);
  }
  emit({ event: "ready", name, agentId: agent.agentId });
}

main().catch((error: unknown) => fail(`fatal: ${(error as Error).message}`, 1));
