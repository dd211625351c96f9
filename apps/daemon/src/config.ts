// The daemon's config file: which substrate and relay, which agents, which HTTP port. Secrets
// never live here: credentials and the vault passphrase come from the environment. Fields are
// checked by the shared loader of @hsagent/config (the CLI's rules: tls:// relays, nats://
// servers, protocol constants), so one setting means the same in `hsagent` and `hsagentd`.
//
//   { "substrate": "http://127.0.0.1:7780", "relay": "127.0.0.1:8888",
//     "agents": ["alpha", "beta"], "http": { "host": "127.0.0.1", "port": 9464 },
//     "log_level": "info", "protocol": { "registerIntervalMs": 3000 }, "allow_legacy": false,
//     "pq": true, "relay_ca_file": "/etc/hsagent/relay-ca.pem",
//     "web": { "host": "127.0.0.1", "port": 9465 } }

import {
  ConfigError,
  checkUrl,
  DEFAULT_RELAY,
  DEFAULT_SUBSTRATE_URL,
  fieldError,
  isObj,
  NAME_RE,
  natsRelaySetting,
  optBool,
  optInt,
  optObj,
  optString,
  type ProtocolConstant,
  parseProtocolSection,
  parseRelaySetting,
  type RelaySetting,
  readJsonFile,
} from "@hsagent/config";
import { parseWebSection, type WebSettings } from "./web-config.js";

/** The config error of the daemon: the shared loader's {@link ConfigError} (`code`, `file`, `field`). */
export { ConfigError as DaemonConfigError } from "@hsagent/config";

/** Protocol/runtime numbers the daemon passes to each agent (`maxLineBytes` goes to its relay client). */
export type ProtocolSettings = Partial<Record<ProtocolConstant, number>>;

/** The validated daemon config. */
export interface DaemonConfig {
  readonly file: string | null;
  readonly substrateUrl: string;
  /** The TCP relay, `tls` for `tls://HOST:PORT` (unused when `nats` is set). */
  readonly relay: RelaySetting;
  /** CA file (PEM) trusted for a `tls://` relay besides the system's (`relay_ca_file`), or null. */
  readonly relayCaFile: string | null;
  /** NATS servers (`"relay": "nats://h1:4222,nats://h2:4222"`), or null for the TCP relay. */
  readonly nats: string | null;
  readonly agents: readonly string[];
  readonly http: { readonly host: string; readonly port: number };
  readonly logLevel: string;
  readonly allowLegacy: boolean;
  /** Offer the hybrid X25519+ML-KEM-768 key agreement (`pq`, default true). */
  readonly pq: boolean;
  readonly protocol: ProtocolSettings;
  /** The fleet page (`web` section), or null when absent. */
  readonly web: WebSettings | null;
}

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Validate a parsed config object (`file` only names it in messages). */
export function parseDaemonConfig(raw: unknown, file: string | null = null): DaemonConfig {
  const where = file ?? "(inline)";
  const bad = (field: string, expected: string) => fieldError(where, field, expected);
  if (!isObj(raw)) throw new ConfigError(`config file ${where} must hold a JSON object`, file ?? undefined);

  const sub =
    optString(raw, "substrate", "substrate", where) ?? optString(raw, "substrate_url", "substrate", where);
  const substrateUrl = sub === undefined ? DEFAULT_SUBSTRATE_URL : checkUrl(sub, "substrate", where);

  const relayText = optString(raw, "relay", "relay", where);
  const nats = relayText === undefined ? null : natsRelaySetting(relayText, "relay", where);
  const relay =
    relayText === undefined || nats !== null
      ? { ...DEFAULT_RELAY }
      : parseRelaySetting(relayText, "relay", where);
  const relayCaFile = optString(raw, "relay_ca_file", "relay_ca_file", where) ?? null;
  if (relayCaFile !== null && !relay.tls) throw bad("relay_ca_file", "set only with a tls:// relay");

  const agentsRaw = raw.agents;
  if (!Array.isArray(agentsRaw) || agentsRaw.length === 0)
    throw bad("agents", "a non-empty list of agent names");
  const agents = agentsRaw.map((a, i) => {
    const name = isObj(a) ? a.name : a;
    if (typeof name !== "string" || !NAME_RE.test(name)) throw bad(`agents[${i}]`, "a URL-safe name");
    return name;
  });
  if (new Set(agents).size !== agents.length) throw bad("agents", "a list without duplicates");

  const http = optObj(raw, "http", "http", where) ?? {};
  const httpHost = optString(http, "host", "http.host", where) ?? "127.0.0.1";
  const httpPort =
    optInt(http, "port", "http.port", where, 0, 65535) ??
    optInt(raw, "http_port", "http.port", where, 0, 65535) ??
    9464;

  const logLevel = raw.log_level ?? "info";
  if (typeof logLevel !== "string" || !LEVELS.includes(logLevel)) throw bad("log_level", LEVELS.join("|"));
  const proto = optObj(raw, "protocol", "protocol", where);

  return {
    file,
    substrateUrl,
    relay,
    relayCaFile,
    nats,
    agents,
    http: { host: httpHost, port: httpPort },
    logLevel,
    allowLegacy: optBool(raw, "allow_legacy", "allow_legacy", where) ?? false,
    pq: optBool(raw, "pq", "pq", where) ?? true,
    protocol: proto ? parseProtocolSection(proto, "protocol", where) : {},
    web: parseWebSection(raw.web, bad),
  };
}

/** Read and validate a config file. */
export function loadDaemonConfig(path: string): DaemonConfig {
  const { file, raw } = readJsonFile(path);
  return parseDaemonConfig(raw, file);
}
