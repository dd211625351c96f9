// The relay client's typed event listeners: subscribe, subscribe once, and emit so that a
// throwing listener is logged and never breaks the connection's read loop.

import type { RelayClientEvents } from "./client-options.js";
import type { Logger } from "./logger.js";
import type { Unsubscribe } from "./transport.js";

/** A listener of one {@link RelayClientEvents} event. */
export type Listener<K extends keyof RelayClientEvents> = (arg: RelayClientEvents[K]) => void;

/** Listeners of a relay client, by event. */
export class ClientEmitter {
  readonly #listeners = new Map<keyof RelayClientEvents, Set<(arg: never) => void>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Subscribe to an event; returns an unsubscribe function. */
  on<K extends keyof RelayClientEvents>(event: K, listener: Listener<K>): Unsubscribe {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    const entry = set;
    entry.add(listener as (arg: never) => void);
    return () => {
      entry.delete(listener as (arg: never) => void);
    };
  }

  /** Subscribe to the next occurrence of an event. */
  once<K extends keyof RelayClientEvents>(event: K, listener: Listener<K>): Unsubscribe {
    const off = this.on(event, (arg) => {
      off();
      listener(arg);
    });
    return off;
  }

  /** Call every listener of `event`; a throwing listener is logged and skipped. */
  emit<K extends keyof RelayClientEvents>(event: K, arg: RelayClientEvents[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as Listener<K>)(arg);
      } catch (err) {
        // A throwing listener must not break the connection's read loop.
        this.#log.error("relay client: listener threw", { event, error: String(err) });
      }
    }
  }
}
