// The daemon's config file: which substrate and relay, which agents, which HTTP port. Secrets
// never live here: credentials and the vault passphrase come from the environment.
//
//   { "substrate": "http://127.0.0.1:7780", "relay": "127.0.0.1:8888",
//     "agents": ["alpha", "beta"], "http": { "host": "127.0.0.1", "port": 9464 },
//     "log_level": "info", "protocol": { "registerIntervalMs": 3000 }, "allow_legacy": false,
//     "web": { "host": "127.0.0.1", "port": 9465 } }

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { isNatsUrl, parseNatsServers } from "@hsagent/transport-nats/settings";
import { parseWebSection, type WebSettings } from "./web-config.js";

/** A config problem; `field` names the offending field. */
export class DaemonConfigError extends Error {
  /** Machine-readable reason: `CONFIG_MISSING`, `CONFIG_MALFORMED` or `CONFIG_INVALID`. */
  readonly code: string;
  /** Offending field (dotted), if any. */
  readonly field: string | undefined;

  constructor(message: string, code: string, field?: string) {
    super(message);
    this.name = "DaemonConfigError";
    this.code = code;
    this.field = field;
  }
}

/** Protocol/runtime numbers the daemon passes to each agent. */
export type ProtocolSettings = Partial<
  Record<
    | "exchangeLimit"
    | "finalLimit"
    | "registerIntervalMs"
    | "retransmitMs"
    | "maxRetransmits"
    | "sessionTimeoutMs"
    | "nonceTtlSeconds"
    | "maxClockSkewSeconds"
    | "maxSessions",
    number
  >
>;

const PROTOCOL_KEYS = [
  "exchangeLimit",
  "finalLimit",
  "registerIntervalMs",
  "retransmitMs",
  "maxRetransmits",
  "sessionTimeoutMs",
  "nonceTtlSeconds",
  "maxClockSkewSeconds",
  "maxSessions",
] as const;

/** The validated daemon config. */
export interface DaemonConfig {
  readonly file: string | null;
  readonly substrateUrl: string;
  /** The TCP relay (unused when `nats` is set). */
  readonly relay: { readonly host: string; readonly port: number };
  /** NATS servers (`"relay": "nats://h1:4222,nats://h2:4222"`), or null for the TCP relay. */
  readonly nats: string | null;
  readonly agents: readonly string[];
  readonly http: { readonly host: string; readonly port: number };
  readonly logLevel: string;
  readonly allowLegacy: boolean;
  readonly protocol: ProtocolSettings;
  /** The fleet page (`web` section), or null when absent. */
  readonly web: WebSettings | null;
}

const NAME_RE = /^[A-Za-z0-9_.~-]{1,255}$/;
const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validate a parsed config object (`file` only names it in messages). */
export function parseDaemonConfig(raw: unknown, file: string | null = null): DaemonConfig {
  const where = file ? `config file ${file}: ` : "config: ";
  const bad = (field: string, expected: string) =>
    new DaemonConfigError(`${where}field "${field}" must be ${expected}`, "CONFIG_INVALID", field);
  if (!isObj(raw)) throw new DaemonConfigError(`${where}must be a JSON object`, "CONFIG_INVALID");

  const sub = raw.substrate ?? raw.substrate_url ?? "http://127.0.0.1:7780";
  if (typeof sub !== "string" || !/^https?:\/\/[^\s/]+/.test(sub)) throw bad("substrate", "an http(s) URL");

  const nats = typeof raw.relay === "string" && isNatsUrl(raw.relay) ? raw.relay.trim() : null;
  if (nats !== null) {
    try {
      parseNatsServers(nats);
    } catch {
      throw bad("relay", "HOST:PORT or nats://HOST:PORT[,nats://HOST:PORT...] without credentials");
    }
  }
  const relayText =
    nats === null && typeof raw.relay === "string" ? raw.relay.replace(/^tcp:\/\//i, "") : "127.0.0.1:8888";
  const m =
    raw.relay === undefined || typeof raw.relay === "string"
      ? (/^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(relayText) ?? /^([^:\s]+):(\d{1,5})$/.exec(relayText))
      : null;
  if (!m?.[1] || Number(m[2]) < 1 || Number(m[2]) > 65535) throw bad("relay", "HOST:PORT");

  const agentsRaw = raw.agents;
  if (!Array.isArray(agentsRaw) || agentsRaw.length === 0)
    throw bad("agents", "a non-empty list of agent names");
  const agents = agentsRaw.map((a, i) => {
    const name = isObj(a) ? a.name : a;
    if (typeof name !== "string" || !NAME_RE.test(name)) throw bad(`agents[${i}]`, "a URL-safe name");
    return name;
  });
  if (new Set(agents).size !== agents.length) throw bad("agents", "a list without duplicates");

  const httpRaw = raw.http ?? {};
  if (!isObj(httpRaw)) throw bad("http", "an object");
  const httpHost = httpRaw.host ?? "127.0.0.1";
  if (typeof httpHost !== "string" || httpHost === "") throw bad("http.host", "a host name or address");
  const httpPort = httpRaw.port ?? raw.http_port ?? 9464;
  if (typeof httpPort !== "number" || !Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535) {
    throw bad("http.port", "an integer in 0..65535");
  }

  const logLevel = raw.log_level ?? "info";
  if (typeof logLevel !== "string" || !LEVELS.includes(logLevel)) throw bad("log_level", LEVELS.join("|"));
  const allowLegacy = raw.allow_legacy ?? false;
  if (typeof allowLegacy !== "boolean") throw bad("allow_legacy", "true or false");

  const protocol: ProtocolSettings = {};
  const p = raw.protocol ?? {};
  if (!isObj(p)) throw bad("protocol", "an object");
  for (const [k, v] of Object.entries(p)) {
    if (!(PROTOCOL_KEYS as readonly string[]).includes(k)) {
      throw new DaemonConfigError(`${where}unknown field "protocol.${k}"`, "CONFIG_INVALID", `protocol.${k}`);
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
      throw bad(`protocol.${k}`, "a positive integer");
    protocol[k as (typeof PROTOCOL_KEYS)[number]] = v;
  }

  return {
    file,
    substrateUrl: sub.replace(/\/+$/, ""),
    relay: { host: m[1], port: Number(m[2]) },
    nats,
    agents,
    http: { host: httpHost, port: httpPort },
    logLevel,
    allowLegacy,
    protocol,
    web: parseWebSection(raw.web, bad),
  };
}

/** Read and validate a config file. */
export function loadDaemonConfig(path: string): DaemonConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DaemonConfigError(
      code === "ENOENT"
        ? `config file ${file} does not exist`
        : `config file ${file} cannot be read (${code})`,
      "CONFIG_MISSING",
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DaemonConfigError(`config file ${file} is not valid JSON`, "CONFIG_MALFORMED");
  }
  return parseDaemonConfig(raw, file);
}
