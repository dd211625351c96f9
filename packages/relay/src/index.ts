// Public API of @hsagent/relay: the Summoner-compatible relay server, the reconnecting TCP
// client, the Transport interface with an in-memory implementation, and the envelope codec.

export { formatRemoteAddr } from "./address.js";
export {
  connectRelay,
  RelayClient,
  type RelayClientEvents,
  type RelayClientOptions,
  type RelayClientStats,
} from "./client.js";
export {
  type DecodedLine,
  type DropReason,
  decodeRelayedLine,
  ENVELOPE_VERSION,
  encodeEnvelope,
  frameRelayedLine,
  isNotice,
  type Payload,
  type RelayMessage,
  type TypeLeaf,
  type TypeTree,
  typeTree,
} from "./envelope.js";
export { CodedError, RelayError, type RelayErrorCode } from "./errors.js";
export { type RelayHttp, relayRegistry, startRelayHttp } from "./http-health.js";
export {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_MAX_QUEUED_LINES,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
} from "./limits.js";
export { LineSplitter, type LineSplitterOptions } from "./line-splitter.js";
export { type Logger, silentLogger } from "./logger.js";
export {
  createMemoryBus,
  type MemoryBus,
  type MemoryBusOptions,
  type MemoryTransport,
} from "./memory-bus.js";
export { type JsonValue, pyJsonDumps, pyJsonString, pyNumber } from "./pyjson.js";
export { formatRelayUrl, parseRelayUrl, type RelayUrl } from "./relay-url.js";
export {
  type RelayMetrics,
  type RelayServer,
  type RelayServerOptions,
  startRelay,
  WARNINGS,
} from "./server.js";
export type { RelayTlsOptions } from "./tls-server.js";
export type { Transport, Unsubscribe } from "./transport.js";
