// Client resilience against real local node:http servers: Retry-After honoured,
// bounded retries on refused connections, timeouts, garbage and oversized
// bodies, keep-alive connection reuse, and no secrets in errors.

import type { IncomingMessage, ServerResponse } from "node:http";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  ApiError,
  InvalidResponseError,
  NetworkError,
  SubstrateClient,
  TimeoutError,
  VersionClashError,
} from "../src/index.js";
import { answerAuth, closedPort, json, type ScriptedServer, startScripted } from "./helpers/http-server.js";

const PASSWORD = "pw-very-secret-123";
let servers: ScriptedServer[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function scripted(handler: Parameters<typeof startScripted>[0]): Promise<ScriptedServer> {
  const s = await startScripted(handler);
  servers.push(s);
  return s;
}

async function loggedIn(url: string, extra: Partial<ConstructorParameters<typeof SubstrateClient>[0]> = {}) {
  const client = new SubstrateClient({
    baseUrl: url,
    credentials: { username: "u", password: PASSWORD },
    retry: { baseDelayMs: 20, maxDelayMs: 100 },
    ...extra,
  });
  await client.login();
  return client;
}

/**
 * A scripted server that answers the login handshake and hands every other request to `answer`
 * with its 1-based number, and a client logged in to it.
 */
async function session(
  answer: (res: ServerResponse, hit: number, req: IncomingMessage, body: Buffer) => void,
  extra: Partial<ConstructorParameters<typeof SubstrateClient>[0]> = {},
): Promise<{ client: SubstrateClient; server: ScriptedServer; hits: () => number }> {
  let hits = 0;
  const server = await scripted((req, res, body) => {
    if (!answerAuth(req, res)) answer(res, ++hits, req, body);
  });
  return { client: await loggedIn(server.url, extra), server, hits: () => hits };
}

describe("429 with Retry-After", () => {
  it("waits the announced second, then succeeds; counts both attempts", async () => {
    const { client, hits } = await session((res, hit) => {
      if (hit === 1) {
        json(res, 429, { error: "slow down" }, { "retry-after": "1" });
        return;
      }
      json(res, 200, { count: 0, associations: [] });
    });
    const before = client.stats.requests;
    const t0 = performance.now();
    const list = await client.listAssociations("t", "42");
    const waited = performance.now() - t0;
    expect(list.count).toBe(0);
    expect(hits()).toBe(2);
    expect(client.stats.requests - before).toBe(2);
    expect(client.stats.retries).toBe(1);
    // Retry-After: 1 → at least ~1 s, far more than the 20 ms backoff configured.
    expect(waited).toBeGreaterThanOrEqual(950);
  });

  it("caps a huge Retry-After at maxRetryAfterMs", async () => {
    const { client, hits } = await session(
      (res, hit) => {
        if (hit === 1) return json(res, 429, { error: "x" }, { "retry-after": "3600" });
        json(res, 200, { count: 0, associations: [] });
      },
      { retry: { maxRetryAfterMs: 50, baseDelayMs: 10 } },
    );
    const t0 = performance.now();
    await client.listAssociations("t", "42");
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(hits()).toBe(2);
  });

  it("does not retry a chain append (not idempotent): typed 429 error", async () => {
    const { client, hits } = await session((res) => {
      json(res, 429, { error: "busy", code: "RATE_LIMITED" }, { "retry-after": "0" });
    });
    const err = await client.appendBlock("c", 0, "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(429);
    expect((err as ApiError).code).toBe("RATE_LIMITED");
    expect(hits()).toBe(1);
  });

  it("does not retry an object create on 503", async () => {
    const { client, hits } = await session((res) => {
      json(res, 503, { error: "unavailable" });
    });
    await expect(client.putJson({ type: 7001, version: 0, value: {} })).rejects.toMatchObject({
      status: 503,
    });
    expect(hits()).toBe(1);
  });

  it("retries a GET on 503 with backoff until it succeeds", async () => {
    const { client, hits } = await session((res, hit) => {
      if (hit < 3) return json(res, 503, { error: "unavailable" });
      json(res, 200, { type: 7001, id: "5", version: 1, data_b64: Buffer.from("{}").toString("base64") });
    });
    const obj = await client.getJson(7001, "5");
    expect(obj?.value).toEqual({});
    expect(hits()).toBe(3);
  });
});

describe("network failures", () => {
  it("connection refused → NetworkError after bounded retries", async () => {
    const port = await closedPort();
    const client = new SubstrateClient({
      baseUrl: `http://127.0.0.1:${port}`,
      credentials: { username: "u", password: PASSWORD },
      retry: { limit: 3, baseDelayMs: 10, maxDelayMs: 40 },
    });
    const err = await client.login().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).code).toBe("NETWORK");
    expect((err as NetworkError).causeCode).toBe("ECONNREFUSED");
    expect((err as NetworkError).attempts).toBe(4);
    expect(client.stats.requests).toBe(4);
    expect(client.stats.failures).toBe(1);
    expect(String(err)).not.toContain(PASSWORD);
  });

  it("a server that never answers → TimeoutError, not retried", async () => {
    let hits = 0;
    const s = await scripted(() => {
      hits++; // never answer
    });
    const client = new SubstrateClient({
      baseUrl: s.url,
      credentials: { username: "u", password: PASSWORD },
      timeoutMs: 300,
    });
    const err = await client.login().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).timeoutMs).toBe(300);
    expect(hits).toBe(1);
  });

  it("a body that stalls after the headers → TimeoutError (the timeout covers the body)", async () => {
    const s = await scripted((req, res) => {
      if (req.url === "/api/auth/login") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"jwt":');
        return; // stall
      }
    });
    const client = new SubstrateClient({ baseUrl: s.url, timeoutMs: 300 });
    await expect(client.login({ username: "u", password: PASSWORD })).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe("garbage answers", () => {
  it("a 2 MB garbage body → InvalidResponseError, and the client keeps working", async () => {
    const garbage = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 251;
    let first = true;
    const { client } = await session((res) => {
      if (first) {
        first = false;
        res.writeHead(200, { "content-type": "application/json", "content-length": garbage.length });
        res.end(garbage);
        return;
      }
      json(res, 200, { count: 0, associations: [] });
    });
    const err = await client.listAssociations("t", "42").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect((err as InvalidResponseError).code).toBe("INVALID_RESPONSE");
    expect((await client.listAssociations("t", "42")).count).toBe(0);
  });

  it("invalid JSON → InvalidResponseError", async () => {
    const { client } = await session((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"count": 1, "associations": [');
    });
    await expect(client.listAssociations("t", "42")).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it("valid JSON of the wrong shape → InvalidResponseError naming the field", async () => {
    const { client } = await session((res) => {
      json(res, 200, { type: 7001, id: "x-not-an-id", version: 1, data_b64: "" });
    });
    const err = await client.getObject(7001, "1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect((err as Error).message).toContain("id");
  });

  it("an answer larger than maxResponseBytes → InvalidResponseError (body not buffered)", async () => {
    const { client } = await session(
      (res) => {
        json(res, 200, { count: 0, associations: [], pad: "x".repeat(200_000) });
      },
      { maxResponseBytes: 10_000 },
    );
    const err = await client.listAssociations("t", "42").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect((err as Error).message).toContain("too large");
  });

  it("a non-JSON error page → ApiError with a short text body", async () => {
    const { client } = await session(
      (res) => {
        res.writeHead(502, { "content-type": "text/html" });
        res.end(`<html>${"bad gateway ".repeat(1000)}</html>`);
      },
      { retry: { limit: 0 } },
    );
    const err = await client.getObject(7001, "1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("HTTP_502");
    expect(String((err as ApiError).body).length).toBeLessThanOrEqual(512);
  });
});

describe("version clash", () => {
  it.each([409, 500])("object PUT answered %i → VersionClashError", async (status) => {
    const { client } = await session((res) => {
      json(res, status, { error: "Conflict: version", code: status === 409 ? "VERSION_CLASH" : undefined });
    });
    const err = await client.putJson({ type: 7005, id: "9", version: 3, value: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionClashError);
    expect((err as VersionClashError).code).toBe("VERSION_CLASH");
    expect((err as VersionClashError).status).toBe(status);
  });
});

describe("keep-alive", () => {
  // undici hands a socket back to its pool a tick after the body ends, so a
  // call issued immediately may open a second socket; after that the pool
  // alternates between the two. Without keep-alive this would be 42 sockets.
  it("reuses a constant handful of TCP connections for many sequential calls", async () => {
    const { client, server: s } = await session((res) => {
      json(res, 200, { count: 0, associations: [] });
    });
    for (let i = 0; i < 40; i++) await client.listAssociations("t", "42");
    expect(client.stats.requests).toBe(42);
    expect(s.connections).toBeLessThanOrEqual(3); // measured: 2
  });

  it("control: a server that closes every connection is seen as one connection per call", async () => {
    const { client, server: s } = await session((res) => {
      json(res, 200, { count: 0, associations: [] }, { connection: "close" });
    });
    const before = s.connections;
    for (let i = 0; i < 10; i++) await client.listAssociations("t", "42");
    // (Sockets the login left in the pool may serve a call or two before they close.)
    expect(s.connections - before).toBeGreaterThanOrEqual(7);
  });
});

describe("secrets never leak", () => {
  it("an error body echoing the password or JWT is scrubbed; inspect() shows neither", async () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.super-secret-jwt";
    const s = await scripted((req, res, body) => {
      if (answerAuth(req, res, jwt)) return;
      json(res, 400, {
        error: `bad input; you sent ${PASSWORD} with ${req.headers.authorization}`,
        echo: body.toString(),
      });
    });
    const client = await loggedIn(s.url);
    const err = await client.getObject(7001, "1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const shown = `${String(err)} ${JSON.stringify(err)} ${inspect(err, { depth: 10 })}`;
    expect(shown).not.toContain(PASSWORD);
    expect(shown).not.toContain("super-secret-jwt");
    expect(shown).toContain("[redacted]");
  });

  it("a failed login names no password", async () => {
    const s = await scripted((_req, res) => json(res, 401, { error: "invalid credentials" }));
    const client = new SubstrateClient({ baseUrl: s.url });
    const err = await client.login({ username: "u", password: PASSWORD }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect(inspect(err, { depth: 10 })).not.toContain(PASSWORD);
  });
});

describe("onRequest hook", () => {
  it("is called once per attempt with route and status; a throwing hook breaks nothing", async () => {
    const s = await scripted((req, res) => {
      if (answerAuth(req, res)) return;
      json(res, 200, { count: 0, associations: [] });
    });
    const events: { route: string; status: number }[] = [];
    const client = await loggedIn(s.url, {
      onRequest: (e) => {
        events.push({ route: e.route, status: e.status });
        throw new Error("hook bug");
      },
    });
    await client.listAssociations("t", "42");
    expect(events).toEqual([
      { route: "POST /api/auth/login", status: 200 },
      { route: "GET /api/account/me", status: 200 },
      { route: "GET /api/objects/:tenant/associations/:type/:sourceId", status: 200 },
    ]);
  });
});
