// Raw HTTP for the few requests the typed client deliberately cannot make:
// the reachability probe before a run, and requests aimed at ANOTHER tenant's
// paths (the client always targets its own tenant) to prove isolation.

import { SelftestError } from "./errors.js";
import { httpsRequest } from "./https-request.js";

/** Status and body text of a raw request. */
export interface RawResponse {
  readonly status: number;
  readonly text: string;
}

/** One request without retries; `token` is sent as a Bearer JWT. Throws on network errors and timeouts. */
export async function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; timeoutMs: number; ca?: string | undefined },
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  const url = new URL(path, baseUrl);
  if (options.ca && url.protocol === "https:") {
    return httpsRequest(url, method, headers, body, options.ca, options.timeoutMs);
  }
  const response = await fetch(url, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  return { status: response.status, text: await response.text() };
}

/** The JWT of a password login, by a raw request (the client keeps its own token private). */
export async function rawLogin(
  baseUrl: string,
  username: string,
  password: string,
  timeoutMs: number,
  ca?: string,
): Promise<string> {
  const r = await rawRequest(baseUrl, "POST", "/api/auth/login", {
    json: { username, password },
    timeoutMs,
    ca,
  });
  let jwt: unknown;
  try {
    jwt = (JSON.parse(r.text) as { jwt?: unknown }).jwt;
  } catch {
    jwt = undefined;
  }
  if (r.status !== 200 || typeof jwt !== "string") throw new Error(`login answered HTTP ${r.status}`);
  return jwt;
}

function causeCode(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    if (e.name === "TimeoutError") return "TIMEOUT";
    e = (e as { cause?: unknown }).cause;
  }
  return "network error";
}

/**
 * Throws SUBSTRATE_UNREACHABLE unless something answers HTTP at `baseUrl`
 * (any status counts: `GET /api/account/me` without a token is a 401).
 */
export async function probeReachable(baseUrl: string, timeoutMs: number, ca?: string): Promise<void> {
  try {
    await rawRequest(baseUrl, "GET", "/api/account/me", { timeoutMs, ca });
  } catch (error) {
    throw new SelftestError(
      `cannot reach the substrate at ${baseUrl} (${causeCode(error)})`,
      "SUBSTRATE_UNREACHABLE",
    );
  }
}
