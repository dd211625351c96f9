// Property tests: backoff bounds, Retry-After parsing, and "any answer body
// yields a value or a typed error, never a crash or an untyped exception".

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  backoffDelay,
  DEFAULT_RETRY,
  parseRetryAfter,
  SubstrateClient,
  SubstrateError,
} from "../src/index.js";
import { answerAuth, type ScriptedServer, startScripted } from "./helpers/http-server.js";

describe("backoffDelay", () => {
  it("stays within [ceiling/2, ceiling] and never exceeds maxDelayMs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, r) => {
          const d = backoffDelay(retry, DEFAULT_RETRY, () => r);
          const ceiling = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** (retry - 1));
          expect(d).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(d).toBeLessThanOrEqual(Math.ceil(ceiling));
        },
      ),
    );
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates, rejects junk", () => {
    expect(parseRetryAfter("1")).toBe(1000);
    expect(parseRetryAfter("0.5")).toBe(500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:03 GMT", now)).toBe(3000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = parseRetryAfter(s);
        expect(v === null || (Number.isFinite(v) && v >= 0)).toBe(true);
      }),
    );
  });
});

describe("arbitrary answer bodies", () => {
  let body: Buffer = Buffer.alloc(0);
  let status = 200;
  let server: ScriptedServer;
  let client: SubstrateClient;

  beforeAll(async () => {
    server = await startScripted((req, res) => {
      if (answerAuth(req, res)) return;
      res.writeHead(status, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    });
    client = new SubstrateClient({
      baseUrl: server.url,
      credentials: { username: "u", password: "p" },
      retry: { limit: 0 },
    });
    await client.login();
  });
  afterAll(() => server.close());

  it("give a value or a SubstrateError for every endpoint parser", async () => {
    const jsonish = fc.oneof(
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc
        .record({ type: fc.anything(), id: fc.anything(), version: fc.anything(), data_b64: fc.anything() })
        .map((v) => Buffer.from(JSON.stringify(v) ?? "null")),
    );
    await fc.assert(
      fc.asyncProperty(jsonish, fc.constantFrom(200, 201, 400, 404, 409, 500), async (b, st) => {
        body = b;
        status = st;
        const calls = [
          () => client.getObject(7001, "1"),
          () => client.listAssociations("t", "1"),
          () => client.recentBlocks("c", 0, 5),
          () => client.validateChain("c", 0),
          () => client.putJson({ type: 7001, version: 0, value: {} }),
          () => client.appendBlock("c", 0, "x"),
        ];
        for (const call of calls) {
          try {
            await call();
          } catch (error) {
            expect(error).toBeInstanceOf(SubstrateError);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
