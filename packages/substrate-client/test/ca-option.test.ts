// The `ca` option against our server serving HTTPS itself with a certificate made at test time:
// trusted, a bad login is 401 and a session works; without it the handshake is refused. Also the
// owner-write-only call: another tenant's append to the marked chain is then refused with 403.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, SubstrateClient, SubstrateError } from "../src/index.js";
import { freshClient } from "./helpers/substrate.js";
import { startWithCert, type TlsSubstrate } from "./helpers/tls.js";

let server: TlsSubstrate;

beforeAll(async () => {
  server = await startWithCert({ tls: true });
});

afterAll(() => server?.stop());

describe("ca option", () => {
  it("talks to an https:// substrate whose certificate it is given", async () => {
    expect(server.url).toMatch(/^https:/);
    const bad = new SubstrateClient({
      baseUrl: server.url,
      ca: server.ca,
      credentials: { username: "nobody", password: "wrong-password" },
    });
    const err = await bad.login().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    const c = await freshClient(server.url, { ca: server.ca });
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
    const [owner, other] = await Promise.all([
      freshClient(server.url, { ca: server.ca }),
      freshClient(server.url, { ca: server.ca }),
    ]);
    await owner.setChainOwnerWriteOnly("hsagent-audit-9");
    const err = await other
      .appendBlock("hsagent-audit-9", 0, "forged", { tenant: owner.username })
      .catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(403);
    await owner.appendBlock("hsagent-audit-9", 0, "mine");
    owner.close();
    other.close();
  });
});
