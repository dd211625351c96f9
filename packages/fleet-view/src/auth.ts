// Access control of the fleet page when it listens beyond loopback: the operator types the token
// into a login form (POST body, never a URL), and gets an HttpOnly, SameSite=Strict cookie holding
// a random session id — not the token. Scripts may send `Authorization: Bearer <token>` instead.

import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";

/** Why a token could not be loaded; `code` is machine-readable. */
export class FleetViewError extends Error {
  /** `TOKEN_REQUIRED`, `TOKEN_UNREADABLE`, `TOKEN_TOO_SHORT`, `LISTEN`. */
  readonly code: string;

  constructor(message: string, code: string) {
    super(message);
    this.name = "FleetViewError";
    this.code = code;
  }
}

/** Shortest token accepted, in characters. */
export const MIN_TOKEN_LENGTH = 16;
const COOKIE = "hsfv";
const MAX_SESSIONS = 256;

/**
 * The page token from a file (first line, trimmed) or, failing that, from `env[envName]`; null when
 * neither is set. The token's value never appears in an error.
 */
export function loadToken(options: {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  envName?: string;
}): string | null {
  let token: string | undefined;
  if (options.file !== undefined) {
    try {
      token = readFileSync(options.file, "utf8").split(/\r?\n/)[0]?.trim();
    } catch (err) {
      throw new FleetViewError(
        `the web token file ${options.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`,
        "TOKEN_UNREADABLE",
      );
    }
  } else {
    token = (options.env ?? process.env)[options.envName ?? "HSAGENT_WEB_TOKEN"]?.trim();
  }
  if (token === undefined || token === "") return null;
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new FleetViewError(
      `the web token must be at least ${MIN_TOKEN_LENGTH} characters`,
      "TOKEN_TOO_SHORT",
    );
  }
  return token;
}

/** True for loopback host names and addresses (where no token is needed). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Token check plus the cookie sessions it hands out. With a null token everything is allowed. */
export class PageAuth {
  readonly #token: string | null;
  readonly #sessions = new Set<string>();

  constructor(token: string | null) {
    this.#token = token;
  }

  /** True when a token is required. */
  get required(): boolean {
    return this.#token !== null;
  }

  /** Does `req` carry a valid session cookie or bearer token? */
  allows(req: IncomingMessage): boolean {
    if (this.#token === null) return true;
    const auth = req.headers.authorization;
    if (typeof auth === "string" && auth.startsWith("Bearer ") && sameText(auth.slice(7).trim(), this.#token))
      return true;
    const cookie = req.headers.cookie ?? "";
    for (const part of cookie.split(";")) {
      const [k, v] = part.trim().split("=", 2);
      if (k === COOKIE && v !== undefined && this.#sessions.has(v)) return true;
    }
    return false;
  }

  /** Check a submitted token; on success a Set-Cookie header value for a new session, else null. */
  login(submitted: string, secure: boolean): string | null {
    if (this.#token === null || !sameText(submitted, this.#token)) return null;
    if (this.#sessions.size >= MAX_SESSIONS) {
      const oldest = this.#sessions.values().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    const id = randomBytes(24).toString("base64url");
    this.#sessions.add(id);
    return `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/${secure ? "; Secure" : ""}`;
  }
}
