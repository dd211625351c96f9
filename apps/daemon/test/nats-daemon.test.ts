import type { RunningSubstrateServer } from "@hsagent/substrate-server";
import { type NatsNode, startNatsNode } from "@hsagent/transport-nats/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestWorld } from "../../cli/test/helpers.js";
import { parseDaemonConfig, startDaemon } from "../src/index.js";

const NATS_PASSWORD = `nats-pw-${Math.random().toString(36).slice(2)}`;
let substrate: RunningSubstrateServer;
let node: NatsNode;

useTestWorld("hsagentd-nats-", (w) => ({ substrate } = w), { relay: false });
beforeAll(async () => {
  node = await startNatsNode(["--user", "fleet", "--pass", NATS_PASSWORD]);
});
afterAll(async () => {
  await node?.stop();
});

function closed(text: string, agent: string): number {
  const m = new RegExp(`^hsagent_sessions_total\\{agent="${agent}",outcome="closed"\\} (\\d+)`, "m").exec(
    text,
  );
  return m ? Number(m[1]) : 0;
}

describe("hsagentd with a nats:// relay", () => {
  it("runs its agents on NATS with credentials from the environment", async () => {
    const config = parseDaemonConfig({
      substrate: substrate.url,
      relay: `nats://${node.client}`,
      agents: ["alpha", "beta"],
      http: { port: 0 },
      protocol: { registerIntervalMs: 300 },
    });
    const daemon = await startDaemon(config, {
      logger: pino({ level: "silent" }),
      env: {
        HSAGENT_USERNAME: `tenant${Math.random().toString(36).slice(2, 8)}`,
        HSAGENT_PASSWORD: "Daemon-Nats-Pw-1234",
        HSAGENT_VAULT_PASSPHRASE: "daemon-nats-passphrase",
        HSAGENT_NATS_USER: "fleet",
        HSAGENT_NATS_PASSWORD: NATS_PASSWORD,
      },
    });
    try {
      expect(daemon.ready).toBe(true);
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        const text = await daemon.metricsText();
        if (closed(text, "alpha") + closed(text, "beta") >= 4) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const text = await daemon.metricsText();
      expect(closed(text, "alpha") + closed(text, "beta")).toBeGreaterThanOrEqual(4);
    } finally {
      await daemon.stop();
    }
  }, 90_000);
});
