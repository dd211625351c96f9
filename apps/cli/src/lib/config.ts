// Configuration loading for `hsagent` and `hsagentd`: flags > environment (HSAGENT_*) > config
// file > defaults. The file format is HSAgent_2's `client_config.json` as is (`host`, `port`,
// `api.base_url`, `api.credentials`, `hyper_parameters.*`) plus our own `hsagent` section.
// Every problem becomes one ConfigError sentence naming the file and the field.

import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Credentials } from "@hsagent/substrate-client";
import { ConfigError } from "./errors.js";
import { natsRelaySetting, parseRelaySetting, type RelaySetting } from "./relay-setting.js";
import { registerSecret } from "./secrets.js";

/** Default relay (Summoner's default port). */
export const DEFAULT_RELAY = { host: "127.0.0.1", port: 8888 } as const;
/** Default substrate URL (the substrate server's default port). */
export const DEFAULT_SUBSTRATE_URL = "http://127.0.0.1:7780";

/** Protocol constants (PROTOCOL.md §9) that a config may set. */
export const PROTOCOL_CONSTANTS = [
  "exchangeLimit",
  "finalLimit",
  "registerIntervalMs",
  "retransmitMs",
  "maxRetransmits",
  "sessionTimeoutMs",
  "nonceTtlSeconds",
  "maxClockSkewSeconds",
  "maxLineBytes",
  "maxSessions",
] as const;

/** One of the {@link PROTOCOL_CONSTANTS}. */
export type ProtocolConstant = (typeof PROTOCOL_CONSTANTS)[number];

/** Log output format. */
export type LogFormat = "pretty" | "json";

/** The parsed, validated content of a config file (every field optional). */
export interface FileConfig {
  /** Absolute path of the file. */
  readonly file: string;
  readonly relayHost?: string;
  readonly relayPort?: number;
  /** `hsagent.relay` was `tls://…`. */
  readonly relayTls?: boolean;
  /** `hsagent.relay_ca_file`. */
  readonly relayCaFile?: string;
  /** `hsagent.relay` as NATS servers (`nats://...`). */
  readonly nats?: string;
  readonly substrateUrl?: string;
  /** `hsagent.ca_file`, resolved against the config file's directory. */
  readonly caFile?: string;
  readonly credentials?: Credentials;
  readonly vaultPassphrase?: string;
  readonly name?: string;
  readonly allowLegacy?: boolean;
  /** `hsagent.pq`: offer the hybrid post-quantum key agreement. */
  readonly pq?: boolean;
  readonly logFormat?: LogFormat;
  readonly protocol: Partial<Record<ProtocolConstant, number>>;
  /** `hyper_parameters.reconnection.retry_delay_seconds`, in ms. */
  readonly reconnectDelayMs?: number;
  /** True when the file holds a password, key or passphrase. */
  readonly holdsSecrets: boolean;
}

/** Command-line values that take part in resolution (never secrets). */
export interface SettingsFlags {
  readonly config?: string | undefined;
  readonly name?: string | undefined;
  readonly relay?: string | undefined;
  readonly substrate?: string | undefined;
  /** `--ca-file`: extra CA certificates (PEM) trusted for an `https://` substrate and a `tls://` relay. */
  readonly caFile?: string | undefined;
  readonly allowLegacy?: boolean | undefined;
  /** `--pq` / `--no-pq` (undefined when neither was given). */
  readonly pq?: boolean | undefined;
  readonly exchangeLimit?: number | undefined;
  readonly logFormat?: LogFormat | undefined;
}

