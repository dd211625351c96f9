// Shared defaults for the relay server and the client (kept in one place so both ends agree).

/** Default maximum line size (64 KiB), excluding the newline. */
export const DEFAULT_MAX_LINE_BYTES = 65_536;
/** Default rate limit per connection, in lines per minute. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 1000;
/** Default hard cap on a client's unsent outgoing bytes at the relay (8 MiB). */
export const DEFAULT_MAX_QUEUE_BYTES = 8 * 1024 * 1024;
/** Default number of lines a client queues while disconnected or waiting for `drain`. */
export const DEFAULT_MAX_QUEUED_LINES = 1000;
/** Default cap on clients connected at once to one relay. */
export const DEFAULT_MAX_CONNECTIONS = 4096;
/** Default cap on clients connected at once from one source IP address. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 512;
