// Stalled and oversized bodies on a real server with short timeouts: a stalled body gets 408 and its
// connection is closed, stalled headers and a chunked body of absurd declared size are closed too,
// and bodies beyond the server's body budget are refused with 429 while others are held.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSubstrateServer, startSubstrateServer } from "../src/index.js";
import { newUser, TEST_SCRYPT, type User } from "./helpers.js";
import { stall } from "./raw-http.js";

describe("body guards", () => {
  let server: RunningSubstrateServer;
  let alice: User;
  beforeAll(async () => {
    server = await startSubstrateServer({
      db: "sqlite::memory:",
      scrypt: TEST_SCRYPT,
      logger: false,
      rateLimit: false,
      timeouts: { bodyMs: 4000, headersMs: 1500, checkEveryMs: 500 },
      bodyBudgetBytes: 1024 * 1024,
    });
    alice = await newUser(server.url, "bodies");
  });
  afterAll(async () => server?.close());

  const appendHead = (len: number | "chunked") =>
    `POST /api/chains/append/${alice.username}/c/0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.client.token}\r\n` +
    `Content-Type: application/octet-stream\r\n${len === "chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${len}`}\r\n\r\n`;

  it("answers a body that stops half-way with 408 and closes the connection", async () => {
    const s = stall(server.url, appendHead(1000), Buffer.alloc(10, 1));
    const { reply, afterMs } = await s.closed;
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(afterMs).toBeLessThan(15_000);
  });

  it("closes a chunked body declaring size FFFFFFFFFFFFFFFF, and stalled headers", async () => {
    const chunked = stall(server.url, `${appendHead("chunked")}FFFFFFFFFFFFFFFF\r\nabc`);
    const headers = stall(server.url, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-");
    const [c, h] = await Promise.all([chunked.closed, headers.closed]);
    expect(c.reply).not.toMatch(/^HTTP\/1\.1 2/);
    expect(c.afterMs).toBeLessThan(15_000);
    expect(h.reply).not.toMatch(/^HTTP\/1\.1 2/);
    expect(h.afterMs).toBeLessThan(15_000);
  });

  it("refuses a body that would take the held bytes past the budget with 429 and Retry-After", async () => {
    const first = stall(server.url, appendHead(900 * 1024), Buffer.alloc(800 * 1024, 1));
    // Let the first body's 800 KiB arrive (a loaded machine may need a while).
    await new Promise((r) => setTimeout(r, 1500));
    const second = stall(server.url, appendHead(900 * 1024), Buffer.alloc(300 * 1024, 2));
    const refused = await second.closed;
    expect(refused.reply).toMatch(/^HTTP\/1\.1 429/);
    expect(refused.reply).toMatch(/retry-after: 1/i);
    // The first is still being received until its own deadline.
    expect(first.socket.destroyed).toBe(false);
    expect((await first.closed).reply).toMatch(/^HTTP\/1\.1 408/);
    // Once it is gone its bytes are returned: a normal append fits again.
    const ok = await alice.client.post(
      `/api/chains/append/${alice.username}/c/0`,
      Buffer.alloc(900 * 1024, 3),
      {
        raw: true,
      },
    );
    expect(ok.status).toBe(201);
  });

  it("refuses a declared length over the whole budget at once", async () => {
    const s = stall(server.url, appendHead(2 * 1024 * 1024), Buffer.alloc(10));
    const { reply, afterMs } = await s.closed;
    expect(reply).toMatch(/^HTTP\/1\.1 429/);
    expect(afterMs).toBeLessThan(3000);
  });

  it("keeps the last sixth of the budget for small bodies: large uploads cannot starve ordinary calls", async () => {
    const roomy = await startSubstrateServer({
      db: "sqlite::memory:",
      scrypt: TEST_SCRYPT,
      logger: false,
      rateLimit: false,
      timeouts: { bodyMs: 3000, checkEveryMs: 500 },
      bodyBudgetBytes: 6 * 1024 * 1024, // large share: 5 MiB
    });
    try {
      const u = await newUser(roomy.url, "share");
      const head = (len: number) =>
        `POST /api/chains/append/${u.username}/c/0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${u.client.token}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${len}\r\n\r\n`;
      const big = stall(roomy.url, head(5 * 1024 * 1024), Buffer.alloc(4.5 * 1024 * 1024, 1));
      await new Promise((r) => setTimeout(r, 500));
      const second = stall(roomy.url, head(2 * 1024 * 1024), Buffer.alloc(1024 * 1024, 2));
      expect((await second.closed).reply).toMatch(/^HTTP\/1\.1 429/);
      const small = await u.client.put(`/api/objects/${u.id}`, {
        type: 3,
        data: Buffer.alloc(200_000).toString("base64"),
      });
      expect(small.status).toBe(201);
      expect(big.socket.destroyed).toBe(false);
      big.socket.destroy();
    } finally {
      await roomy.close();
    }
  });
});
