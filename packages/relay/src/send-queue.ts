// The relay client's outgoing queue: lines wait here while disconnected or while the socket
// asks for `drain`; each send resolves once its line is handed to the socket, or rejects with
// the reason the queue was failed.

import type { Socket } from "node:net";
import { RelayError } from "./errors.js";

interface Pending {
  line: string;
  resolve: () => void;
  reject: (err: RelayError) => void;
}

/** Lines waiting to be written, in order. */
export class SendQueue {
  #items: Pending[] = [];
  /** True after a write returned false, until the socket's `drain`. */
  needDrain = false;

  /** Lines waiting. */
  get length(): number {
    return this.#items.length;
  }

  /** Queue `line` (ending in `\n`); resolves once it is written. */
  push(line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#items.push({ line, resolve, reject });
    });
  }

  /** Write waiting lines to `socket` until it asks for `drain`; returns how many were written. */
  pump(socket: Socket): number {
    let i = 0;
    while (i < this.#items.length && !this.needDrain) {
      const item = this.#items[i++]!;
      const ok = socket.write(item.line);
      item.resolve();
      if (!ok) this.needDrain = true;
    }
    if (i > 0) this.#items = this.#items.slice(i);
    return i;
  }

  /** Reject every waiting send with `code`. */
  fail(code: "CLOSED" | "RECONNECT_FAILED" | "NOT_CONNECTED", message: string): void {
    const q = this.#items;
    this.#items = [];
    for (const item of q) item.reject(new RelayError(code, message));
  }
}
