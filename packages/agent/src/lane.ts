/**
 * A serialized lane: tasks pushed to one lane run one after another, in order; different lanes
 * never wait for each other. One lane per peer gives the "no two events of one peer at once"
 * guarantee of PROTOCOL.md §4 while many peers proceed in parallel.
 */

/** A FIFO of async tasks run one at a time. A failing task never stops the lane. */
export class Lane {
  #tail: Promise<void> = Promise.resolve();
  #depth = 0;

  /** Tasks queued or running. */
  get depth(): number {
    return this.#depth;
  }

  /** Queue `task`; resolves with its result once it ran. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    this.#depth++;
    const result = this.#tail.then(task);
    this.#tail = result.then(
      () => {
        this.#depth--;
      },
      () => {
        this.#depth--;
      },
    );
    return result;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.#tail;
  }
}
