// Guards on request bodies being received: a deadline and a server-wide memory budget. A body must
// arrive whole within `bodyMs` of its headers, else it is cut with 408 and the connection
// closed. Each chunk that arrives is counted against the budget until its answer is sent; a body
// that would take the total past the budget is cut at once with 429 and Retry-After. So the memory
// that slow or stalled uploads can pin is bounded by the budget, not by connections × body limit,
// and every reservation is returned within the deadline. Large bodies (over 1 MiB declared, or
// chunked) may fill the budget only up to its last 1/6, which stays for small JSON requests, so
// uploads in flight never starve ordinary calls.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
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

/** The error a body gets when it has not arrived by its deadline. */
function bodyTimedOut(): ApiError {
  return new ApiError(408, "REQUEST_TIMEOUT", "the request body did not arrive in time");
}

const GUARD = Symbol("hsagent.bodyGuard");

/** A request or response carrying the state of its body's guard. */
type Guarded<T> = T & { [GUARD]?: Body };

/** One body being received: the bytes it holds, its deadline, and where to report failure. */
interface Body {
  readonly payload: Guarded<Readable>;
  readonly raw: IncomingMessage;
  readonly reply: FastifyReply;
  readonly large: boolean;
  /** performance.now() by which the body must have arrived. */
  readonly deadline: number;
  held: number;
  /** The answer is finished (or the connection gone): bytes returned, nothing more is counted. */
  settled: boolean;
  /** The body was failed (429 or 408): nothing more is read. */
  failed: boolean;
}

/** Answers sent because of the body end the connection: `Connection: close` on them. */
function cut(reply: FastifyReply, err: ApiError): ApiError {
  reply.header("Connection", "close");
  return err;
}

function refuse(reply: FastifyReply): ApiError {
  reply.header("Retry-After", "1");
  return cut(reply, budgetSpent());
}

/**
 * Install the guards on `app`: every request body is counted chunk by chunk against `budget`, and
 * the reservation is returned when the answer is finished or the connection closes; a body not
 * received within `bodyMs` is answered with 408.
 *
 * This runs for every request with a body, so it costs little: no stream in between (the body is
 * counted by a 'data' listener that runs before the body parser's), listeners shared by all
 * requests (their state hangs on the request and response), and no timer per request — bodies
 * join a deadline queue (all have the same time limit, so the queue is in deadline order) watched
 * by one timer, which is left armed while bodies come and go.
 */
export function installBodyGuard(
  app: FastifyInstance,
  budget: BodyBudget,
  bodyMs: number = DEFAULT_TIMEOUTS.bodyMs,
): void {
  /** Bodies still being received or answered, oldest (earliest deadline) first. */
  const pending = new Set<Body>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const arm = (at: number): void => {
    timer = setTimeout(expire, Math.max(1, Math.ceil(at - performance.now())));
    timer.unref();
  };
  const expire = (): void => {
    timer = null;
    const now = performance.now();
    for (const body of pending) {
      if (body.deadline > now) {
        arm(body.deadline);
        return;
      }
      pending.delete(body);
      // A body that arrived whole is not cut while its answer is being prepared.
      if (!body.raw.complete) fail(body, cut(body.reply, bodyTimedOut()));
    }
  };

  /**
   * Stop reading the body and hand `err` to its reader (Fastify's body parser or the chain body
   * reader), which answers with it. The rest of the body is never read.
   */
  const fail = (body: Body, err: ApiError): void => {
    if (body.failed) return;
    body.failed = true;
    body.payload.removeListener("data", count);
    body.payload.pause();
    if (body.payload.listenerCount("error") > 0) body.payload.emit("error", err);
  };

  function count(this: Guarded<Readable>, chunk: Buffer): void {
    const body = this[GUARD];
    if (!body || body.failed) return;
    if (!body.settled && budget.tryTake(chunk.length, body.large)) {
      body.held += chunk.length;
      return;
    }
    // Refused: this chunk is not counted, and the readers that come after this listener see the
    // error before it (they ignore data once failed).
    fail(body, refuse(body.reply));
  }

  // The answer is finished, or the connection is gone: return the bytes. An answer sent before its
  // body arrived whole (refused, too large, timed out) ends the connection: FIN at once, and the
  // socket is destroyed after a lingering close, so the client has time to read the answer (an
  // immediate destroy with unread input would reset the connection and could lose it).
  function settle(this: Guarded<ServerResponse>): void {
    const body = this[GUARD];
    if (!body || body.settled) return;
    body.settled = true;
    pending.delete(body);
    budget.give(body.held);
    if (body.raw.complete) return;
    body.payload.removeListener("data", count);
    body.payload.pause();
    if (!this.writableFinished) return;
    const socket = body.raw.socket;
    socket.end();
    socket.once("close", () => budget.settled());
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  }

  app.addHook("onClose", (_app, done) => {
    closed = true;
    if (timer) clearTimeout(timer);
    timer = null;
    done();
  });

  app.addHook("preParsing", (req, reply, payload, done) => {
    const headers = req.headers;
    const length = headers["content-length"];
    if (length === undefined && headers["transfer-encoding"] === undefined) {
      done(null, payload);
      return;
    }
    const declared = Number(length ?? 0);
    const large = !(Number.isFinite(declared) && declared <= LARGE_BODY_BYTES);
    const body: Body = {
      payload,
      raw: req.raw,
      reply,
      large,
      deadline: performance.now() + bodyMs,
      held: 0,
      settled: false,
      failed: false,
    };
    (payload as Guarded<Readable>)[GUARD] = body;
    (reply.raw as Guarded<ServerResponse>)[GUARD] = body;
    reply.raw.on("close", settle);
    if (Number.isFinite(declared) && declared > (large ? budget.largeLimit : budget.limit)) {
      body.failed = true;
      done(refuse(reply));
      return;
    }
    pending.add(body);
    if (timer === null && !closed) arm(body.deadline);
    // Listening first: bytes are counted before the body parser (added after this hook) holds them.
    payload.on("data", count);
    done(null, payload);
  });
}