/** Fully resolved settings of one agent process. */
export interface Settings {
  /** Display name of the agent, or null when none was given. */
  readonly name: string | null;
  readonly relay: RelaySetting;
  /** CA file trusted for a `tls://` relay, or null. */
  readonly relayCaFile: string | null;
  /** NATS servers (`nats://h1:4222,...`) when the relay setting names NATS instead of the TCP relay. */
  readonly nats: string | null;
  readonly substrateUrl: string;
  /** PEM file of extra CAs to trust for an https:// substrate, or null. */
  readonly caFile: string | null;
  /** Substrate credentials (secret), or null. */
  readonly credentials: Credentials | null;
  /** Vault passphrase (secret), or null. */
  readonly vaultPassphrase: string | null;
  readonly allowLegacy: boolean;
  /** Offer the hybrid X25519+ML-KEM-768 key agreement (default true). */
  readonly pq: boolean;
  readonly logFormat: LogFormat;
  /** Protocol constants set by the file, the environment or flags. */
  readonly protocol: Partial<Record<ProtocolConstant, number>>;
  readonly reconnectDelayMs: number | undefined;
  /** The config file used, if any. */
  readonly configFile: string | null;
  /** Things the user should know (e.g. a world-readable file holding credentials). */
  readonly warnings: readonly string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObj = { [key: string]: Json };

function isObj(v: unknown): v is JsonObj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const HOST_RE = /^[A-Za-z0-9._:-]{1,253}$/;
const NAME_RE = /^[A-Za-z0-9_.~-]{1,255}$/;

/** Parse `host:port` (IPv6 as `[::1]:8888`); throws a ConfigError naming `what`. */
export function parseHostPort(text: string, what: string, file?: string): { host: string; port: number } {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:\s]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m?.[1] || !HOST_RE.test(m[1]) || port < 1 || port > 65535) {
    throw new ConfigError(
      `${where(file)}${what} must be HOST:PORT with a port in 1..65535 (got "${text}")`,
      file,
      what,
    );
  }
  return { host: m[1], port };
}

function checkUrl(text: string, what: string, file?: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ConfigError(`${where(file)}${what} must be an http(s) URL (got "${text}")`, file, what);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new ConfigError(`${where(file)}${what} must be an http(s) URL (got "${text}")`, file, what);
  }
  return text.replace(/\/+$/, "");
}

function where(file?: string): string {
  return file ? `config file ${file}: ` : "";
}

function fieldError(file: string, field: string, expected: string): ConfigError {
  return new ConfigError(`config file ${file}: field "${field}" must be ${expected}`, file, field);
}

function optString(o: JsonObj, key: string, path: string, file: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || v === "") throw fieldError(file, path, "a non-empty string");
  return v;
}

function optInt(
  o: JsonObj,
  key: string,
  path: string,
  file: string,
  min: number,
  max: number,
): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw fieldError(file, path, `an integer in ${min}..${max}`);
  }
  return v;
}

function optBool(o: JsonObj, key: string, path: string, file: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw fieldError(file, path, "true or false");
  return v;
}

function optObj(o: JsonObj, key: string, path: string, file: string): JsonObj | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw fieldError(file, path, "an object");
  return v;
}

const HSAGENT_KEYS = new Set([
  "name",
  "relay",
  "relay_ca_file",
  "substrate_url",
  "ca_file",
  "vault_passphrase",
  "api_key",
  "pq",
  "allow_legacy",
  "log_format",
  "protocol",
]);

