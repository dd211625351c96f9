// The relay setting (`--relay`, HSAGENT_RELAY, `hsagent.relay`) names either the TCP relay
// (`HOST:PORT` or `tcp://HOST:PORT`) or NATS servers (`nats://` / `nats+tls://`, comma-separated).
// This module tells them apart and validates the NATS form; the TCP form stays with parseHostPort.

import { isNatsUrl, parseNatsServers } from "@hsagent/transport-nats/settings";
import { ConfigError } from "./errors.js";

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

/** The `HOST:PORT` part of a TCP relay setting (`tcp://` is accepted and removed). */
export function tcpRelayText(text: string): string {
  return text.replace(/^tcp:\/\//i, "");
}
