// Parses the relay setting of agents and the CLI: `HOST:PORT` or `tcp://HOST:PORT` (plain TCP)
// and `tls://HOST:PORT` (TLS). One function, so that further schemes sit beside these two.

import { RelayError } from "./errors.js";

/** A parsed relay address. */
export interface RelayUrl {
  /** `tcp` (plain) or `tls`. */
  readonly scheme: "tcp" | "tls";
  /** Host name or IP (IPv6 without brackets). */
  readonly host: string;
  /** TCP port, 1–65535. */
  readonly port: number;
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/**
 * Parse `HOST:PORT`, `tcp://HOST:PORT` or `tls://HOST:PORT` (IPv6 as `[addr]:port`).
 * @throws RelayError `INVALID_OPTION` naming what is wrong (never echoing more than the scheme)
 */
export function parseRelayUrl(text: string): RelayUrl {
  if (typeof text !== "string" || text.length === 0 || text.length > 300)
    throw new RelayError("INVALID_OPTION", "relay address must be HOST:PORT or tls://HOST:PORT");
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
  const scheme = m ? m[1]!.toLowerCase() : "tcp";
  if (scheme !== "tcp" && scheme !== "tls")
    throw new RelayError("INVALID_OPTION", `unsupported relay scheme "${scheme.slice(0, 20)}://"`);
  const hp = HOST_PORT.exec(m ? m[2]! : text);
  if (!hp) throw new RelayError("INVALID_OPTION", "relay address must be HOST:PORT or tls://HOST:PORT");
  const port = Number(hp[3]);
  if (port < 1 || port > 65535) throw new RelayError("INVALID_OPTION", "relay port must be 1–65535");
  return { scheme, host: (hp[1] ?? hp[2])!, port };
}

/** Format a relay address back (`tls://` shown only for TLS; IPv6 hosts in brackets). */
export function formatRelayUrl(url: RelayUrl): string {
  const host = url.host.includes(":") ? `[${url.host}]` : url.host;
  return `${url.scheme === "tls" ? "tls://" : ""}${host}:${url.port}`;
}
