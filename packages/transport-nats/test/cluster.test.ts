// Failover on a real 3-node NATS cluster with routes: two agents (in this process, each over its
// own NATS connection, with a real substrate server on SQLite) attached to different nodes
// complete sessions; `kill -9` of one agent's node, and sessions resume through another node
// (learned from the cluster, not configured) within 2 × sessionTimeoutMs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Agent, createAgent } from "@hsagent/agent";
import { SubstrateClient } from "@hsagent/substrate-client";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NatsTransport } from "../src/index.js";
import { type NatsNode, startNatsCluster, stopAll } from "../src/testing.js";
import { until } from "./helpers.js";

const SESSION_TIMEOUT_MS = 6000;
const CONFIG = { registerIntervalMs: 300, retransmitMs: 300, sessionTimeoutMs: SESSION_TIMEOUT_MS };

let nodes: NatsNode[] = [];
let substrate: RunningSubstrateServer;
let dir: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hsagent-nats-cluster-"));
  substrate = await startSubstrateServer({
    host: "127.0.0.1",
    port: 0,
    db: `sqlite:${join(dir, "substrate.db")}`,
    rateLimit: false,
    sqliteSynchronous: "NORMAL",
    jwtSecret: "x".repeat(48),
  });
  nodes = await startNatsCluster(3);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await stopAll(nodes);
  await substrate?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const username = `tenant${Math.random().toString(36).slice(2, 10)}`;

async function startOn(
  name: string,
  node: NatsNode,
): Promise<{ agent: Agent; transport: NatsTransport; closed: number[] }> {
  const client = new SubstrateClient({
    baseUrl: substrate.url,
    credentials: { username, password: "test-password-1234" },
    autoRegister: true,
  });
  await client.login();
  const transport = new NatsTransport({
    servers: [node.client],
    tenant: client.accountId,
    reconnectTimeWaitMs: 100,
  });
  await transport.connect();
  const agent = createAgent({
    name,
    transport,
    substrate: { client },
    vaultPassphrase: `pp-${name}`,
    config: CONFIG,
  });
  const closed: number[] = [];
  agent.on("closed", () => closed.push(Date.now()));
  cleanups.push(async () => {
    await agent.stop();
    await transport.close();
  });
  await agent.start();
  return { agent, transport, closed };
}

describe("agents on a 3-node NATS cluster", () => {
  it("complete sessions across nodes, and resume after kill -9 of one agent's node", async () => {
    const alpha = await startOn("alpha", nodes[0]!);
    const beta = await startOn("beta", nodes[1]!);
    expect(alpha.transport.server).toBe(nodes[0]!.client);
    expect(beta.transport.server).toBe(nodes[1]!.client);
    await until(() => alpha.closed.length >= 3 && beta.closed.length >= 3, "3 sessions on each side", 30_000);

    const killedAt = Date.now();
    const before = beta.closed.length;
    await nodes[1]!.kill9();
    await until(
      () => beta.closed.length >= before + 3,
      "3 sessions after the kill",
      2 * SESSION_TIMEOUT_MS + 20_000,
    );
    const firstAfter = beta.closed[before]! - killedAt;
    // The first session after the kill ends within 2 × sessionTimeoutMs of it.
    expect(firstAfter).toBeLessThanOrEqual(2 * SESSION_TIMEOUT_MS);
    // beta was given only node 2: it found another node through the cluster.
    expect([nodes[0]!.client, nodes[2]!.client]).toContain(beta.transport.server);
    expect(beta.transport.stats().reconnects).toBeGreaterThanOrEqual(1);
    process.stderr.write(
      `[cluster] first session ${firstAfter} ms after kill -9; 3 more in ${beta.closed[before + 2]! - killedAt} ms\n`,
    );
  });
});
