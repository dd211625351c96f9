// Where a NATS transport connects and how it authenticates: parse a `nats://` relay setting
// (a comma-separated server list) and read credentials and the CA file from the environment or
// from files, never from the command line (credentials in a URL are refused).

import { readFileSync } from "node:fs";
import { RelayError } from "@hsagent/relay";

/** Credentials for the NATS server (at most one kind). */
export type NatsAuth =
  | { readonly kind: "none" }
  | { readonly kind: "userpass"; readonly user: string; readonly pass: string }
  | { readonly kind: "token"; readonly token: string }
  /** A `.creds` file (user JWT + NKey seed), as written by `nsc`. */
  | { readonly kind: "creds"; readonly file: string }
  /** A file holding an NKey seed (`SU...`). */
  | { readonly kind: "nkey"; readonly seedFile: string };

/** A parsed NATS setting. */
export interface NatsServers {
  /** `host:port` of every server given (the client learns the rest of the cluster from them). */
  readonly servers: string[];
  /** TLS required (`nats+tls://`, or a CA file). */
  readonly tls: boolean;
}

const SCHEME = /^(nats|nats\+tls):\/\//i;

/** True when a relay setting names NATS servers (`nats://` or `nats+tls://`) rather than the TCP relay. */
export function isNatsUrl(text: string): boolean {
  return SCHEME.test(text.trim());
}

const invalid = (what: string, message: string) => new RelayError("INVALID_OPTION", `${what}: ${message}`);

/**
 * Parse `nats://h1:4222,nats://h2:4222` (or `nats+tls://...`). Ports default to 4222.
 * @throws RelayError `INVALID_OPTION` for another scheme, a path, or credentials in the URL
 */
export function parseNatsServers(text: string, what = "relay"): NatsServers {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length === 0 || parts.length > 32 || parts.some((p) => p === ""))
    throw invalid(what, "expected nats://HOST:PORT[,nats://HOST:PORT...]");
  let tls = false;
  const servers: string[] = [];
  for (const part of parts) {
    const m = SCHEME.exec(part);
    if (!m) throw invalid(what, "every server must start with nats:// or nats+tls://");
    if (m[1]!.toLowerCase() === "nats+tls") tls = true;
    let url: URL;
    try {
      url = new URL(`nats://${part.slice(m[0].length)}`);
    } catch {
      throw invalid(what, "not a valid NATS server URL");
    }
    if (url.username || url.password)
      throw invalid(what, "credentials do not belong in the URL; use HSAGENT_NATS_* (see the README)");
    if ((url.pathname && url.pathname !== "/") || url.search || url.hash || !url.hostname)
      throw invalid(what, "expected nats://HOST:PORT");
    servers.push(`${url.hostname}:${url.port || "4222"}`);
  }
  return { servers, tls };
}

function readSecretFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw invalid(what, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const value = text.trim();
  if (value.length === 0) throw invalid(what, `${path} is empty`);
  return value;
}

/**
 * Credentials from the environment: `HSAGENT_NATS_USER` with `HSAGENT_NATS_PASSWORD` or
 * `HSAGENT_NATS_PASSWORD_FILE`; `HSAGENT_NATS_TOKEN` or `HSAGENT_NATS_TOKEN_FILE`;
 * `HSAGENT_NATS_CREDS` (a `.creds` file); `HSAGENT_NATS_NKEY_SEED_FILE`. None set: no auth.
 * @throws RelayError `INVALID_OPTION` when several kinds are set or a file cannot be read
 */
export function natsAuthFromEnv(env: NodeJS.ProcessEnv = process.env): NatsAuth {
  const found: NatsAuth[] = [];
  const user = env.HSAGENT_NATS_USER;
  if (user) {
    const pass = env.HSAGENT_NATS_PASSWORD_FILE
      ? readSecretFile(env.HSAGENT_NATS_PASSWORD_FILE, "HSAGENT_NATS_PASSWORD_FILE")
      : env.HSAGENT_NATS_PASSWORD;
    if (!pass)
      throw invalid("HSAGENT_NATS_USER", "needs HSAGENT_NATS_PASSWORD or HSAGENT_NATS_PASSWORD_FILE");
    found.push({ kind: "userpass", user, pass });
  }
  const token = env.HSAGENT_NATS_TOKEN_FILE
    ? readSecretFile(env.HSAGENT_NATS_TOKEN_FILE, "HSAGENT_NATS_TOKEN_FILE")
    : env.HSAGENT_NATS_TOKEN;
  if (token) found.push({ kind: "token", token });
  if (env.HSAGENT_NATS_CREDS) found.push({ kind: "creds", file: env.HSAGENT_NATS_CREDS });
  if (env.HSAGENT_NATS_NKEY_SEED_FILE)
    found.push({ kind: "nkey", seedFile: env.HSAGENT_NATS_NKEY_SEED_FILE });
  if (found.length > 1) throw invalid("HSAGENT_NATS_*", "set one kind of NATS credentials, not several");
  return found[0] ?? { kind: "none" };
}

/** The CA file from `HSAGENT_NATS_CA`, or undefined. */
export function natsCaFileFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.HSAGENT_NATS_CA || undefined;
}
