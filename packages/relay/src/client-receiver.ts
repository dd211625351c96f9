// The relay client's read side: bytes from the socket are split into lines (size-limited),
// decoded as relayed messages or server notices, and anything else is dropped and counted.

import type { ClientEmitter } from "./client-emitter.js";
import { type DropReason, decodeRelayedLine } from "./envelope.js";
import { LineSplitter } from "./line-splitter.js";
import type { Logger } from "./logger.js";

/** Received lines dropped, by cause. */
export type DropCounts = Record<DropReason | "too-long" | "invalid-utf8", number>;

/** Turns received bytes into `message` and `notice` events, counting every line. */
export class ClientReceiver {
  readonly #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  readonly #splitter: LineSplitter;
  readonly #events: ClientEmitter;
  readonly #log: Logger;
  /** Lines received (delivered or dropped), messages and notices delivered, drops by cause. */
  readonly counts = {
    linesIn: 0,
    messages: 0,
    notices: 0,
    drops: {
      "too-long": 0,
      "invalid-utf8": 0,
      "invalid-json": 0,
      "not-relay-frame": 0,
      "not-envelope": 0,
      "payload-not-object": 0,
    } as DropCounts,
  };

  constructor(maxLineBytes: number, events: ClientEmitter, log: Logger) {
    this.#events = events;
    this.#log = log;
    this.#splitter = new LineSplitter({
      maxLineBytes,
      onLine: (line) => this.#onLine(line),
      onOverlong: (n) => {
        this.counts.linesIn++;
        this.counts.drops["too-long"]++;
        this.#log.debug("relay client: dropped overlong line", { bytes: n });
      },
    });
  }

  /** Feed bytes read from the socket. */
  push(chunk: Buffer): void {
    this.#splitter.push(chunk);
  }

  /** Forget a partial line (a new connection starts). */
  reset(): void {
    this.#splitter.reset();
  }

  /** The socket ended: an unterminated last line is only honoured if it is a server notice. */
  end(): void {
    const rest = this.#splitter.takeRemainder();
    if (rest === null) return;
    let text = "";
    try {
      text = this.#decoder.decode(rest);
    } catch {
      // not UTF-8: ignore below
    }
    if (text.startsWith("Warning:")) {
      this.counts.linesIn++;
      this.counts.notices++;
      this.#events.emit("notice", text);
    }
  }

  #onLine(bytes: Buffer): void {
    this.counts.linesIn++;
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch {
      this.counts.drops["invalid-utf8"]++;
      this.#log.debug("relay client: dropped invalid UTF-8 line", { bytes: bytes.length });
      return;
    }
    const d = decodeRelayedLine(text);
    if (d.kind === "message") {
      this.counts.messages++;
      this.#events.emit("message", d.message);
    } else if (d.kind === "notice") {
      this.counts.notices++;
      this.#log.info("relay client: server notice", { text: d.text });
      this.#events.emit("notice", d.text);
    } else {
      this.counts.drops[d.reason]++;
      this.#log.debug("relay client: dropped line", { reason: d.reason, bytes: bytes.length });
    }
  }
}
