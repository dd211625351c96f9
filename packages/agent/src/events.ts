/**
 * The agent's session events: their types, and a bounded async queue behind `agent.events()` so
 * consumers can `for await` them as well as subscribe with `agent.on(...)`. Events never carry
 * keys or plaintext other than the delivered application messages.
 */
import type { KeyAgreement, RejectReason, Role } from "@hsagent/protocol";

/** A session reached the established state (mutually authenticated, key-confirmed). */
export interface EstablishedEvent {
  type: "established";
  peer: string;
  role: Role;
  version: 1 | 2;
  /** How the keys were agreed: `x25519`, or `x25519+mlkem768` (hybrid). */
  keyAgreement: KeyAgreement;
  sid: string;
  /** Session start (left `*_ready`) → established, ms. */
  handshakeMs: number;
}

/** A session ended cleanly (teardown done, state purged). */
export interface ClosedEvent {
  type: "closed";
  peer: string;
  role: Role;
  sid: string | null;
  /** Session start → close, ms. */
  sessionMs: number;
}

/** A session was aborted (timeout, retransmits exhausted, shutdown, conflict...). */
export interface AbortedEvent {
  type: "aborted";
  peer: string;
  role: Role;
  reason: string;
  sessionMs: number | null;
}

/** An inbound message was dropped without any state change. */
export interface RejectedEvent {
  type: "rejected";
  peer: string;
  reason: RejectReason;
  intent: string | null;
  detail?: string;
}

/** An application message delivered in an exchange round. */
export interface MessageEvent {
  type: "message";
  peer: string;
  role: Role;
  round: number;
  message: unknown;
}

/** Any agent event. */
export type AgentEvent = EstablishedEvent | ClosedEvent | AbortedEvent | RejectedEvent | MessageEvent;

/** Map from event name to its payload (for typed listeners). */
export interface AgentEventMap {
  established: EstablishedEvent;
  closed: ClosedEvent;
  aborted: AbortedEvent;
  rejected: RejectedEvent;
  message: MessageEvent;
}

/** A bounded push queue consumed as an async iterator; oldest events are dropped when full. */
export class EventQueue implements AsyncIterableIterator<AgentEvent> {
  readonly #buffer: AgentEvent[] = [];
  readonly #waiters: ((r: IteratorResult<AgentEvent>) => void)[] = [];
  readonly #max: number;
  #done = false;
  /** Events dropped because the consumer fell behind. */
  dropped = 0;

  constructor(max = 10_000, onReturn?: () => void) {
    this.#max = max;
    this.#onReturn = onReturn;
  }

  readonly #onReturn: (() => void) | undefined;

  /** Add an event (ignored once ended). */
  push(event: AgentEvent): void {
    if (this.#done) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter({ value: event, done: false });
      return;
    }
    if (this.#buffer.length >= this.#max) {
      this.#buffer.shift();
      this.dropped++;
    }
    this.#buffer.push(event);
  }

  /** End the iteration once the buffered events are consumed. */
  end(): void {
    this.#done = true;
    for (const w of this.#waiters.splice(0)) w({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<AgentEvent>> {
    const event = this.#buffer.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  return(): Promise<IteratorResult<AgentEvent>> {
    this.end();
    this.#buffer.length = 0;
    this.#onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AgentEvent> {
    return this;
  }
}
