// hsagentd's `web` section: the fleet page starts beside /metrics, shows the daemon's agents with
// their sessions, and refuses to listen beyond loopback without a token.

import type { RelayServer } from "@hsagent/relay";
import type { RunningSubstrateServer } from "@hsagent/substrate-server";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { useTestWorld } from "../../cli/test/helpers.js";
import { type Daemon, parseDaemonConfig, startDaemon } from "../src/index.js";

const ENV = {
  HSAGENT_USERNAME: "web_user",
  HSAGENT_PASSWORD: "Web-Daemon-Secret-Pw-99",
  HSAGENT_VAULT_PASSPHRASE: "Web-Daemon-Vault-Passphrase-7",
};
let substrate: RunningSubstrateServer;
let relay: RelayServer;
let daemon: Daemon | null = null;

useTestWorld("hsagentd-web-", (w) => ({ substrate, relay } = w));
// Registered after the world's teardown, so it runs before it.
afterAll(async () => {
  await daemon?.stop();
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