/** Validate the parsed JSON of a config file. Unknown top-level fields are ignored (HSAgent_2 has many). */
export function parseConfigObject(raw: unknown, file: string): FileConfig {
  if (!isObj(raw)) throw new ConfigError(`config file ${file} must hold a JSON object`, file);
  let holdsSecrets = false;
  let relayHost: string | undefined;
  let relayTls: boolean | undefined;
  let relayCaFile: string | undefined;
  const hostText = optString(raw, "host", "host", file);
  if (hostText !== undefined) {
    if (!HOST_RE.test(hostText)) throw fieldError(file, "host", "a host name or IP address");
    relayHost = hostText;
  }
  let relayPort = optInt(raw, "port", "port", file, 1, 65535);
  let nats: string | undefined;
  let substrateUrl: string | undefined;
  let caFile: string | undefined;
  let credentials: Credentials | undefined;

  const api = optObj(raw, "api", "api", file);
  if (api) {
    const base = optString(api, "base_url", "api.base_url", file);
    if (base !== undefined) substrateUrl = checkUrl(base, "api.base_url", file);
    const creds = optObj(api, "credentials", "api.credentials", file);
    if (creds) {
      const username = optString(creds, "username", "api.credentials.username", file);
      const password = optString(creds, "password", "api.credentials.password", file);
      if ((username === undefined) !== (password === undefined)) {
        const missing = username === undefined ? "username" : "password";
        throw fieldError(file, `api.credentials.${missing}`, "set when the other credential is set");
      }
      if (username !== undefined && password !== undefined) {
        if (!NAME_RE.test(username))
          throw fieldError(file, "api.credentials.username", "URL-safe ([A-Za-z0-9_.~-])");
        registerSecret(password);
        credentials = { username, password };
        holdsSecrets = true;
      }
    }
  }

  let maxLineBytes: number | undefined;
  let reconnectDelayMs: number | undefined;
  const hyper = optObj(raw, "hyper_parameters", "hyper_parameters", file);
  if (hyper) {
    const receiver = optObj(hyper, "receiver", "hyper_parameters.receiver", file);
    if (receiver) {
      maxLineBytes = optInt(
        receiver,
        "max_bytes_per_line",
        "hyper_parameters.receiver.max_bytes_per_line",
        file,
        256,
        64 * 1024 * 1024,
      );
    }
    const reconnection = optObj(hyper, "reconnection", "hyper_parameters.reconnection", file);
    if (reconnection) {
      const v = reconnection.retry_delay_seconds;
      if (v !== undefined && v !== null) {
        if (typeof v !== "number" || !(v >= 0) || v > 3600) {
          throw fieldError(
            file,
            "hyper_parameters.reconnection.retry_delay_seconds",
            "a number of seconds in 0..3600",
          );
        }
        reconnectDelayMs = Math.round(v * 1000);
      }
    }
  }

  const protocol: Partial<Record<ProtocolConstant, number>> = {};
  if (maxLineBytes !== undefined) protocol.maxLineBytes = maxLineBytes;
  let name: string | undefined;
  let vaultPassphrase: string | undefined;
  let allowLegacy: boolean | undefined;
  let pq: boolean | undefined;
  let logFormat: LogFormat | undefined;
  const ours = optObj(raw, "hsagent", "hsagent", file);
  if (ours) {
    for (const key of Object.keys(ours)) {
      if (!HSAGENT_KEYS.has(key)) {
        throw new ConfigError(
          `config file ${file}: unknown field "hsagent.${key}" (known: ${[...HSAGENT_KEYS].join(", ")})`,
          file,
          `hsagent.${key}`,
        );
      }
    }
    name = optString(ours, "name", "hsagent.name", file);
    if (name !== undefined && !NAME_RE.test(name))
      throw fieldError(file, "hsagent.name", "URL-safe ([A-Za-z0-9_.~-])");
    const relay = optString(ours, "relay", "hsagent.relay", file);
    nats = relay === undefined ? undefined : (natsRelaySetting(relay, "hsagent.relay", file) ?? undefined);
    if (relay !== undefined && nats === undefined) {
      const hp = parseRelaySetting(relay, "hsagent.relay", file);
      relayHost = hp.host;
      relayPort = hp.port;
      relayTls = hp.tls;
    }
    relayCaFile = optString(ours, "relay_ca_file", "hsagent.relay_ca_file", file);
    const sub = optString(ours, "substrate_url", "hsagent.substrate_url", file);
    if (sub !== undefined) substrateUrl = checkUrl(sub, "hsagent.substrate_url", file);
    const ca = optString(ours, "ca_file", "hsagent.ca_file", file);
    if (ca !== undefined) caFile = resolve(dirname(file), ca);
    vaultPassphrase = optString(ours, "vault_passphrase", "hsagent.vault_passphrase", file);
    if (vaultPassphrase !== undefined) {
      registerSecret(vaultPassphrase);
      holdsSecrets = true;
    }
    const apiKey = optString(ours, "api_key", "hsagent.api_key", file);
    if (apiKey !== undefined) {
      registerSecret(apiKey);
      holdsSecrets = true;
      credentials = { key: apiKey };
    }
    allowLegacy = optBool(ours, "allow_legacy", "hsagent.allow_legacy", file);
    pq = optBool(ours, "pq", "hsagent.pq", file);
    const lf = optString(ours, "log_format", "hsagent.log_format", file);
    if (lf !== undefined) {
      if (lf !== "pretty" && lf !== "json")
        throw fieldError(file, "hsagent.log_format", '"pretty" or "json"');
      logFormat = lf;
    }
    const proto = optObj(ours, "protocol", "hsagent.protocol", file);
    if (proto) {
      for (const key of Object.keys(proto)) {
        if (!(PROTOCOL_CONSTANTS as readonly string[]).includes(key)) {
          throw new ConfigError(
            `config file ${file}: unknown field "hsagent.protocol.${key}" (known: ${PROTOCOL_CONSTANTS.join(", ")})`,
            file,
            `hsagent.protocol.${key}`,
          );
        }
        const v = optInt(proto, key, `hsagent.protocol.${key}`, file, 1, 2_147_483_647);
        if (v !== undefined) protocol[key as ProtocolConstant] = v;
      }
    }
  }

  return {
    file,
    ...(relayHost !== undefined ? { relayHost } : {}),
    ...(relayPort !== undefined ? { relayPort } : {}),
    ...(relayTls ? { relayTls } : {}),
    ...(relayCaFile !== undefined ? { relayCaFile } : {}),
    ...(nats !== undefined ? { nats } : {}),
    ...(substrateUrl !== undefined ? { substrateUrl } : {}),
    ...(caFile !== undefined ? { caFile } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    ...(vaultPassphrase !== undefined ? { vaultPassphrase } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(allowLegacy !== undefined ? { allowLegacy } : {}),
    ...(pq !== undefined ? { pq } : {}),
    ...(logFormat !== undefined ? { logFormat } : {}),
    ...(reconnectDelayMs !== undefined ? { reconnectDelayMs } : {}),
    protocol,
    holdsSecrets,
  };
}

/** Read and validate a config file. */
export function loadConfigFile(path: string): FileConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new ConfigError(`config file ${file} does not exist`, file, undefined, "CONFIG_MISSING");
    if (code === "EISDIR") throw new ConfigError(`config file ${file} is a directory`, file);
    throw new ConfigError(`config file ${file} cannot be read (${code ?? "error"})`, file);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // Node's message names the position ("... in JSON at position 42"): keep that part only.
    const detail = /position \d+(?: \(line \d+ column \d+\))?/.exec((err as Error).message)?.[0];
    throw new ConfigError(
      `config file ${file} is not valid JSON${detail ? ` (at ${detail})` : ""}`,
      file,
      undefined,
      "CONFIG_MALFORMED",
    );
  }
  return parseConfigObject(raw, file);
}

