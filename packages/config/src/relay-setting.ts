// The relay setting of an agent process (flag --relay, HSAGENT_RELAY, hsagent.relay / host+port in
// the CLI's config file, `relay` in the daemon's). It names either the TCP relay — `HOST:PORT`, `tcp://HOST:PORT` or
// `tls://HOST:PORT`, with an optional CA file (--ca-file / HSAGENT_CA_FILE, or the relay-only
// HSAGENT_RELAY_CA_FILE / hsagent.relay_ca_file) trusted for a TLS relay — or NATS servers (`nats://` / `nats+tls://`,
// comma-separated). This module tells them apart and validates each form.

import { readFileSync } from "node:fs";
import { parseRelayUrl } from "@hsagent/relay";
import { isNatsUrl, parseNatsServers } from "@hsagent/transport-nats/settings";
import { ConfigError } from "./errors.js";

/** A relay address as the agent needs it. */
export interface RelaySetting {
  readonly host: string;
  readonly port: number;
  /** True for `tls://`. */
  readonly tls?: boolean;
}

/** Parse a relay setting; throws a ConfigError naming `what` (and the file, if any). */
export function parseRelaySetting(text: string, what: string, file?: string): RelaySetting {
  try {
    const u = parseRelayUrl(text);
    return u.scheme === "tls" ? { host: u.host, port: u.port, tls: true } : { host: u.host, port: u.port };
  } catch {
    throw new ConfigError(
      `${file ? `config file ${file}: ` : ""}${what} must be HOST:PORT or tls://HOST:PORT with a port in 1..65535 (got "${text}")`,
      file,
      what,
    );
  }
}

/**
 * The relay client's TLS options for a setting: none for plain TCP; for `tls://`, the system's
 * trusted CAs plus `relayCaFile` (the relay-only CA) or else `caFile` (the CA file every TLS
 * connection trusts, `--ca-file`). A relay-only CA file without `tls://` is a usage error.
 * @throws ConfigError `TLS_CA_FILE` (exit 1) if the file cannot be read; `CONFIG_INVALID` for a relay-only CA file on plain TCP
 */
export function relayTlsOptions(
  relay: RelaySetting,
  relayCaFile: string | null,
  caFile: string | null = null,
): { tls?: { ca?: Buffer } } {
  if (!relay.tls) {
    if (relayCaFile !== null)
      throw new ConfigError(
        "a relay CA file is set but the relay is not tls://HOST:PORT",
        undefined,
        "relay_ca_file",
      );
    return {};
  }
  const file = relayCaFile ?? caFile;
  if (file === null) return { tls: {} };
  try {
    return { tls: { ca: readFileSync(file) } };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    throw new ConfigError(
      `cannot read the relay CA file ${file} (${code})`,
      undefined,
      "relay_ca_file",
      "TLS_CA_FILE",
      1,
    );
  }
}

/**
 * The validated NATS URL list when `text` names NATS servers, else null (the TCP relay).
 * @throws ConfigError naming `what` (and `file`) for a malformed NATS setting
 */
export function natsRelaySetting(text: string, what: string, file?: string): string | null {
  if (!isNatsUrl(text)) return null;
  try {
    parseNatsServers(text, what);
  } catch (error) {
    throw new ConfigError(`${file ? `config file ${file}: ` : ""}${(error as Error).message}`, file, what);
  }
  return text.trim();
}
