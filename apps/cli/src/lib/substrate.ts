// Logging in to a substrate with plain-words errors: "cannot reach the substrate at URL",
// "the substrate refused the credentials" — never a stack trace, never a secret.

import https from "node:https";
import tls from "node:tls";
import { type Credentials, SubstrateClient, SubstrateError } from "@hsagent/substrate-client";
import { readCaFile } from "./ca-file.js";
import { CliError } from "./errors.js";

/** Options of {@link loginSubstrate}. */
export interface LoginOptions {
  /** Register the account on a 401 (HSAgent_2 behaviour); default false. */
  readonly autoRegister?: boolean;
  /** Per-request timeout, ms (default 10000). */
  readonly timeoutMs?: number;
  /** PEM file of extra CAs to trust for an https:// substrate. */
  readonly caFile?: string | null;
}

/** Map a substrate-client error met while talking to `url` to a CliError. */
export function substrateFailure(err: unknown, url: string, during: string): CliError {
  if (err instanceof SubstrateError) {
    const e = err as SubstrateError & { status?: number; causeCode?: string };
    if (e.code === "NETWORK") {
      return new CliError(
        `cannot reach the substrate at ${url}${e.causeCode ? ` (${e.causeCode})` : ""}`,
        "SUBSTRATE_UNREACHABLE",
      );
    }
    if (e.code === "TIMEOUT")
      return new CliError(`the substrate at ${url} did not answer in time`, "SUBSTRATE_TIMEOUT");
    if (e.status === 401 || (during === "login" && e.status === 409)) {
      return new CliError(`the substrate at ${url} refused the credentials`, "BAD_CREDENTIALS");
    }
    if (typeof e.status === "number") {
      return new CliError(
        `the substrate at ${url} answered HTTP ${e.status} during ${during}`,
        "SUBSTRATE_ERROR",
      );
    }
    return new CliError(`substrate error during ${during}: ${e.message}`, e.code);
  }
  return err instanceof CliError ? err : new CliError(`${during} failed: ${(err as Error).message}`, "ERROR");
}

/** Create a client for `url` and log in with `credentials`. */
export async function loginSubstrate(
  url: string,
  credentials: Credentials,
  options: LoginOptions = {},
): Promise<SubstrateClient> {
  const client = new SubstrateClient({
    ...(options.caFile ? { ca: readCaFile(options.caFile) } : {}),
    baseUrl: url,
    credentials,
    autoRegister: options.autoRegister ?? false,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  try {
    await client.login();
  } catch (err) {
    throw substrateFailure(err, url, "login");
  }
  return client;
}

/**
 * Check that something answers HTTP at `url` (any status counts: `/api/account/me` answers 401
 * without a token). Throws CliError `SUBSTRATE_UNREACHABLE` when nothing does within `timeoutMs`.
 */
export async function probeSubstrate(
  url: string,
  timeoutMs = 5000,
  caFile: string | null = null,
): Promise<void> {
  try {
    if (caFile && url.startsWith("https:"))
      await probeHttps(`${url}/api/account/me`, readCaFile(caFile), timeoutMs);
    else {
      const res = await fetch(`${url}/api/account/me`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new CliError(`cannot reach the substrate at ${url} (${cause})`, "SUBSTRATE_UNREACHABLE");
  }
}

/** The credentials of resolved settings, or a usage error saying where to put them. */
export function requireCredentials(credentials: Credentials | null): Credentials {
  if (!credentials) {
    throw new CliError(
      "no substrate credentials: set HSAGENT_USERNAME and HSAGENT_PASSWORD (or HSAGENT_API_KEY), or api.credentials in the config file",
      "NO_CREDENTIALS",
      2,
    );
  }
  return credentials;
}

/** GET `url` over HTTPS trusting `ca`; resolves on any HTTP answer. */
function probeHttps(url: string, ca: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: [...tls.rootCertificates, ca], timeout: timeoutMs }, (res) => {
      res.resume();
      resolve();
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", (err) => reject(Object.assign(new Error(err.message), { cause: err })));
  });
}
