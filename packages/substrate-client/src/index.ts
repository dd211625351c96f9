// Public API of @hsagent/substrate-client: a typed HTTP client (ky) for the
// HSAgent substrate (SUBSTRATE-API.md): accounts, agent keys, BOSS objects and
// associations, Fathom chains; typed errors; round-trip counters.

export {
  BatchClashError,
  type BatchId,
  type BatchItem,
  type BatchResult,
  batchDisabledByEnv,
} from "./batch.js";
export { CAPABILITIES_PATH, type ServerCapabilities } from "./capabilities.js";
export { SubstrateClient } from "./client.js";
export { bytesToJson, fromBase64, fromUtf8, jsonToBytes, toBase64, utf8 } from "./codec.js";
export {
  ApiError,
  InvalidResponseError,
  NetworkError,
  NotAuthenticatedError,
  type RequestTarget,
  SubstrateError,
  TimeoutError,
  VersionClashError,
} from "./errors.js";
export type { SubstrateClientOptions } from "./options.js";
export {
  backoffDelay,
  type ClientStats,
  DEFAULT_RETRY,
  parseRetryAfter,
  type RequestEvent,
  type RetryOptions,
} from "./transport.js";
export type * from "./types.js";
