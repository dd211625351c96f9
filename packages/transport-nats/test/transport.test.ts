// The NATS transport against a real nats-server: directed delivery (a message reaches only its
// recipient), discovery broadcast without echo, and garbage on the subjects dropped and counted.
import { encodeEnvelope, type RelayMessage } from "@hsagent/relay";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsTransport } from "../src/index.js";
import { type NatsNode, startNatsNode } from "../src/testing.js";
import { boundTransport, until } from "./helpers.js";

let node: NatsNode;
const open: NatsTransport[] = [];

beforeAll(async () => {
  node = await startNatsNode([]);
});
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
  await node?.stop();
});

function agentTransport(
  agentId: string,
  tenant = "1001",
): Promise<{ t: NatsTransport; got: RelayMessage[] }> {
  return boundTransport({ servers: [node.client], tenant }, agentId, open);
}

describe("NatsTransport on a real nats-server", () => {
  it("delivers a directed message only to its recipient, and discovery to all but the sender", async () => {
    const a = await agentTransport("agent-a");
    const b = await agentTransport("agent-b");
    const c = await agentTransport("agent-c");
    await a.t.send({ to: "agent-b", from: "agent-a", intent: "confirm", n: 1 });
    await a.t.send({ to: null, from: "agent-a", intent: "register" });
    await until(() => b.got.length === 2 && c.got.length === 1, "deliveries");
    // A marker after the rest: once c has it, c would also have had a's directed message.
    await b.t.send({ to: "agent-c", from: "agent-b", intent: "marker" });
    await until(() => c.got.length === 2, "marker");
    expect(b.got.map((m) => m.payload.intent)).toEqual(["confirm", "register"]);
    expect(b.got[0]!.payload).toEqual({ to: "agent-b", from: "agent-a", intent: "confirm", n: 1 });
    expect(c.got.map((m) => m.payload.intent)).toEqual(["register", "marker"]);
    expect(a.got).toEqual([]);
  });

  it("keeps a name with subject syntax inside its own token", async () => {
    const victim = await agentTransport("victim");
    const other = await agentTransport("x");
    await other.t.send({ to: "*", from: "x", intent: "probe" });
    await other.t.send({ to: "victim.>", from: "x", intent: "probe" });
    await other.t.send({ to: ">", from: "x", intent: "probe" });
    await other.t.send({ to: "victim", from: "x", intent: "marker" });
    await until(() => victim.got.length >= 1, "marker");
    expect(victim.got.map((m) => m.payload.intent)).toEqual(["marker"]);
  });

  it("rejects unsendable payloads with a typed error", async () => {
    const { t } = await agentTransport("sender");
    await expect(t.send({ to: 5, intent: "x" })).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    await expect(t.send({ to: "", intent: "x" })).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    await expect(t.send({ to: null, big: "x".repeat(70_000) })).rejects.toMatchObject({
      code: "LINE_TOO_LONG",
    });
    await expect(t.send({ to: null, n: Number.NaN })).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    await t.close();
    await expect(t.send({ to: null })).rejects.toMatchObject({ code: "CLOSED" });
  });

  describe("bad payloads", () => {
    let raw: NatsConnection;
    beforeAll(async () => {
      raw = await connect({ servers: [node.client] });
    });
    afterAll(async () => {
      await raw?.close();
    });

    it("are dropped and counted, never delivered or thrown, and good ones still arrive", async () => {
      const { t, got } = await agentTransport("target", "2002");
      const inbox = t.subjects.inbox("target");
      const crafted = [
        "",
        "not json",
        "[1,2]",
        "null",
        '{"_payload": 3}',
        '{"_payload": [1]}',
        '{"content": "{}"}',
        '{"_version": "1.1.1"}',
      ].map((s) => new TextEncoder().encode(s));
      crafted.push(Uint8Array.from([0xff, 0xfe, 0x7b]), new Uint8Array(70_000).fill(0x20));
      const random = fc.sample(fc.uint8Array({ maxLength: 300 }), 200);
      let sent = 0;
      for (const data of [...crafted, ...random]) {
        raw.publish(sent % 2 === 0 ? inbox : t.subjects.discovery, data);
        sent++;
      }
      raw.publish(inbox, new TextEncoder().encode(encodeEnvelope({ to: "target", intent: "ok" }).trim()));
      await raw.flush();
      await until(() => got.some((m) => m.payload.intent === "ok"), "the good message");
      const s = t.stats();
      const dropped = Object.values(s.drops).reduce((x, y) => x + y, 0);
      // Random bytes may happen to form an envelope; everything else is dropped.
      expect(dropped + got.length).toBe(sent + 1);
      expect(s.drops["invalid-json"]).toBeGreaterThan(0);
      expect(s.drops["not-envelope"]).toBeGreaterThan(0);
      expect(s.drops["payload-not-object"]).toBe(2);
      expect(s.drops["invalid-utf8"]).toBeGreaterThan(0);
      expect(s.drops["too-long"]).toBe(1);
      for (const m of got) expect(typeof m.payload).toBe("object");
    });
  });
});
