// The Transport interface the agent runtime programs against: send a payload, receive
// messages and server notices, close. Implemented by the TCP RelayClient and by the
// in-memory bus used in unit tests of upper layers.

import type { Payload, RelayMessage } from "./envelope.js";
import type { Logger } from "./logger.js";

/** Unsubscribe function returned by the `on*` methods. */
export type Unsubscribe = () => void;

/** A message bus as seen by one agent. */
export interface Transport {
  /**
   * Send a payload to every other participant. Resolves when the line has been handed to
   * the underlying socket (or bus); rejects with a RelayError (`QUEUE_FULL`, `CLOSED`,
   * `NOT_CONNECTED`, `INVALID_PAYLOAD`, `LINE_TOO_LONG`, `RECONNECT_FAILED`) — never silently lost.
   */
  send(payload: Payload): Promise<void>;
  /** Subscribe to valid messages from other participants. */
  onMessage(handler: (message: RelayMessage) => void): Unsubscribe;
  /** Subscribe to server notices (`Warning: ...` lines). */
  onNotice(handler: (text: string) => void): Unsubscribe;
  /**
   * Optional: called by the agent runtime with its own agentId once its identity is known, before
   * it sends anything. Transports that route by recipient (NATS) start receiving here; the relay,
   * which broadcasts, does not need it. `logger` is the agent's, for transports created without one.
   */
  bind?(self: { agentId: string; logger?: Logger }): Promise<void>;
  /** Close the transport; pending sends are rejected with `CLOSED`. */
  close(): Promise<void>;
}
