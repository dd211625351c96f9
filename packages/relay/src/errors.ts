// Typed errors for the relay package: every error carries a machine-readable `code`
// so callers can branch on the failure without parsing messages.

/** Machine-readable reason carried by every {@link RelayError}. */
export type RelayErrorCode =
  /** The outgoing queue is full (too many lines waiting for a connection or for `drain`). */
  | "QUEUE_FULL"
  /** The client was closed (by `close()` or after giving up reconnecting). */
  | "CLOSED"
  /** Not connected and queueing while disconnected is turned off. */
  | "NOT_CONNECTED"
  /** The reconnect budget (`maxAttempts`) was exhausted. */
  | "RECONNECT_FAILED"
  /** A payload cannot be encoded (not a plain object, NaN/Infinity, unsupported value type). */
  | "INVALID_PAYLOAD"
  /** An encoded line is larger than `maxLineBytes`. */
  | "LINE_TOO_LONG"
  /** An option passed to the server, client or CLI is invalid. */
  | "INVALID_OPTION";

/** An error with a machine-readable `code`: the base of {@link RelayError} and of other packages' errors. */
export class CodedError<C extends string = string> extends Error {
  /** Machine-readable reason. */
  readonly code: C;

  /**
   * @param code - machine-readable reason
   * @param message - human-readable explanation (never contains secrets or payload contents)
   */
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The one error class this package throws or rejects with. */
export class RelayError extends CodedError<RelayErrorCode> {}
