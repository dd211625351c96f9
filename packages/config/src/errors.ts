// The one error of configuration loading: one sentence naming the file and the field, a
// machine-readable code, and the exit status a process should end with.

/** Exit status for a usage or configuration error. */
export const EXIT_USAGE = 2;

/** A configuration error naming the file and the field (exit 2 unless told otherwise). */
export class ConfigError extends Error {
  /** Machine-readable reason: `CONFIG_INVALID`, `CONFIG_MISSING`, `CONFIG_MALFORMED`, `TLS_CA_FILE`. */
  readonly code: string;
  /** Process exit status (2 for usage/config problems). */
  readonly exit: number;
  /** The config file concerned, if any. */
  readonly file: string | undefined;
  /** The offending field (dotted path) or environment variable, if any. */
  readonly field: string | undefined;

  constructor(message: string, file?: string, field?: string, code = "CONFIG_INVALID", exit = EXIT_USAGE) {
    super(message);
    this.name = "ConfigError";
    this.code = code;
    this.exit = exit;
    this.file = file;
    this.field = field;
  }
}
