// TLS: a nats-server with a certificate from a throw-away CA (made with openssl). `nats+tls://`
// with the CA file (HSAGENT_NATS_CA) connects and delivers; without the CA the connection is
// refused, so the CA file is really what is trusted.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RelayMessage } from "@hsagent/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNatsTransport } from "../src/index.js";
import { type NatsNode, startNatsNode } from "../src/testing.js";

let dir: string;
let node: NatsNode;

function openssl(args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hsagent-nats-tls-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=hsagent-test-ca",
  ]);
  openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "1",
    "-extfile",
    "san.ext",
  ]);
  node = await startNatsNode([
    "--tls",
    "--tlscert",
    join(dir, "server.pem"),
    "--tlskey",
    join(dir, "server.key"),
  ]);
});
afterAll(async () => {
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("nats+tls:// with a CA file", () => {
  it("connects and delivers when the CA is given, and refuses an untrusted server", async () => {
    const url = `nats+tls://${node.client}`;
    const env = { HSAGENT_NATS_CA: join(dir, "ca.pem") };
    const a = await openNatsTransport(url, { tenant: "t1", env });
    const b = await openNatsTransport(url, { tenant: "t1", env });
    try {
      const got: RelayMessage[] = [];
      b.onMessage((m) => got.push(m));
      await a.bind({ agentId: "a" });
      await b.bind({ agentId: "b" });
      await a.send({ to: "b", from: "a", intent: "confirm" });
      const end = Date.now() + 10_000;
      while (got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(got.map((m) => m.payload.intent)).toEqual(["confirm"]);
    } finally {
      await a.close();
      await b.close();
    }
    await expect(
      openNatsTransport(url, { tenant: "t1", env: {}, options: { connectTimeoutMs: 3000 } }),
    ).rejects.toMatchObject({
      code: "NOT_CONNECTED",
    });
  });
});
