// The selftest against our server serving HTTPS with a certificate made at test time: with the
// certificate passed as `ca` every check passes (typed client, raw tenant probes, reachability
// probe); without it the run stops at the probe with SUBSTRATE_UNREACHABLE.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runSelfTest } from "../src/index.js";

let server: RunningSubstrateServer;
let dir: string;
let ca: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hsagent-selftest-tls-"));
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

it("passes every check over https:// with the CA given", async () => {
  const report = await runSelfTest({ baseUrl: server.url, ca });
  expect(report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.error}`)).toEqual([]);
  expect(report.ok).toBe(true);
}, 90_000);

it("cannot reach an https:// substrate whose certificate it does not trust", async () => {
  await expect(runSelfTest({ baseUrl: server.url })).rejects.toMatchObject({ code: "SUBSTRATE_UNREACHABLE" });
});
