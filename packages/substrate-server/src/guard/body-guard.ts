// Guards on request bodies being received: a deadline and a server-wide memory budget. A body must
// arrive whole within `bodyMs` of its headers, else it is cut with 408 and the connection
// closed. Each chunk that arrives is counted against the budget until its answer is sent; a body
// that would take the total past the budget is cut at once with 429 and Retry-After. So the memory
// that slow or stalled uploads can pin is bounded by the budget, not by connections × body limit,
// and every reservation is returned within the deadline. Large bodies (over 1 MiB declared, or
// chunked) may fill the budget only up to its last 1/6, which stays for small JSON requests, so
// uploads in flight never starve ordinary calls.

import { Transform, type TransformCallback } from "node:stream";
import type { FastifyInstance } from "fastify";
import { ApiError } from "../errors.js";
import { GC_NUDGE_MIN_BYTES, GcNudge } from "./gc-nudge.js";
import { DEFAULT_TIMEOUTS } from "./timeouts.js";

/** Default budget: 96 MiB (one largest chain append, 50 MB, fits in the large share, 80 MiB). */
export const DEFAULT_BODY_BUDGET_BYTES = 96 * 1024 * 1024;

/** How long a connection cut before its body arrived may linger so the client reads the answer. */
const LINGER_MS = 10_000;

/** Bodies declaring more than this (or chunked ones) count as large. */
export const LARGE_BODY_BYTES = 1024 * 1024;

/** Counts body bytes held across all requests of one server. */
export class BodyBudget {
  readonly limit: number;
  #used = 0;
  readonly #nudge = new GcNudge();

  constructor(limit: number = DEFAULT_BODY_BUDGET_BYTES) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new Error("body budget must be a positive integer");
    this.limit = limit;
  }

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /** Most bytes large bodies may hold together: the budget less the share kept for small ones. */
  get largeLimit(): number {
    return this.limit - Math.floor(this.limit / 6);
  }

  /** Reserve `n` bytes for a small or `large` body; false (nothing reserved) if over its limit. */
  tryTake(n: number, large = false): boolean {
    if (this.#used + n > (large ? this.largeLimit : this.limit)) return false;
    this.#used += n;
    return true;
  }

  /** Return `n` bytes. */
  give(n: number): void {
    this.#used = Math.max(0, this.#used - n);
    this.#nudge.released(n);
  }

  /** A cut connection has gone (its drained input was garbage): schedule a collection. */
  settled(): void {
    this.#nudge.released(GC_NUDGE_MIN_BYTES);
  }
}

/** The error a body gets when the budget is spent. */
function budgetSpent(): ApiError {
  return new ApiError(429, "RATE_LIMITED", "the server is receiving too much data right now; retry later");
}

/**
 * Install the guards on `app`: every request body is counted chunk by chunk against `budget`, and
 * the reservation is returned when the answer is finished or the connection closes; a body not
 * received within `bodyMs` is answered with 408.
 */
export function installBodyGuard(
  app: FastifyInstance,
  budget: BodyBudget,
  bodyMs: number = DEFAULT_TIMEOUTS.bodyMs,
): void {
  app.addHook("preParsing", (req, reply, payload, done) => {
    if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined) {
      done(null, payload);
      return;
    }
    // An answer sent before its body arrived whole (refused, too large, timed out) ends the
    // connection once written: FIN at once, and the socket is destroyed after a lingering close,
    // so the client has time to read the answer (an immediate destroy with unread input would
    // reset the connection and could lose it). The rest of the body is never read.
    reply.raw.once("finish", () => {
      if (req.raw.complete) return;
      const socket = req.raw.socket;
      socket.end();
      socket.once("close", () => budget.settled());
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    });
    const cut = (err: ApiError): ApiError => {
      reply.header("Connection", "close");
      return err;
    };
    const refuse = (): ApiError => {
      reply.header("Retry-After", "1");
      return cut(budgetSpent());
    };
    const declared = Number(req.headers["content-length"] ?? 0);
    const large = !(Number.isFinite(declared) && declared <= LARGE_BODY_BYTES);
    if (Number.isFinite(declared) && declared > (large ? budget.largeLimit : budget.limit)) {
      done(refuse());
      return;
    }
    let held = 0;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      budget.give(held);
    };
    const counted = new Transform({
      transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
        if (released || !budget.tryTake(chunk.length, large)) {
          cb(refuse());
          return;
        }
        held += chunk.length;
        // Fastify checks the body limit against the raw bytes through this property.
        (counted as Transform & { receivedEncodedLength: number }).receivedEncodedLength = held;
        cb(null, chunk);
      },
    });
    const timer = setTimeout(() => {
      counted.destroy(cut(new ApiError(408, "REQUEST_TIMEOUT", "the request body did not arrive in time")));
    }, bodyMs);
    counted.once("end", () => clearTimeout(timer));
    reply.raw.once("close", () => {
      clearTimeout(timer);
      release();
    });
    payload.on("error", (err) => counted.destroy(err));
    done(null, payload.pipe(counted));
  });
}
