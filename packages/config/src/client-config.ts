// HSAgent_2's `client_config.json` as is (`host`, `port`, `api.base_url`, `api.credentials`,
// `hyper_parameters.*`) plus our own `hsagent` section: the config file of `hsagent`. Every
// problem becomes one ConfigError sentence naming the file and the field.

import { dirname, resolve } from "node:path";
import type { Credentials } from "@hsagent/substrate-client";
import type { LogFormat } from "./env.js";
import { ConfigError } from "./errors.js";
import * as fields from "./fields.js";
import { natsRelaySetting, parseRelaySetting } from "./relay-setting.js";
import { registerSecret } from "./secrets.js";

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
  readonly protocol: Partial<Record<fields.ProtocolConstant, number>>;
  /** `hyper_parameters.reconnection.retry_delay_seconds`, in ms. */
  readonly reconnectDelayMs?: number;
  /** True when the file holds a password, key or passphrase. */
  readonly holdsSecrets: boolean;
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

/** Fields one section of the file sets (undefined: not set there). */
type Section = { -readonly [K in keyof FileConfig]?: FileConfig[K] | undefined };

/** `o` without its undefined fields, so that a later section only overrides what it sets. */
function set(o: Section): Section {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** HSAgent_2's top-level `host` and `port`: the relay. */
function relaySection(raw: fields.JsonObj, file: string): Section {
  const host = fields.optString(raw, "host", "host", file);
  if (host !== undefined && !fields.HOST_RE.test(host))
    throw fields.fieldError(file, "host", "a host name or IP address");
  return { relayHost: host, relayPort: fields.optInt(raw, "port", "port", file, 1, 65535) };
}

/** HSAgent_2's `api`: the substrate URL and a username with password. */
function apiSection(raw: fields.JsonObj, file: string): Section {
  const api = fields.optObj(raw, "api", "api", file);
  if (!api) return {};
  const base = fields.optString(api, "base_url", "api.base_url", file);
  const substrateUrl = base === undefined ? undefined : fields.checkUrl(base, "api.base_url", file);
  const creds = fields.optObj(api, "credentials", "api.credentials", file);
  if (!creds) return { substrateUrl };
  const username = fields.optString(creds, "username", "api.credentials.username", file);
  const password = fields.optString(creds, "password", "api.credentials.password", file);
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? "username" : "password";
    throw fields.fieldError(file, `api.credentials.${missing}`, "set when the other credential is set");
  }
  if (username === undefined || password === undefined) return { substrateUrl };
  if (!fields.NAME_RE.test(username))
    throw fields.fieldError(file, "api.credentials.username", "URL-safe ([A-Za-z0-9_.~-])");
  registerSecret(password);
  return { substrateUrl, credentials: { username, password }, holdsSecrets: true };
}

/** HSAgent_2's `hyper_parameters`: the line limit and the reconnect delay. */
function hyperSection(raw: fields.JsonObj, file: string): Section {
  const hyper = fields.optObj(raw, "hyper_parameters", "hyper_parameters", file);
  if (!hyper) return {};
  const receiver = fields.optObj(hyper, "receiver", "hyper_parameters.receiver", file);
  const maxLineBytes =
    receiver &&
    fields.optInt(
      receiver,
      "max_bytes_per_line",
      "hyper_parameters.receiver.max_bytes_per_line",
      file,
      256,
      64 * 1024 * 1024,
    );
  const reconnection = fields.optObj(hyper, "reconnection", "hyper_parameters.reconnection", file);
  const v = reconnection?.retry_delay_seconds;
  if (v !== undefined && v !== null && (typeof v !== "number" || !(v >= 0) || v > 3600)) {
    throw fields.fieldError(
      file,
      "hyper_parameters.reconnection.retry_delay_seconds",
      "a number of seconds in 0..3600",
    );
  }
  return {
    protocol: maxLineBytes === undefined ? {} : { maxLineBytes },
    reconnectDelayMs: typeof v === "number" ? Math.round(v * 1000) : undefined,
  };
}

