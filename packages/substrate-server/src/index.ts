// Public API of @hsagent/substrate-server: start a server, or use the storage backends directly.

export type { BlockSystem } from "./chain-hash.js";
export { blockHash, decodePayloads, encodePayloads, encodeSystem, GENESIS_PREV_HASH } from "./chain-hash.js";
export type { ApiErrorCode } from "./errors.js";
export { ApiError } from "./errors.js";
export type { BucketConfig, RateLimitOptions } from "./rate-limit.js";
export { DEFAULT_RATE_LIMIT } from "./rate-limit.js";
export { RESERVED_USERNAMES } from "./routes/accounts.js";
export type { RunningSubstrateServer, SubstrateServerOptions } from "./server.js";
export { buildSubstrateApp, startSubstrateServer } from "./server.js";
export type { DbLocation } from "./store/open.js";
export { DbUrlError, openPostgresStore, openStore, parseDbUrl } from "./store/open.js";
export type { PostgresStoreOptions } from "./store/postgres.js";
export type { SqliteStoreOptions } from "./store/sqlite.js";
export { openSqliteStore } from "./store/sqlite.js";
export type * from "./store/types.js";
