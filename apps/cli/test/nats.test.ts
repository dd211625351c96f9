// The CLI on NATS, end to end with the built binary and a real nats-server (token auth):
// `hsagent up --nats URL` completes sessions with no relay, credentials come from the environment
// and never show in output, and a NATS URL carrying credentials is refused before anything starts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NatsNode, startNatsNode } from "@hsagent/transport-nats/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

const TOKEN = `tok-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
let node: NatsNode;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hsagent-cli-nats-"));
  node = await startNatsNode(["--auth", TOKEN]);
});
afterAll(async () => {
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const upArgs = (data: string) => [
  "up",
  "--nats",
  `nats://${node.client}`,
  "--sessions",
  "2",
  "--json",
  "--data-dir",
  data,
  "--substrate-port",
  "0",
  "--timeout",
  "100",
];

describe("hsagent on NATS", () => {
  it("up --nats completes sessions without a relay, with the token from HSAGENT_NATS_TOKEN", async () => {
    const r = await runCli(upArgs(join(dir, "up")), {
      env: { HSAGENT_NATS_TOKEN: TOKEN },
      timeoutMs: 90_000,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { relay: string; pairs: { sessions: number }[] };
    expect(summary.relay).toBe(`nats://${node.client}`);
    expect(summary.pairs[0]?.sessions).toBeGreaterThanOrEqual(2);
    expect(r.stdout).not.toContain(TOKEN);
  }, 150_000);

  it("a wrong token is one sentence and exit 1, and the token is not echoed", async () => {
    const r = await runCli(upArgs(join(dir, "bad")), {
      env: { HSAGENT_NATS_TOKEN: "wrong-token-value" },
      timeoutMs: 80_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NATS/);
    expect(`${r.stdout}${r.stderr}`).not.toContain("wrong-token-value");
  }, 90_000);

  it("run refuses credentials in a NATS URL (exit 2) without printing them", async () => {
    const r = await runCli(["run", "--name", "alpha", "--relay", "nats://alice:s3cr3t-pw@127.0.0.1:4222"], {
      env: { HSAGENT_USERNAME: "u", HSAGENT_PASSWORD: "p", HSAGENT_VAULT_PASSPHRASE: "v" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/credentials do not belong in the URL/);
    expect(`${r.stdout}${r.stderr}`).not.toContain("s3cr3t-pw");
  }, 90_000);
});
