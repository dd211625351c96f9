// Argument parsing for the `hsagent-relay` bin, kept separate from process handling so it
// can be unit-tested. No dependency: the flag set is small and fixed.

import { RelayError } from "./errors.js";
import type { RelayServerOptions } from "./server.js";

/** Usage text printed by `--help`. */
export const USAGE = `Usage: hsagent-relay [options]

Summoner-compatible TCP relay: every line a client sends is delivered to every other client.

Options:
  --host HOST               interface to bind (default 127.0.0.1)
  --port PORT               port, 0 = any free port (default 8888)
  --max-line-bytes N        longest accepted line in bytes (default 65536)
  --rate-limit N            lines per minute per client, 0 = off (default 1000)
  --idle-timeout-ms N       disconnect clients silent for N ms, 0 = never (default 0)
  --max-queue-bytes N       disconnect clients with more than N unsent bytes (default 8388608)
  --max-connections N       most clients at once, 0 = no limit (default 4096)
  --max-connections-per-address N
                            most clients at once from one IP, 0 = no limit (default 512)
  --tls-cert FILE           serve TLS with this PEM certificate (needs --tls-key)
  --tls-key FILE            the PEM private key of --tls-cert
  --http-port PORT          also serve /healthz, /readyz and /metrics over HTTP on PORT (0 = any)
  --http-host HOST          interface of that HTTP port (default 127.0.0.1)
  --verbose                 log connections and drops to stderr
  --help                    show this help
`;

/** Result of {@link parseArgs}. */
export type ParsedArgs =
  | { kind: "help" }
  | {
      kind: "run";
      options: RelayServerOptions & { host: string; port: number };
      verbose: boolean;
      /** Files of `--tls-cert` / `--tls-key` (read by the bin), when TLS is asked for. */
      tlsFiles?: { cert: string; key: string };
      /** The health/metrics HTTP port, when asked for. */
      http: { host: string; port: number } | null;
    };

const INT_FLAGS = {
  "--port": "port",
  "--max-line-bytes": "maxLineBytes",
  "--rate-limit": "rateLimitPerMinute",
  "--idle-timeout-ms": "idleTimeoutMs",
  "--max-queue-bytes": "maxQueueBytes",
  "--max-connections": "maxConnections",
  "--max-connections-per-address": "maxConnectionsPerAddress",
} as const;

const MIN: Record<string, number> = { "--max-line-bytes": 1, "--max-queue-bytes": 1 };

/**
 * Parse `hsagent-relay` arguments (`--flag value` or `--flag=value`).
 * @throws RelayError `INVALID_OPTION` with a one-line message for any bad flag or value
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const options: RelayServerOptions & { host: string; port: number } = { host: "127.0.0.1", port: 8888 };
  let verbose = false;
  const files: { cert?: string; key?: string } = {};
  let http: { host: string; port: number } | null = null;
  let httpHost = "127.0.0.1";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (flag === "--help" || flag === "-h") return { kind: "help" };
    if (flag === "--verbose" && inline === undefined) {
      verbose = true;
      continue;
    }
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new RelayError("INVALID_OPTION", `${flag} needs a value`);
      return v;
    };
    if (flag === "--host") {
      const v = takeValue();
      if (v === "") throw new RelayError("INVALID_OPTION", "--host must not be empty");
      options.host = v;
      continue;
    }
    if (flag === "--tls-cert" || flag === "--tls-key") {
      const v = takeValue();
      if (v === "") throw new RelayError("INVALID_OPTION", `${flag} must not be empty`);
      files[flag === "--tls-cert" ? "cert" : "key"] = v;
      continue;
    }
    if (flag === "--http-host") {
      httpHost = takeValue();
      if (httpHost === "") throw new RelayError("INVALID_OPTION", "--http-host must not be empty");
      continue;
    }
    if (flag === "--http-port") {
      const v = takeValue();
      if (!/^\d{1,5}$/.test(v) || Number(v) > 65535)
        throw new RelayError("INVALID_OPTION", `--http-port must be a port number (0-65535), got "${v}"`);
      http = { host: "", port: Number(v) };
      continue;
    }
    if (Object.hasOwn(INT_FLAGS, flag)) {
      const key = INT_FLAGS[flag as keyof typeof INT_FLAGS];
      const v = takeValue();
      if (!/^\d+$/.test(v))
        throw new RelayError("INVALID_OPTION", `${flag} must be a non-negative integer, got "${v}"`);
      const n = Number(v);
      const min = MIN[flag] ?? 0;
      if (!Number.isSafeInteger(n) || n < min)
        throw new RelayError("INVALID_OPTION", `${flag} must be at least ${min}`);
      if (flag === "--port" && n > 65535)
        throw new RelayError("INVALID_OPTION", "--port must be at most 65535");
      options[key] = n;
      continue;
    }
    throw new RelayError("INVALID_OPTION", `unknown argument "${arg}" (see --help)`);
  }
  if ((files.cert === undefined) !== (files.key === undefined))
    throw new RelayError("INVALID_OPTION", "--tls-cert and --tls-key go together");
  const httpOut = http ? { host: httpHost, port: http.port } : null;
  if (files.cert !== undefined && files.key !== undefined)
    return { kind: "run", options, verbose, http: httpOut, tlsFiles: { cert: files.cert, key: files.key } };
  return { kind: "run", options, verbose, http: httpOut };
}
