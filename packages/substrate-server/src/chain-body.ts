// Reads a raw chain append/prepend body. With a Content-Length, the bytes are copied into one
// buffer of exactly that size as they arrive, so each network chunk is garbage at once and a body
// never costs twice its size (collect-then-concat would); without one (chunked), chunks are
// collected up to the limit. The body budget (guard/body-guard.ts) has counted every byte already.

import type { Readable } from "node:stream";
import { badRequest, tooLarge } from "./errors.js";

/** Read all of `payload`, at most `limit` bytes; `declared` is the Content-Length header, if any. */
export function readChainBody(
  payload: Readable,
  declared: string | undefined,
  limit: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const length = declared === undefined ? null : Number(declared);
    if (length !== null && (!Number.isSafeInteger(length) || length < 0)) {
      reject(badRequest("bad Content-Length"));
      return;
    }
    if (length !== null && length > limit) {
      reject(tooLarge(`body exceeds ${limit} bytes`));
      return;
    }
    // Allocated on the first chunk, so a body refused before any byte arrives costs nothing.
    let whole: Buffer | null = null;
    const chunks: Buffer[] = [];
    let received = 0;
    let failed = false;
    const fail = (err: Error) => {
      failed = true;
      payload.removeListener("data", onData);
      // Drop what was received at once: the connection may linger a while after its answer.
      whole = null;
      chunks.length = 0;
      reject(err);
    };
    // A chunk may still arrive after a failure: one whose 'data' event was being delivered when
    // an earlier listener (the body guard) failed the body.
    const onData = (chunk: Buffer) => {
      if (failed) return;
      if (received + chunk.length > (length ?? limit)) {
        fail(
          length === null
            ? tooLarge(`body exceeds ${limit} bytes`)
            : badRequest("body longer than Content-Length"),
        );
        return;
      }
      if (length !== null) {
        whole ??= Buffer.allocUnsafeSlow(length);
        chunk.copy(whole, received);
      } else chunks.push(chunk);
      received += chunk.length;
    };
    payload.on("data", onData);
    payload.once("error", fail);
    payload.once("end", () => {
      if (length !== null) {
        if (received !== length) reject(badRequest("body shorter than Content-Length"));
        else resolve(whole ?? Buffer.alloc(0));
        return;
      }
      resolve(Buffer.concat(chunks, received));
    });
  });
}
