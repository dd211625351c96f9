// Typed HTTP errors: every failure the API answers carries a status and a machine-readable code,
// so the error handler can turn it into `{error, code}` without ever exposing internals.

/** Machine-readable error codes sent in the `code` field of error bodies. */
export type ApiErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "VERSION_CLASH"
  | "USERNAME_TAKEN"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "RATE_LIMITED"
  | "QUOTA_EXCEEDED"
  | "REQUEST_TIMEOUT"
  | "INTERNAL";

/** An error that maps one-to-one onto an HTTP answer `{error, code}` with `status`. */
export class ApiError extends Error {
  /** HTTP status code to answer with. */
  readonly status: number;
  /** Machine-readable error code. */
  readonly code: ApiErrorCode;

  constructor(status: number, code: ApiErrorCode, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** 400: the request is malformed. */
export const badRequest = (message: string): ApiError => new ApiError(400, "BAD_REQUEST", message);
/** 401: missing, invalid or expired credentials. */
export const unauthorized = (message = "unauthorized"): ApiError =>
  new ApiError(401, "UNAUTHORIZED", message);
/** 403: the path names another tenant, or the token kind is not allowed. */
export const forbidden = (message = "forbidden"): ApiError => new ApiError(403, "FORBIDDEN", message);
/** 404: missing (also used to hide other tenants' data). */
export const notFound = (message = "not found"): ApiError => new ApiError(404, "NOT_FOUND", message);
/** 413: a size limit was exceeded. */
export const tooLarge = (message: string): ApiError => new ApiError(413, "PAYLOAD_TOO_LARGE", message);
