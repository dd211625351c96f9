// HTTPS: a server with a certificate generated at test time answers a bad login with 401 to a
// client that trusts the certificate, and a client that does not is refused at the handshake.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSubstrateServer, startSubstrateServer } from "../src/index.js";
import { TEST_SCRYPT } from "./helpers.js";
import { requestJson } from "./raw-http.js";
import { makeTestCert, type TestCert } from "./tls-cert.js";

describe("HTTPS", () => {
  let server: RunningSubstrateServer;
  let cert: TestCert;
  beforeAll(async () => {
    cert = makeTestCert();
    server = await startSubstrateServer({
      db: "sqlite::memory:",
      scrypt: TEST_SCRYPT,
      logger: false,
      tls: { cert: cert.cert, key: cert.key },
    });
  });
  afterAll(async () => server?.close());

  it("serves https:// and answers bad credentials with 401", async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:[0-9]+$/);
    const bad = await requestJson(
      server.url,
      "POST",
      "/api/auth/login",
      { username: "nobody", password: "wrong-password" },
      { ca: cert.cert },
    );
    expect(bad.status).toBe(401);
    const reg = await requestJson(
      server.url,
      "POST",
      "/api/auth/register",
      { username: "tls-user", password: "tls-password" },
      { ca: cert.cert },
    );
    expect(reg.status).toBe(201);
    const me = await requestJson(server.url, "GET", "/api/account/me", undefined, {
      ca: cert.cert,
      token: reg.body.jwt,
    });
    expect(me.body.account.attrs.username).toBe("tls-user");
  });

  it("is refused by a client that does not trust the certificate", async () => {
    await expect(requestJson(server.url, "GET", "/api/account/me")).rejects.toThrow(
      /self[- ]signed|certificate/i,
    );
  });
});
