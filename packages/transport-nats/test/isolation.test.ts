// Tenant isolation with the documented sample configuration (examples/tenants.conf) on a real
// nats-server: an agent of tenant 1001 can neither receive nor inject tenant 1002's messages,
// whatever subjects it tries, while agents of one tenant still reach each other.
import { fileURLToPath } from "node:url";
import type { RelayMessage } from "@hsagent/relay";
import { connect, usernamePasswordAuthenticator } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NatsAuth, NatsTransport } from "../src/index.js";
import { type NatsNode, startNatsNode } from "../src/testing.js";
import { boundTransport, until } from "./helpers.js";

const CONF = fileURLToPath(new URL("../examples/tenants.conf", import.meta.url));
const PASSWORDS = {
  "1001": `pw-a-${Math.random().toString(36).slice(2)}`,
  "1002": `pw-b-${Math.random().toString(36).slice(2)}`,
};
const auth = (tenant: "1001" | "1002"): NatsAuth => ({
  kind: "userpass",
  user: `tenant-${tenant}`,
  pass: PASSWORDS[tenant],
});

let node: NatsNode;
const open: NatsTransport[] = [];

beforeAll(async () => {
  node = await startNatsNode(["-c", CONF], {
    env: { HSAGENT_TENANT_1001_PASSWORD: PASSWORDS["1001"], HSAGENT_TENANT_1002_PASSWORD: PASSWORDS["1002"] },
  });
});
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
  await node?.stop();
});

function join(
  agentId: string,
  tenant: string,
  creds: NatsAuth,
): Promise<{ t: NatsTransport; got: RelayMessage[] }> {
  return boundTransport({ servers: [node.client], tenant, auth: creds }, agentId, open);
}

describe("tenant isolation (examples/tenants.conf)", () => {
  it("refuses a wrong password", async () => {
    const t = new NatsTransport({
      servers: [node.client],
      tenant: "1001",
      auth: { ...auth("1001"), pass: "wrong" } as NatsAuth,
    });
    await expect(t.connect()).rejects.toMatchObject({ code: "NOT_CONNECTED" });
    await t.close();
  });

  it("tenant 1001 can neither receive nor inject tenant 1002's messages", async () => {
    const a1 = await join("a1", "1001", auth("1001"));
    const a2 = await join("a2", "1001", auth("1001"));
    const b1 = await join("b1", "1002", auth("1002"));
    const b2 = await join("b2", "1002", auth("1002"));
    // Mallory holds tenant 1001's credentials but claims tenant 1002 and b2's id.
    const mallory = await join("b2", "1002", auth("1001"));
    // And snoops with a raw connection on every subject its credentials might reach.
    const raw = await connect({
      servers: [node.client],
      authenticator: usernamePasswordAuthenticator("tenant-1001", PASSWORDS["1001"]),
    });
    const snooped: string[] = [];
    const refused: string[] = [];
    for (const subject of [">", "hsagent.>", "hsagent.1002.>", "hsagent.*.discovery", "hsagent.1001.>"]) {
      raw.subscribe(subject, {
        callback: (err, m) => {
          if (err) refused.push(subject);
          else snooped.push(m.subject);
        },
      });
    }
    await raw.flush().catch(() => {});

    // Injection attempts: into 1002's discovery and b1's inbox, and raw publishes.
    await mallory.t.send({ to: null, from: "b2", intent: "register" });
    await mallory.t.send({ to: "b1", from: "b2", intent: "confirm" });
    raw.publish("hsagent.1002.to.b1", new TextEncoder().encode('{"_payload":{"intent":"raw"}}'));
    raw.publish("hsagent.1002.discovery", new TextEncoder().encode('{"_payload":{"intent":"raw"}}'));
    await raw.flush().catch(() => {});

    // Tenant 1002's own traffic, and tenant 1001's (the positive control).
    await b1.t.send({ to: null, from: "b1", intent: "register" });
    await b1.t.send({ to: "b2", from: "b1", intent: "confirm" });
    await a1.t.send({ to: null, from: "a1", intent: "register" });
    await a1.t.send({ to: "a2", from: "a1", intent: "confirm" });
    await until(() => b2.got.length === 2 && a2.got.length === 2, "each tenant's own messages");
    // A marker within 1002 sent last: b1 has it only after everything sent before it was routed.
    await b2.t.send({ to: "b1", from: "b2", intent: "marker" });
    await until(() => b1.got.some((m) => m.payload.intent === "marker"), "marker");

    expect(b1.got.map((m) => m.payload.intent)).toEqual(["marker"]);
    expect(b2.got.map((m) => m.payload.from)).toEqual(["b1", "b1"]);
    expect(a2.got.map((m) => m.payload.from)).toEqual(["a1", "a1"]);
    expect(mallory.got).toEqual([]);
    // The raw snooper sees only its own tenant's subjects; the wider subscriptions were refused.
    expect(refused.sort()).toEqual([">", "hsagent.*.discovery", "hsagent.1002.>", "hsagent.>"]);
    expect(snooped.length).toBeGreaterThan(0);
    for (const subject of snooped) expect(subject.startsWith("hsagent.1001.")).toBe(true);
    await raw.close().catch(() => {});
  });
});
