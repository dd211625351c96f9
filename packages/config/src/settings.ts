// The settings of one agent process, resolved as flags > environment (HSAGENT_*) > config file >
// defaults: the rule `hsagent run`, `selftest`, `identity` and `inspect-session` share.

import { statSync } from "node:fs";
import type { Credentials } from "@hsagent/substrate-client";
import { loadConfigFile } from "./client-config.js";
import { type LogFormat, readEnvironment } from "./env.js";
import { ConfigError } from "./errors.js";
import { checkUrl, NAME_RE, type ProtocolConstant } from "./fields.js";
import { natsRelaySetting, parseRelaySetting, type RelaySetting } from "./relay-setting.js";

/** Default relay (Summoner's default port). */
export const DEFAULT_RELAY = { host: "127.0.0.1", port: 8888 } as const;
/** Default substrate URL (the substrate server's default port). */
export const DEFAULT_SUBSTRATE_URL = "http://127.0.0.1:7780";

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
  const e = readEnvironment(env);
  const configPath = flags.config ?? e.config;
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
    [e.relay, "HSAGENT_RELAY"],
    [flags.relay, "--relay"],
  ] as const) {
    if (text === undefined) continue;
    nats = natsRelaySetting(text, what);
    if (nats === null) relay = parseRelaySetting(text, what);
  }
  // The relay-only CA (HSAGENT_RELAY_CA_FILE, hsagent.relay_ca_file); otherwise the relay trusts `caFile` too.
  const relayCaFile = e.relayCaFile ?? fc?.relayCaFile ?? null;

  let substrateUrl = e.substrateUrl ?? fc?.substrateUrl ?? DEFAULT_SUBSTRATE_URL;
  if (flags.substrate !== undefined) substrateUrl = checkUrl(flags.substrate, "--substrate");
  const caFile = flags.caFile ?? e.caFile ?? fc?.caFile ?? null;

  const name = flags.name ?? e.name ?? fc?.name ?? null;
  if (name !== null && !NAME_RE.test(name)) {
    throw new ConfigError(
      `agent name "${name}" must be URL-safe ([A-Za-z0-9_.~-], 1-255 chars)`,
      undefined,
      "name",
    );
  }

  const protocol: Partial<Record<ProtocolConstant, number>> = { ...(fc?.protocol ?? {}) };
  if (e.exchangeLimit !== undefined) protocol.exchangeLimit = e.exchangeLimit;
  if (flags.exchangeLimit !== undefined) protocol.exchangeLimit = flags.exchangeLimit;

  return {
    name,
    relay,
    relayCaFile,
    nats,
    substrateUrl,
    caFile,
    credentials: e.credentials ?? fc?.credentials ?? null,
    vaultPassphrase: e.vaultPassphrase ?? fc?.vaultPassphrase ?? null,
    allowLegacy: flags.allowLegacy || (e.allowLegacy ?? fc?.allowLegacy ?? false),
    pq: flags.pq ?? e.pq ?? fc?.pq ?? true,
    logFormat: flags.logFormat ?? e.logFormat ?? fc?.logFormat ?? "pretty",
    protocol,
    reconnectDelayMs: fc?.reconnectDelayMs,
    configFile: fc?.file ?? null,
    warnings,
  };
}

/** What `createAgent` takes from resolved settings: the agent's config and its relay client's options. */
export interface AgentOptionsFromSettings {
  /** Protocol constants (without `maxLineBytes`), `allowLegacy` and `pq`. */
  readonly config: Partial<Record<Exclude<ProtocolConstant, "maxLineBytes">, number>> & {
    allowLegacy: boolean;
    pq: boolean;
  };
  /** The line limit and the first reconnect delay of the relay client. */
  readonly relay: { maxLineBytes?: number; minDelayMs?: number };
}

/** Split protocol constants into the agent's config and its relay client's options. */
export function agentConfigFrom(
  protocol: Partial<Record<ProtocolConstant, number>>,
  allowLegacy: boolean,
  reconnectDelayMs?: number,
  pq = true,
): AgentOptionsFromSettings {
  const { maxLineBytes, ...rest } = protocol;
  const relay: { maxLineBytes?: number; minDelayMs?: number } = {};
  if (maxLineBytes !== undefined) relay.maxLineBytes = maxLineBytes;
  if (reconnectDelayMs !== undefined && reconnectDelayMs > 0) relay.minDelayMs = reconnectDelayMs;
  return { config: { ...rest, allowLegacy, pq }, relay };
}