function envInt(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ConfigError(
      `environment variable ${name} must be an integer in ${min}..${max}`,
      undefined,
      name,
    );
  }
  return Number(v);
}

/** A boolean environment variable (true/false, 1/0, yes/no, on/off), or undefined when unset. */
export function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(`environment variable ${name} must be true or false`, undefined, name);
}

/** Substrate credentials from the environment: an API key, or a username and password. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const key = env.HSAGENT_API_KEY;
  if (key) {
    registerSecret(key);
    return { key };
  }
  const username = env.HSAGENT_USERNAME;
  const password = env.HSAGENT_PASSWORD;
  if (username || password) {
    if (!username || !password) {
      throw new ConfigError(
        "HSAGENT_USERNAME and HSAGENT_PASSWORD must be set together",
        undefined,
        username ? "HSAGENT_PASSWORD" : "HSAGENT_USERNAME",
      );
    }
    if (!NAME_RE.test(username)) {
      throw new ConfigError(
        "HSAGENT_USERNAME must be URL-safe ([A-Za-z0-9_.~-])",
        undefined,
        "HSAGENT_USERNAME",
      );
    }
    registerSecret(password);
    return { username, password };
  }
  return undefined;
}

function worldReadable(file: string): boolean {
  try {
    return (statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/**
 * Resolve the settings of an agent process: flags > environment > config file > defaults.
 * The config file is `flags.config`, else `HSAGENT_CONFIG`, else none.
 */
