// Slow consumers: an agent whose process stalls (its event loop blocked for 3 s, in a child
// process) while messages pour in is cut by the server (max_pending / write_deadline, as in
// examples/tenants.conf), and another agent on the same server keeps receiving meanwhile. The
// stalled agent's transport reports the disconnection, reconnects by itself and receives again.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RelayMessage } from "@hsagent/relay";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NatsTransport } from "../src/index.js";
import { type NatsNode, startNatsNode } from "../src/testing.js";

// The child runs the built package (`pnpm test` builds first), like the CLI tests run the built bin.
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
let dir: string;
let node: NatsNode;
let child: ChildProcess | null = null;
const lines: string[] = [];

// The stalled agent: a NatsTransport in its own process, printing what it sees as JSON lines.
const CHILD = `
import { NatsTransport } from ${JSON.stringify(DIST)};
const [server] = process.argv.slice(2);
const t = new NatsTransport({ servers: [server], tenant: "t", reconnectTimeWaitMs: 100 });
const out = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
let received = 0;
t.onMessage((m) => { received++; if (m.payload.intent === "after") out({ after: true, received }); });
t.onNotice((text) => out({ notice: text }));
await t.connect();
await t.bind({ agentId: "slow" });
out({ ready: true });
process.stdin.on("data", () => {
  const end = Date.now() + 3000;
  while (Date.now() < end) {} // stalled: reads nothing
  out({ stalled: true });
});
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hsagent-nats-slow-"));
  writeFileSync(join(dir, "server.conf"), 'max_pending: 262144\nwrite_deadline: "1s"\nmax_payload: 131072\n');
  node = await startNatsNode(["-c", join(dir, "server.conf")]);
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; child said: ${lines.join(" | ")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("a stalled agent", () => {
  it("is cut by the server, does not stall the others, and reconnects", async () => {
    writeFileSync(join(dir, "child.mjs"), CHILD);
    child = spawn(process.execPath, [join(dir, "child.mjs"), node.client], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let rest = "";
    child.stdout!.on("data", (d: Buffer) => {
      rest += d.toString();
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
    });
    const has = (key: string) => lines.some((l) => l.includes(key));
    await until(() => has('"ready"'), 20_000, "the child to bind");

    const fast = new NatsTransport({ servers: [node.client], tenant: "t" });
    const got: RelayMessage[] = [];
    fast.onMessage((m) => got.push(m));
    await fast.connect();
    await fast.bind({ agentId: "fast" });
    const pub: NatsConnection = await connect({ servers: [node.client] });
    try {
      child.stdin!.write("stall\n");
      await new Promise((r) => setTimeout(r, 200));
      const big = new TextEncoder().encode(
        JSON.stringify({ _payload: { intent: "flood", pad: "x".repeat(16_000) } }),
      );
      const small = (n: number) =>
        new TextEncoder().encode(JSON.stringify({ _payload: { intent: "tick", n } }));
      for (let i = 0; i < 1500; i++) {
        pub.publish("hsagent.t.to.slow", big);
        if (i % 15 === 0) pub.publish("hsagent.t.to.fast", small(i / 15));
      }
      await pub.flush();
      // The other agent got everything while the slow one was still stalled.
      await until(() => got.length === 100, 10_000, "the fast agent's messages");
      await until(() => has('"stalled"'), 20_000, "the stall to end");
      await until(() => has("NATS reconnected"), 20_000, "the stalled agent to reconnect");
      expect(lines.some((l) => l.includes("NATS disconnected"))).toBe(true);
      expect(node.log.some((l) => /Slow Consumer/i.test(l))).toBe(true);
      // After reconnecting it receives again.
      const after = new TextEncoder().encode(JSON.stringify({ _payload: { intent: "after" } }));
      await until(
        () => {
          pub.publish("hsagent.t.to.slow", after);
          return has('"after"');
        },
        20_000,
        "a message after the reconnect",
      );
    } finally {
      await pub.close();
      await fast.close();
    }
  });
});
