// In-memory Transport implementation for unit tests of upper layers: same encoding,
// framing and decoding as the TCP path (so payloads that cannot cross a real relay fail
// here too), delivery to every other participant in order, asynchronously.

import {
  decodeRelayedLine,
  encodeEnvelope,
  frameRelayedLine,
  type Payload,
  type RelayMessage,
} from "./envelope.js";
import { RelayError } from "./errors.js";
import { DEFAULT_MAX_LINE_BYTES } from "./limits.js";
import type { Transport, Unsubscribe } from "./transport.js";

/** A transport attached to a {@link MemoryBus}. */
export interface MemoryTransport extends Transport {
  /** The address other participants see as `remoteAddr`. */
  readonly remoteAddr: string;
}

/** An in-memory relay. */
export interface MemoryBus {
  /** Attach a new participant. */
  connect(): MemoryTransport;
  /** Deliver a server notice (`Warning: ...`) to every participant. */
  notice(text: string): void;
  /** Every line sent so far (encoded envelopes, with `\n`), in order. */
  readonly sentLines: readonly string[];
  /** Close every participant. */
  close(): Promise<void>;
}

/** Options for {@link createMemoryBus}. */
export interface MemoryBusOptions {
  /** Same limit as the relay (default 65536): longer lines are rejected with `LINE_TOO_LONG`. */
  maxLineBytes?: number;
}

/** Create an in-memory relay for tests. */
export function createMemoryBus(options: MemoryBusOptions = {}): MemoryBus {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const members = new Set<Member>();
  const sentLines: string[] = [];
  let nextPort = 40_000;

  class Member implements MemoryTransport {
    readonly remoteAddr = `127.0.0.1:${nextPort++}`;
    readonly messageHandlers = new Set<(m: RelayMessage) => void>();
    readonly noticeHandlers = new Set<(t: string) => void>();
    closed = false;

    send(payload: Payload): Promise<void> {
      if (this.closed) return Promise.reject(new RelayError("CLOSED", "transport is closed"));
      let line: string;
      try {
        line = encodeEnvelope(payload);
      } catch (err) {
        return Promise.reject(err);
      }
      if (Buffer.byteLength(line) - 1 > maxLineBytes) {
        return Promise.reject(new RelayError("LINE_TOO_LONG", `line exceeds ${maxLineBytes} bytes`));
      }
      sentLines.push(line);
      const framed = frameRelayedLine(this.remoteAddr, line.slice(0, -1));
      for (const other of members) {
        if (other === this) continue;
        queueMicrotask(() => other.deliver(framed.slice(0, -1)));
      }
      return Promise.resolve();
    }

    deliver(line: string): void {
      if (this.closed) return;
      const d = decodeRelayedLine(line);
      if (d.kind === "message") for (const h of this.messageHandlers) h(d.message);
      else if (d.kind === "notice") for (const h of this.noticeHandlers) h(d.text);
    }

    onMessage(handler: (message: RelayMessage) => void): Unsubscribe {
      this.messageHandlers.add(handler);
      return () => this.messageHandlers.delete(handler);
    }

    onNotice(handler: (text: string) => void): Unsubscribe {
      this.noticeHandlers.add(handler);
      return () => this.noticeHandlers.delete(handler);
    }

    close(): Promise<void> {
      this.closed = true;
      members.delete(this);
      return Promise.resolve();
    }
  }

  return {
    connect(): MemoryTransport {
      const m = new Member();
      members.add(m);
      return m;
    },
    notice(text: string): void {
      for (const m of members) queueMicrotask(() => m.deliver(text));
    },
    sentLines,
    async close(): Promise<void> {
      await Promise.all([...members].map((m) => m.close()));
    },
  };
}
