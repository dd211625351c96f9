// HTTPS: a server with a certificate generated at test time answers a bad login with 401 to a
// client that trusts the certificate, and a client that does not is refused at the handshake.

import { makeTestCert, type TestCert } from "@hsagent/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSubstrateServer, startSubstrateServer } from "../src/index.js";
import { PKG, spawnBin, TEST_SCRYPT } from "./helpers.js";
import { requestJson } from "./raw-http.js";

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
    // Every call trusts the test certificate.
    const call = (method: string, path: string, json?: unknown, token?: string) =>
      requestJson(server.url, method, path, json, { ca: cert.cert, ...(token ? { token } : {}) });
    const bad = await call("POST", "/api/auth/login", { username: "nobody", password: "wrong-password" });
    expect(bad.status).toBe(401);
    const reg = await call("POST", "/api/auth/register", { username: "tls-user", password: "tls-password" });
    expect(reg.status).toBe(201);
    const me = await call("GET", "/api/account/me", undefined, reg.body.jwt);
    expect(me.body.account.attrs.username).toBe("tls-user");
  });

  it("is refused by a client that does not trust the certificate", async () => {
    await expect(requestJson(server.url, "GET", "/api/account/me")).rejects.toThrow(
      /self[- ]signed|certificate/i,
    );
  });
});

describe("hsagent-substrate --tls-cert --tls-key", () => {
  it("prints an https:// URL and answers a bad login with 401; one flag alone exits 2", async () => {
    const cert = makeTestCert();
    const bin = spawnBin(
      [
        "--port",
        "0",
        "--db",
        "sqlite::memory:",
        "--log-level",
        "silent",
        "--tls-cert",
        cert.certFile,
        "--tls-key",
        cert.keyFile,
      ],
      PKG,
    );
    try {
      const url = await bin.ready;
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:[0-9]+$/);
      const bad = await requestJson(
        url,
        "POST",
        "/api/auth/login",
        { username: "nobody", password: "wrong-password" },
        { ca: cert.cert },
      );
      expect(bad.status).toBe(401);
    } finally {
      bin.child.kill("SIGTERM");
      await bin.exited;
    }
    const half = spawnBin(["--port", "0", "--db", "sqlite::memory:", "--tls-cert", cert.certFile], PKG);
    expect(await half.exited).toBe(2);
    expect(half.stderr()).toMatch(/--tls-cert and --tls-key go together/);
  }, 60_000);
});
