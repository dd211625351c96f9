/**
 * Typed errors of the agent runtime. Each carries a machine-readable `code` so callers (the bin,
 * the daemon) can act on it without parsing messages. Messages never contain secrets.
 */

/** Machine-readable reasons an agent refuses to start or run. */
export type AgentErrorCode =
  | "INVALID_OPTIONS"
  | "NOT_STARTED"
  | "STOPPED"
  | "MISSING_PASSPHRASE"
  | "IDENTITY_FAILED"
  | "RELAY_FAILED";

/** An error of the agent runtime. */
export class AgentError extends Error {
  /** Machine-readable reason. */
  readonly code: AgentErrorCode;

  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AgentError";
    this.code = code;
  }
}
