// Typed CLI errors: every failure a user can cause or meet becomes one sentence plus a
// machine-readable code and an exit status scripts can trust (1 = the job failed, 2 = usage).

/** Exit status for a failed job (unreachable service, bad credentials, failed check...). */
export const EXIT_FAILURE = 1;
/** Exit status for a usage error (unknown flag, bad value, missing or malformed config). */
export const EXIT_USAGE = 2;

/** An error the CLI reports as one sentence; `code` is machine-readable, `exit` the process status. */
export class CliError extends Error {
  /** Machine-readable reason, e.g. `CONFIG_INVALID`, `SUBSTRATE_UNREACHABLE`. */
  readonly code: string;
  /** Process exit status (1 or 2). */
  readonly exit: number;

  constructor(message: string, code: string, exit: number = EXIT_FAILURE) {
    super(message);
    this.name = "CliError";
    this.code = code;
    this.exit = exit;
  }
}

/** A usage error (exit 2). */
export class UsageError extends CliError {
  constructor(message: string, code = "USAGE") {
    super(message, code, EXIT_USAGE);
    this.name = "UsageError";
  }
}

/** A configuration error naming the file and the field (exit 2): the shared loader's, from `@hsagent/config`. */
export { ConfigError } from "@hsagent/config";
