// Turns any thrown value into what the user sees: one sentence, a machine-readable code and an
// exit status (2 for usage errors, 1 otherwise). Library errors (substrate client, stores, relay)
// are mapped to plain words; everything is scrubbed of registered secrets.

import { ConfigError, scrub } from "@hsagent/config";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "./errors.js";

/** What the CLI reports for an error. */
export interface ErrorReport {
  readonly message: string;
  readonly code: string;
  readonly exit: number;
}

interface ErrorLike {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly name?: unknown;
  readonly oclif?: { readonly exit?: unknown };
  readonly causeCode?: unknown;
  readonly status?: unknown;
}

function firstLine(text: string): string {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? text;
  return line.trim();
}

/** Describe `err` for the user. */
export function describeError(err: unknown): ErrorReport {
  if (err instanceof CliError || err instanceof ConfigError)
    return { message: scrub(err.message), code: err.code, exit: err.exit };
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as ErrorLike;
  const message = typeof e.message === "string" && e.message !== "" ? e.message : String(err);
  const code = typeof e.code === "string" ? e.code : undefined;
  // oclif parse errors (unknown flag, missing/invalid value, unexpected argument) carry oclif.exit = 2.
  if (e.oclif && e.oclif.exit === 2) {
    return { message: scrub(firstLine(message)), code: "USAGE", exit: EXIT_USAGE };
  }
  if (code === "VAULT_DECRYPT_FAILED") {
    return {
      message:
        "the vault passphrase does not open this agent's identity vault (wrong HSAGENT_VAULT_PASSPHRASE?)",
      code,
      exit: EXIT_FAILURE,
    };
  }
  if (code === "NETWORK" || code === "ECONNREFUSED" || code === "TIMEOUT") {
    return { message: scrub(firstLine(message)), code: "UNREACHABLE", exit: EXIT_FAILURE };
  }
  return { message: scrub(firstLine(message)), code: code ?? "ERROR", exit: EXIT_FAILURE };
}
