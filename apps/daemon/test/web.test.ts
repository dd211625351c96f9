// hsagentd's `web` section: the fleet page starts beside /metrics, shows the daemon's agents with
// their sessions, and refuses to listen beyond loopback without a token.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RelayServer, startRelay } from "@hsagent/relay";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Daemon, parseDaemonConfig, startDaemon } from "../src/index.js";

const ENV = {
  HSAGENT_USERNAME: "web_user",
  HSAGENT_PASSWORD: "Web-Daemon-Secret-Pw-99",
  HSAGENT_VAULT_PASSPHRASE: "Web-Daemon-Vault-Passphrase-7",
};
let dir: string;
let substrate: RunningSubstrateServer;
let relay: RelayServer;
let daemon: Daemon | null = null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hsagentd-web-"));
  substrate = await startSubstrateServer({ db: `sqlite:${join(dir, "s.db")}`, port: 0 });
  relay = await startRelay({ port: 0 });
});

afterAll(async () => {
  await daemon?.stop();
  await relay?.close();
  await substrate?.close();
  await rm(dir, { recursive: true, force: true });
});

const config = (web: unknown) =>
  parseDaemonConfig({
    substrate: substrate.url,
    relay: `127.0.0.1:${relay.address.port}`,
    agents: ["alpha", "beta"],
    http: { host: "127.0.0.1", port: 0 },
    protocol: { registerIntervalMs: 200 },
    web,
  });

describe("hsagentd web", () => {
  it("serves the fleet page with the daemon's agents and their sessions", async () => {
    daemon = await startDaemon(config({ host: "127.0.0.1", port: 0 }), {
      env: ENV,
      logger: pino({ level: "silent" }),
    });
    expect(daemon.webUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const snapshot = async () =>
      (await (await fetch(`${daemon?.webUrl}api/snapshot`)).json()) as {
        agents: { name: string; state: string }[];
        sessionsTotal: number;
        title: string;
      };
    const deadline = Date.now() + 30_000;
    let s = await snapshot();
    while (s.sessionsTotal < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      s = await snapshot();
    }
    expect(s.title).toBe("hsagentd");
    expect(s.agents.map((a) => a.name).sort()).toEqual(["alpha", "beta"]);
    expect(s.sessionsTotal).toBeGreaterThanOrEqual(2);
    const page = await fetch(daemon.webUrl as string);
    expect(page.status).toBe(200);
    const metrics = await fetch(`${daemon.url}/metrics`);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    expect(await metrics.text()).toContain('hsagent_agent_ready{agent="alpha"} 1');
    await daemon.stop();
    daemon = null;
  }, 60_000);

  it("refuses a page beyond loopback without a token, before any agent starts", async () => {
    await expect(
      startDaemon(config({ host: "0.0.0.0", port: 0 }), { env: ENV, logger: pino({ level: "silent" }) }),
    ).rejects.toMatchObject({ code: "WEB_TOKEN_REQUIRED" });
  });
});