/** Our own `hsagent` section; its protocol constants are added to `protocol`. */
function hsagentSection(
  raw: fields.JsonObj,
  file: string,
  protocol: Partial<Record<fields.ProtocolConstant, number>>,
): Section {
  const ours = fields.optObj(raw, "hsagent", "hsagent", file);
  if (!ours) return {};
  for (const key of Object.keys(ours)) {
    if (!HSAGENT_KEYS.has(key)) {
      throw new ConfigError(
        `config file ${file}: unknown field "hsagent.${key}" (known: ${[...HSAGENT_KEYS].join(", ")})`,
        file,
        `hsagent.${key}`,
      );
    }
  }
  const name = fields.optString(ours, "name", "hsagent.name", file);
  if (name !== undefined && !fields.NAME_RE.test(name))
    throw fields.fieldError(file, "hsagent.name", "URL-safe ([A-Za-z0-9_.~-])");
  const relay = fields.optString(ours, "relay", "hsagent.relay", file);
  const nats =
    relay === undefined ? undefined : (natsRelaySetting(relay, "hsagent.relay", file) ?? undefined);
  const hp =
    relay !== undefined && nats === undefined ? parseRelaySetting(relay, "hsagent.relay", file) : null;
  const relayCaFile = fields.optString(ours, "relay_ca_file", "hsagent.relay_ca_file", file);
  const sub = fields.optString(ours, "substrate_url", "hsagent.substrate_url", file);
  const substrateUrl = sub === undefined ? undefined : fields.checkUrl(sub, "hsagent.substrate_url", file);
  const ca = fields.optString(ours, "ca_file", "hsagent.ca_file", file);
  const vaultPassphrase = fields.optString(ours, "vault_passphrase", "hsagent.vault_passphrase", file);
  registerSecret(vaultPassphrase);
  const apiKey = fields.optString(ours, "api_key", "hsagent.api_key", file);
  registerSecret(apiKey);
  const allowLegacy = fields.optBool(ours, "allow_legacy", "hsagent.allow_legacy", file);
  const pq = fields.optBool(ours, "pq", "hsagent.pq", file);
  const logFormat = fields.optString(ours, "log_format", "hsagent.log_format", file);
  if (logFormat !== undefined && logFormat !== "pretty" && logFormat !== "json")
    throw fields.fieldError(file, "hsagent.log_format", '"pretty" or "json"');
  const proto = fields.optObj(ours, "protocol", "hsagent.protocol", file);
  if (proto) fields.parseProtocolSection(proto, "hsagent.protocol", file, protocol);
  return {
    name,
    nats,
    ...(hp ? { relayHost: hp.host, relayPort: hp.port, relayTls: hp.tls } : {}),
    relayCaFile,
    substrateUrl,
    caFile: ca === undefined ? undefined : resolve(dirname(file), ca),
    vaultPassphrase,
    credentials: apiKey === undefined ? undefined : { key: apiKey },
    allowLegacy,
    pq,
    logFormat: logFormat as LogFormat | undefined,
    holdsSecrets: vaultPassphrase !== undefined || apiKey !== undefined,
  };
}

/** Validate the parsed JSON of a config file. Unknown top-level fields are ignored (HSAgent_2 has many). */
export function parseConfigObject(raw: unknown, file: string): FileConfig {
  if (!fields.isObj(raw)) throw new ConfigError(`config file ${file} must hold a JSON object`, file);
  const top = relaySection(raw, file);
  const api = apiSection(raw, file);
  const hyper = hyperSection(raw, file);
  const protocol = { ...hyper.protocol };
  const ours = hsagentSection(raw, file, protocol);
  return {
    ...set(top),
    ...set(api),
    ...set(hyper),
    ...set(ours),
    file,
    protocol,
    holdsSecrets: Boolean(api.holdsSecrets || ours.holdsSecrets),
  };
}

/** Read and validate a config file. */
export function loadConfigFile(path: string): FileConfig {
  const { file, raw } = fields.readJsonFile(path);
  return parseConfigObject(raw, file);
}
