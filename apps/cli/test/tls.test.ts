// TLS end to end with real processes: `hsagent relay serve --tls-cert/--tls-key` prints
// `relay listening on tls://…`, a TLS client completes its handshake with it (and a client that
// does not trust the certificate does not), and two `hsagent run --relay tls://… --ca-file`
// agents complete sessions through it against a real substrate server. Build first.

import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import { makeTestCert } from "@hsagent/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, runCli, startCli, waitFor } from "./helpers.js";

const cert = makeTestCert();
let dir: string;
let substrate: RunningSubstrateServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hsagent-cli-tls-"));
  substrate = await startSubstrateServer({ db: `sqlite:${join(dir, "substrate.db")}`, port: 0 });
});
afterAll(async () => {
  await substrate?.close();
  await rm(dir, { recursive: true, force: true });
  rmSync(cert.dir, { recursive: true, force: true });
});

function handshake(port: number, ca?: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: "127.0.0.1", port, ...(ca ? { ca } : {}) }, () => {
      const v = s.getProtocol() ?? "tls";
      s.end();
      resolve(v);
    });
    s.once("error", (err) => resolve(`error: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
  });
}

/** `hsagent relay serve` on any port with the test certificate and `keyFile` as its key. */
const tlsRelayArgs = (keyFile: string) => [
  "relay",
  "serve",
  "--port",
  "0",
  "--tls-cert",
  cert.certFile,
  "--tls-key",
  keyFile,
];

describe("hsagent relay serve --tls-cert/--tls-key", () => {
  it("serves TLS; two agents given tls://HOST:PORT and --ca-file complete sessions", async () => {
    const relay = startCli(tlsRelayArgs(cert.keyFile));
    const agents: ReturnType<typeof startCli>[] = [];
    try {
      await waitFor(() => /relay listening on /.test(relay.out.stdout), 30_000, "relay listening");
      const m = /^relay listening on tls:\/\/127\.0\.0\.1:(\d+)\n$/.exec(relay.out.stdout);
      expect(m, relay.out.stdout).not.toBeNull();
      const port = Number(m![1]);
      expect(await handshake(port, cert.cert)).toMatch(/^TLSv1\.[23]$/);
      expect(await handshake(port)).toMatch(/^error: /); // self-signed: not trusted without the CA

      const env = {
        HSAGENT_VAULT_PASSPHRASE: "tls-vault-passphrase-1",
        HSAGENT_SUBSTRATE_URL: substrate.url,
        HSAGENT_USERNAME: "tls_user",
        HSAGENT_PASSWORD: "Tls-Password-4711",
      };
      const args = (name: string) => [
        "run",
        "--name",
        name,
        "--relay",
        `tls://127.0.0.1:${port}`,
        "--ca-file",
        cert.certFile,
        "--log-format",
        "json",
      ];
      agents.push(startCli(args("tls-alpha"), { env }));
      await waitFor(() => agents[0]!.out.stdout.includes('"event":"selftest"'), 60_000, "pre-flight");
      agents.push(startCli([...args("tls-beta"), "--skip-selftest"], { env }));
      const closed = (i: number) =>
        jsonLines(agents[i]!.out.stdout).filter((l) => l.event === "closed").length;
      await waitFor(() => closed(0) >= 2 && closed(1) >= 2, 60_000, "sessions over TLS");
      const started = jsonLines(agents[0]!.out.stdout).find((l) => l.event === "started");
      expect(started?.relay).toBe(`tls://127.0.0.1:${port}`);
    } finally {
      for (const a of agents) a.child.kill("SIGTERM");
      await Promise.all(agents.map((a) => a.done));
      relay.child.kill("SIGTERM");
    }
    expect((await relay.done).code).toBe(0);
  }, 150_000);

  it("a relay-only CA file without tls:// and a missing key file are usage errors", async () => {
    const env = { HSAGENT_VAULT_PASSPHRASE: "x-passphrase", HSAGENT_USERNAME: "u", HSAGENT_PASSWORD: "p" };
    const r = await runCli(["run", "--name", "x", "--relay", "127.0.0.1:1"], {
      env: { ...env, HSAGENT_RELAY_CA_FILE: cert.certFile },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("not tls://");
    const bad = await runCli(tlsRelayArgs(join(dir, "nope.pem")));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("cannot read the TLS certificate or key");
  }, 60_000);
});
