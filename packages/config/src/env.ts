// The one reading of the HSAGENT_* environment shared by hsagent and hsagentd: every variable is
// read and checked here (credentials, vault passphrase, relay, substrate, CA files, name, flags),
// and every secret met is registered for scrubbing. Empty variables count as unset.

import type { Credentials } from "@hsagent/substrate-client";
import { ConfigError } from "./errors.js";
import { checkUrl, NAME_RE } from "./fields.js";
import { registerSecret } from "./secrets.js";

/** Log output format. */
export type LogFormat = "pretty" | "json";

/** What the environment sets (undefined where a variable is unset or empty). */
export interface EnvSettings {
  /** `HSAGENT_CONFIG`: the config file. */
  readonly config: string | undefined;
  /** `HSAGENT_NAME`. */
  readonly name: string | undefined;
  /** `HSAGENT_RELAY` as given (HOST:PORT, tls://, nats://; checked where it is resolved). */
  readonly relay: string | undefined;
  /** `HSAGENT_RELAY_CA_FILE`. */
  readonly relayCaFile: string | undefined;
  /** `HSAGENT_SUBSTRATE_URL`, checked. */
  readonly substrateUrl: string | undefined;
  /** `HSAGENT_CA_FILE`. */
  readonly caFile: string | undefined;
  /** `HSAGENT_API_KEY`, or `HSAGENT_USERNAME` with `HSAGENT_PASSWORD` (secret). */
  readonly credentials: Credentials | undefined;
  /** `HSAGENT_VAULT_PASSPHRASE` (secret). */
  readonly vaultPassphrase: string | undefined;
  /** `HSAGENT_ALLOW_LEGACY`. */
  readonly allowLegacy: boolean | undefined;
  /** `HSAGENT_PQ`. */
  readonly pq: boolean | undefined;
  /** `HSAGENT_LOG_FORMAT`. */
  readonly logFormat: LogFormat | undefined;
  /** `HSAGENT_EXCHANGE_LIMIT`. */
  readonly exchangeLimit: number | undefined;
}

/** A variable's value, or undefined when unset or empty. */
function text(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] || undefined;
}

/** An integer environment variable in `min..max`, or undefined when unset. */
export function envInt(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
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

/** The vault passphrase from `HSAGENT_VAULT_PASSPHRASE` (registered as a secret), or undefined. */
export function vaultPassphraseFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const pass = text(env, "HSAGENT_VAULT_PASSPHRASE");
  registerSecret(pass);
  return pass;
}

/** Read and check every HSAGENT_* setting of an agent process. @throws ConfigError naming the variable */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const substrateUrl = text(env, "HSAGENT_SUBSTRATE_URL");
  const credentials = credentialsFromEnv(env);
  const vaultPassphrase = vaultPassphraseFromEnv(env);
  const allowLegacy = envBool(env, "HSAGENT_ALLOW_LEGACY");
  const logFormat = text(env, "HSAGENT_LOG_FORMAT");
  if (logFormat !== undefined && logFormat !== "pretty" && logFormat !== "json") {
    throw new ConfigError('HSAGENT_LOG_FORMAT must be "pretty" or "json"', undefined, "HSAGENT_LOG_FORMAT");
  }
  return {
    config: text(env, "HSAGENT_CONFIG"),
    name: text(env, "HSAGENT_NAME"),
    relay: text(env, "HSAGENT_RELAY"),
    relayCaFile: text(env, "HSAGENT_RELAY_CA_FILE"),
    substrateUrl: substrateUrl === undefined ? undefined : checkUrl(substrateUrl, "HSAGENT_SUBSTRATE_URL"),
    caFile: text(env, "HSAGENT_CA_FILE"),
    credentials,
    vaultPassphrase,
    allowLegacy,
    pq: envBool(env, "HSAGENT_PQ"),
    logFormat,
    exchangeLimit: envInt(env, "HSAGENT_EXCHANGE_LIMIT", 1, 1000),
  };
}
