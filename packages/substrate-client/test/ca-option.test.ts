// The `ca` option against our server serving HTTPS itself with a certificate made at test time:
// trusted, a bad login is 401 and a session works; without it the handshake is refused. Also the
// owner-write-only call: another tenant's append to the marked chain is then refused with 403.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, SubstrateClient, SubstrateError } from "../src/index.js";

let server: RunningSubstrateServer;
let dir: string;
let ca: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hsagent-ca-"));
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"]
      .concat(["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
      .concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]),
    { stdio: "ignore" },
  );
  ca = readFileSync(join(dir, "cert.pem"), "utf8");
  server = await startSubstrateServer({
    db: "sqlite::memory:",
    rateLimit: false,
    logger: false,
    scrypt: { N: 1024, r: 8, p: 1 },
    tls: { cert: ca, key: readFileSync(join(dir, "key.pem"), "utf8") },
  });
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("ca option", () => {
  it("talks to an https:// substrate whose certificate it is given", async () => {
    expect(server.url).toMatch(/^https:/);
    const bad = new SubstrateClient({
      baseUrl: server.url,
      ca,
      credentials: { username: "nobody", password: "wrong-password" },
    });
    const err = await bad.login().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    const c = new SubstrateClient({
      baseUrl: server.url,
      ca,
      credentials: { username: "ca-user", password: "ca-password" },
      autoRegister: true,
    });
    await c.login();
    const { id } = await c.putObject({ type: 9, version: 0, data: new TextEncoder().encode("tls") });
    expect(id).toMatch(/^[0-9]+$/);
    c.close();
    bad.close();
  });

  it("refuses the handshake without it", async () => {
    const c = new SubstrateClient({
      baseUrl: server.url,
      credentials: { username: "x", password: "long-password" },
      retry: { limit: 0 },
    });
    const err = await c.login().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubstrateError);
    expect((err as SubstrateError).code).toBe("NETWORK");
    c.close();
  });

  it("marks a chain owner-write-only: another tenant's append gets 403", async () => {
    const owner = new SubstrateClient({
      baseUrl: server.url,
      ca,
      credentials: { username: "owner", password: "owner-password" },
      autoRegister: true,
    });
    const other = new SubstrateClient({
      baseUrl: server.url,
      ca,
      credentials: { username: "other", password: "other-password" },
      autoRegister: true,
    });
    await owner.login();
    await other.login();
    await owner.setChainOwnerWriteOnly("hsagent-audit-9");
    const err = await other
      .appendBlock("hsagent-audit-9", 0, "forged", { tenant: "owner" })
      .catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(403);
    await owner.appendBlock("hsagent-audit-9", 0, "mine");
    owner.close();
    other.close();
  });
});
