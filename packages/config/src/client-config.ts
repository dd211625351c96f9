// HSAgent_2's `client_config.json` as is (`host`, `port`, `api.base_url`, `api.credentials`,
// `hyper_parameters.*`) plus our own `hsagent` section: the config file of `hsagent`. Every
// problem becomes one ConfigError sentence naming the file and the field.

import { dirname, resolve } from "node:path";
import type { Credentials } from "@hsagent/substrate-client";
import type { LogFormat } from "./env.js";
import { ConfigError } from "./errors.js";
import {
  checkUrl,
  fieldError,
  HOST_RE,
  isObj,
  NAME_RE,
  optBool,
  optInt,
  optObj,
  optString,
  type ProtocolConstant,
  parseProtocolSection,
  readJsonFile,
} from "./fields.js";
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
  readonly protocol: Partial<Record<ProtocolConstant, number>>;
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
    if (proto) parseProtocolSection(proto, "hsagent.protocol", file, protocol);
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
  const { file, raw } = readJsonFile(path);
  return parseConfigObject(raw, file);
}