export function resolveSettings(flags: SettingsFlags, env: NodeJS.ProcessEnv = process.env): Settings {
  const warnings: string[] = [];
  const configPath = flags.config ?? (env.HSAGENT_CONFIG || undefined);
  const fc = configPath !== undefined ? loadConfigFile(configPath) : undefined;
  if (fc?.holdsSecrets && worldReadable(fc.file)) {
    warnings.push(`config file ${fc.file} holds secrets and is readable by other users; run chmod 600 on it`);
  }

  let relay: RelaySetting = {
    host: fc?.relayHost ?? DEFAULT_RELAY.host,
    port: fc?.relayPort ?? DEFAULT_RELAY.port,
    ...(fc?.relayTls ? { tls: true } : {}),
  };
  let nats = fc?.nats ?? null;
  for (const [text, what] of [
    [env.HSAGENT_RELAY || undefined, "HSAGENT_RELAY"],
    [flags.relay, "--relay"],
  ] as const) {
    if (text === undefined) continue;
    nats = natsRelaySetting(text, what);
    if (nats === null) relay = parseRelaySetting(text, what);
  }
  // The relay-only CA (HSAGENT_RELAY_CA_FILE, hsagent.relay_ca_file); otherwise the relay trusts `caFile` too.
  const relayCaFile = (env.HSAGENT_RELAY_CA_FILE || undefined) ?? fc?.relayCaFile ?? null;

  let substrateUrl = fc?.substrateUrl ?? DEFAULT_SUBSTRATE_URL;
  if (env.HSAGENT_SUBSTRATE_URL) substrateUrl = checkUrl(env.HSAGENT_SUBSTRATE_URL, "HSAGENT_SUBSTRATE_URL");
  if (flags.substrate !== undefined) substrateUrl = checkUrl(flags.substrate, "--substrate");
  const caFile = flags.caFile ?? (env.HSAGENT_CA_FILE || undefined) ?? fc?.caFile ?? null;

  const credentials = credentialsFromEnv(env) ?? fc?.credentials ?? null;
  const envPass = env.HSAGENT_VAULT_PASSPHRASE || undefined;
  registerSecret(envPass);
  const vaultPassphrase = envPass ?? fc?.vaultPassphrase ?? null;

  const name = flags.name ?? (env.HSAGENT_NAME || undefined) ?? fc?.name ?? null;
  if (name !== null && !NAME_RE.test(name)) {
    throw new ConfigError(
      `agent name "${name}" must be URL-safe ([A-Za-z0-9_.~-], 1-255 chars)`,
      undefined,
      "name",
    );
  }

  const allowLegacy = flags.allowLegacy || (envBool(env, "HSAGENT_ALLOW_LEGACY") ?? fc?.allowLegacy ?? false);
  const envFormat = env.HSAGENT_LOG_FORMAT || undefined;
  if (envFormat !== undefined && envFormat !== "pretty" && envFormat !== "json") {
    throw new ConfigError('HSAGENT_LOG_FORMAT must be "pretty" or "json"', undefined, "HSAGENT_LOG_FORMAT");
  }
  const logFormat: LogFormat =
    flags.logFormat ?? (envFormat as LogFormat | undefined) ?? fc?.logFormat ?? "pretty";

  const protocol: Partial<Record<ProtocolConstant, number>> = { ...(fc?.protocol ?? {}) };
  const envLimit = envInt(env, "HSAGENT_EXCHANGE_LIMIT", 1, 1000);
  if (envLimit !== undefined) protocol.exchangeLimit = envLimit;
  if (flags.exchangeLimit !== undefined) protocol.exchangeLimit = flags.exchangeLimit;

  return {
    name,
    relay,
    relayCaFile,
    nats,
    substrateUrl,
    caFile,
    credentials,
    vaultPassphrase,
    allowLegacy,
    pq: flags.pq ?? envBool(env, "HSAGENT_PQ") ?? fc?.pq ?? true,
    logFormat,
    protocol,
    reconnectDelayMs: fc?.reconnectDelayMs,
    configFile: fc?.file ?? null,
    warnings,
  };
}
