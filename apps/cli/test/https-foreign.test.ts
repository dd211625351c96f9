// End-to-end, with the BUILT binary: `hsagent substrate serve --tls-cert --tls-key` serves HTTPS
// with a certificate made at test time; two agents (`hsagent run --ca-file`, one with the pre-flight
// selftest over HTTPS) complete a session through it; the agent's audit chain refuses another tenant's append (403); and where such a block
// got in anyway (hosted semantics, here: the owner-write-only mark removed), `inspect-session` counts
// it as foreign, in words and in --json.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RelayServer, startRelay } from "@hsagent/relay";
import { ApiError, SubstrateClient } from "@hsagent/substrate-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliChild, jsonLines, runCli, startCli, waitFor } from "./helpers.js";

const USERNAME = "tls_user";
const PASSWORD = "Tls-Secret-Pw-4711";
const PASSPHRASE = "Vault-Passphrase-tls-0815";

let dir: string;
let certFile: string;
let ca: string;
let server: CliChild;
let url: string;
let relay: RelayServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hsagent-cli-tls-"));
  certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"]
      .concat(["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
      .concat(["-keyout", keyFile, "-out", certFile]),
    { stdio: "ignore" },
  );
  ca = readFileSync(certFile, "utf8");
  server = startCli([
    "substrate",
    "serve",
    "--port",
    "0",
    "--db",
    `sqlite:${join(dir, "substrate.db")}`,
    "--tls-cert",
    certFile,
    "--tls-key",
    keyFile,
  ]);
  await waitFor(() => /substrate listening on (\S+)/.test(server.out.stdout), 30_000, "the substrate");
  url = (/substrate listening on (\S+)/.exec(server.out.stdout) as RegExpExecArray)[1] as string;
  relay = await startRelay({ port: 0 });
}, 60_000);

afterAll(async () => {
  server?.child.kill("SIGTERM");
  await relay?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function login(body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${url}/api/auth/login`,
      { method: "POST", ca, headers: { "content-type": "application/json" } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("hsagent over an https:// substrate", () => {
  it("prints an https:// URL and answers bad credentials with 401", async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:[0-9]+$/);
    expect(await login({ username: "nobody", password: "wrong-password" })).toBe(401);
  });

  it("agents complete a session; the audit chain refuses foreign appends; inspect-session flags foreign blocks", async () => {
    const cfg = join(dir, "client_config.json");
    const fixture = JSON.parse(
      readFileSync(new URL("./fixtures/client_config.json", import.meta.url), "utf8"),
    );
    fixture.port = relay.address.port;
    fixture.api.base_url = url;
    fixture.api.credentials = { username: USERNAME, password: PASSWORD };
    writeFileSync(cfg, JSON.stringify(fixture), { mode: 0o600 });
    const env = { HSAGENT_VAULT_PASSPHRASE: PASSPHRASE };
    const common = ["--config", cfg, "--ca-file", certFile, "--log-format", "json"];
    // alpha runs the pre-flight selftest over HTTPS (with the CA file); beta skips it.
    const alpha = startCli(["run", "--name", "alpha", ...common], { env });
    await waitFor(() => alpha.out.stdout.includes('"event":"selftest"'), 90_000, "alpha's pre-flight");
    const beta = startCli(["run", "--name", "beta", ...common, "--skip-selftest"], { env });
    try {
      const closedWith = (out: { stdout: string }, peer: string) =>
        jsonLines(out.stdout).some((l) => l.event === "closed" && l.peerName === peer);
      await waitFor(
        () => closedWith(alpha.out, "beta") && closedWith(beta.out, "alpha"),
        90_000,
        "a session",
      );
    } finally {
      alpha.child.kill("SIGTERM");
      beta.child.kill("SIGTERM");
    }
    await new Promise((r) => setTimeout(r, 1000));

    const inspectArgs = ["inspect-session", "--config", cfg, "--ca-file", certFile, "--name", "alpha"];
    const inspect = async () => {
      const r = await runCli([...inspectArgs, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).agents[0] as { agentId: string; foreign: number; auditChainValid: boolean };
    };
    const before = await inspect();
    expect(before.foreign).toBe(0);
    const chain = `hsagent-audit-${before.agentId}`;

    const mallory = new SubstrateClient({
      baseUrl: url,
      ca,
      credentials: { username: "mallory", password: "mallory-password" },
      autoRegister: true,
    });
    await mallory.login();
    const forged = JSON.stringify({
      v: 1,
      batch: "forged",
      agentId: before.agentId,
      events: [{ type: "SESSION_CLOSED", at: new Date().toISOString() }],
    });
    const refused = await mallory
      .appendBlock(chain, 0, forged, { tenant: USERNAME })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(403);

    // Hosted semantics: without the mark the append is accepted; the reader flags it.
    const owner = new SubstrateClient({
      baseUrl: url,
      ca,
      credentials: { username: USERNAME, password: PASSWORD },
    });
    await owner.login();
    await owner.setChainOwnerWriteOnly(chain, false);
    await mallory.appendBlock(chain, 0, forged, { tenant: USERNAME });
    const after = await inspect();
    expect(after.foreign).toBe(1);
    const human = await runCli(inspectArgs);
    expect(human.stdout).toMatch(
      /1 foreign block\(s\) in the audit chain, written by another account \(mallory\)/,
    );
    owner.close();
    mallory.close();
  }, 200_000);
});
