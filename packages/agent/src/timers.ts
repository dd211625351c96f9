/**
 * The runtime's timers, all unref'd (an agent's timers never keep the process alive): one-shot
 * helpers, each peer's machine timers and detached teardown sends, the `register` broadcast,
 * and a deadline on a promise. A fired machine timer is fed into the peer's lane by the loop.
 */
import type { TimerName } from "@hsagent/protocol";

/** Run `fn` once after `ms` (unref'd); returns its cancel. */
export function schedule(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

/** Injectable time (tests drive it by hand): a clock and a one-shot scheduler. */
export interface Clock {
  /** Now, ms (default Date.now). */
  now: () => number;
  /** Run `fn` after `ms`; returns a canceller (default {@link schedule}: an unref'd setTimeout). */
  schedule: (fn: () => void, ms: number) => () => void;
}

/** The given parts of a clock, the real ones for the rest. */
export function clockOf(options: Partial<Clock>): Clock {
  return { now: options.now ?? Date.now, schedule: options.schedule ?? schedule };
}

/** One timer that is either pending or not: `start` does nothing while it is pending. */
export class OneShot {
  #cancel: (() => void) | null = null;

  /** Whether it is pending. */
  get pending(): boolean {
    return this.#cancel !== null;
  }

  /** Run `fn` after `ms`, unless already pending. */
  start(ms: number, fn: () => void): void {
    if (this.#cancel) return;
    this.#cancel = schedule(() => {
      this.#cancel = null;
      fn();
    }, ms);
  }

  /** Cancel it if pending. */
  cancel(): void {
    this.#cancel?.();
    this.#cancel = null;
  }
}

/** The machine timers of one peer, and the `close` re-sends of a session released early. */
export class PeerTimers {
  readonly #machine: Record<TimerName, NodeJS.Timeout | null> = { retransmit: null, session: null };
  readonly #teardown = new Set<NodeJS.Timeout>();

  /** (Re)start machine timer `name`: `fire` runs after `ms` unless it is re-armed or cancelled first. */
  arm(name: TimerName, ms: number, fire: () => void): void {
    const old = this.#machine[name];
    if (old) clearTimeout(old);
    const handle = setTimeout(() => {
      if (this.#machine[name] === handle) this.#machine[name] = null;
      fire();
    }, ms);
    handle.unref();
    this.#machine[name] = handle;
  }

  /** Stop machine timer `name`. */
  cancel(name: TimerName): void {
    const old = this.#machine[name];
    if (old) clearTimeout(old);
    this.#machine[name] = null;
  }

  /** Stop both machine timers. */
  cancelAll(): void {
    this.cancel("retransmit");
    this.cancel("session");
  }

  /** A detached teardown send: `send` runs after `ms`, outside the (already ended) session. */
  detached(ms: number, send: () => void): void {
    const timer = setTimeout(() => {
      this.#teardown.delete(timer);
      send();
    }, ms);
    timer.unref();
    this.#teardown.add(timer);
  }

  /** Drop the pending detached sends. */
  cancelDetached(): void {
    for (const t of this.#teardown) clearTimeout(t);
    this.#teardown.clear();
  }
}

/**
 * The `register` broadcast: once after `start(delayMs)`, then every `intervalMs × backoff()` ±20%
 * until `stop()`; `send` builds and sends one register. `backoff` (default 1) is read at each
 * register, so a load change takes effect from the next interval.
 */
export class RegisterBroadcast {
  readonly #timer = new OneShot();
  readonly #intervalMs: number;
  readonly #send: () => void;
  readonly #backoff: () => number;
  #stopped = false;

  constructor(intervalMs: number, send: () => void, backoff: () => number = () => 1) {
    this.#intervalMs = intervalMs;
    this.#send = send;
    this.#backoff = backoff;
  }

  /** The interval until the next register now, before jitter, ms. */
  get intervalMs(): number {
    return this.#intervalMs * this.#backoff();
  }

  /** The first register after `delayMs`. */
  start(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer.start(delayMs, () => {
      this.#send();
      this.start(this.intervalMs * (0.8 + 0.4 * Math.random()));
    });
  }

  /** No more registers. */
  stop(): void {
    this.#stopped = true;
    this.#timer.cancel();
  }
}

/** Thrown by {@link withDeadline} when the deadline passes first. */
export class DeadlineError extends Error {}

/** `promise`, or a DeadlineError after `ms` (the promise's own outcome is then ignored). */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancel = schedule(() => reject(new DeadlineError(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}
