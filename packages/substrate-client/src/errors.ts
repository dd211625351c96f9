// Typed errors of the substrate client. Every error carries a machine-readable
// `code`; HTTP errors also carry `status` and the (size-capped, secret-scrubbed)
// response body. Nothing here ever holds a password, key or JWT: the transport
// scrubs known secrets from server text before building an error, and no error
// keeps a reference to the underlying Request (whose headers hold the JWT).

/** Base class of every error thrown by `@hsagent/substrate-client`. */
export class SubstrateError extends Error {
  /** Machine-readable reason, e.g. `"VERSION_CLASH"`, `"NETWORK"`, `"TIMEOUT"`. */
  readonly code: string;

  constructor(message: string, code: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Where a failed request went (method and path, never headers or body). */
export interface RequestTarget {
  /** HTTP method, upper case. */
  readonly method: string;
  /** URL path without query string, e.g. `/api/objects/12/7001/34`. */
  readonly path: string;
}

/**
 * The substrate answered with a non-success HTTP status.
 * `code` is the server's `code` field when it sent one, else `HTTP_<status>`.
 */
export class ApiError extends SubstrateError {
  /** HTTP status of the answer. */
  readonly status: number;
  /** Parsed JSON error body (`{error, code?}`), or a truncated text excerpt, or `null`. */
  readonly body: unknown;
  /** Method of the failed request. */
  readonly method: string;
  /** Path of the failed request (no query string). */
  readonly path: string;

  constructor(target: RequestTarget, status: number, code: string, body: unknown, detail?: string) {
    super(
      `${target.method} ${target.path} failed: HTTP ${status} ${code}${detail ? ` (${detail})` : ""}`,
      code,
    );
    this.status = status;
    this.body = body;
    this.method = target.method;
    this.path = target.path;
  }
}

/**
 * An object PUT lost an optimistic-concurrency race: the stored version is not
 * the one sent. Raised for 409 and, for old hosted servers, 500 on object PUT.
 */
export class VersionClashError extends ApiError {
  constructor(target: RequestTarget, status: number, body: unknown, detail?: string) {
    super(target, status, "VERSION_CLASH", body, detail);
  }
}

/**
 * The server answered, but the answer is unusable: not JSON, too large, or not
 * of the documented shape. `status` is the HTTP status that came with it.
 */
export class InvalidResponseError extends ApiError {
  constructor(target: RequestTarget, status: number, reason: string) {
    super(target, status, "INVALID_RESPONSE", null, reason);
  }
}

/** The request never got an HTTP answer (connection refused/reset, DNS...), after bounded retries. */
export class NetworkError extends SubstrateError {
  /** Method of the failed request. */
  readonly method: string;
  /** Path of the failed request. */
  readonly path: string;
  /** Low-level cause code when known, e.g. `ECONNREFUSED`. */
  readonly causeCode: string | undefined;
  /** How many attempts were made in all. */
  readonly attempts: number;

  constructor(target: RequestTarget, causeCode: string | undefined, attempts: number) {
    super(
      `${target.method} ${target.path} failed: network error${causeCode ? ` ${causeCode}` : ""} after ${attempts} attempt(s)`,
      "NETWORK",
    );
    this.method = target.method;
    this.path = target.path;
    this.causeCode = causeCode;
    this.attempts = attempts;
  }
}

/** No complete answer arrived within the configured timeout. Timeouts are not retried. */
export class TimeoutError extends SubstrateError {
  /** Method of the failed request. */
  readonly method: string;
  /** Path of the failed request. */
  readonly path: string;
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;

  constructor(target: RequestTarget, timeoutMs: number) {
    super(`${target.method} ${target.path} timed out after ${timeoutMs} ms`, "TIMEOUT");
    this.method = target.method;
    this.path = target.path;
    this.timeoutMs = timeoutMs;
  }
}

/** A call needs a logged-in session (or a password session) that the client does not have. */
export class NotAuthenticatedError extends SubstrateError {
  constructor(message: string) {
    super(message, "NOT_AUTHENTICATED");
  }
}
