// Hardening of the relay over real sockets: a client that never reads loses its own deliveries
// and is cut, without delaying anyone else; connection caps (total, per address) refuse with a
// notice; TLS serving and the client's tls option; the relay URL parser.

import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { makeTestCert } from "@hsagent/test-support";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parseArgs } from "../src/cli-args.js";
import {
  connectRelay,
  parseRelayUrl,
  type RelayClient,
  RelayError,
  type RelayServer,
  type RelayServerOptions,
  startRelay,
  WARNINGS,
} from "../src/index.js";
import { eventually, RawClient } from "./helpers.js";

const open: { relays: RelayServer[]; raws: RawClient[]; clients: RelayClient[] } = {
  relays: [],
  raws: [],
  clients: [],
};
const cert = makeTestCert();
const BIN = fileURLToPath(new URL("../dist/bin/hsagent-relay.js", import.meta.url));

async function relay(options: RelayServerOptions = {}): Promise<RelayServer> {
  const r = await startRelay({ port: 0, ...options });
  open.relays.push(r);
  return r;
}

async function raw(r: RelayServer): Promise<RawClient> {
  const c = await RawClient.connect(r.address.port);
  open.raws.push(c);
  return c;
}

afterEach(async () => {
  for (const c of open.raws.splice(0)) c.close();
  await Promise.all(open.clients.splice(0).map((c) => c.close()));
  await Promise.all(open.relays.splice(0).map((r) => r.close()));
});
afterAll(() => rmSync(cert.dir, { recursive: true, force: true }));

describe("slow consumers", () => {
  it("a client that never reads does not delay a reader: its deliveries are dropped, not the sender paused", async () => {
    // A long grace: before this fix the relay paused the sender for the whole grace.
    const r = await relay({ rateLimitPerMinute: 0, slowConsumerGraceMs: 60_000 });
    const flooder = await raw(r);
    const reader = await raw(r);
    const slow = await raw(r);
    await eventually(() => r.metrics().connections.current === 3, 5000, "3 connections");
    slow.socket.pause();
    const line = "z".repeat(8191) + "\n";
    // 3,000 × 8 KiB = 24 MiB: far past what the kernel buffers of the stalled client can take.
    for (let i = 0; i < 3000; i++) {
      if (!flooder.write(line)) await new Promise((res) => flooder.socket.once("drain", res));
      if (i % 20 === 19) await reader.waitLines(i - 60, 20_000);
    }
    flooder.write("done\n");
    await reader.waitUntil(
      () => reader.text.some((t) => t.includes('"content": "done"')),
      20_000,
      "done while the non-reader is still connected",
    );
    const m = r.metrics();
    expect(m.drops.queueFull).toBeGreaterThan(0);
    expect(m.drops.slowConsumer).toBe(0);
    expect(slow.closed).toBe(false);
    expect(m.outputQueueHighWater).toBeLessThan(1024 * 1024 + 64 * 1024);
  });

  it("cuts a non-reader after the grace; one that reconnects is cut again and never stalls the reader", async () => {
    const r = await relay({ rateLimitPerMinute: 0, slowConsumerGraceMs: 300 });
    const flooder = await raw(r);
    const reader = await raw(r);
    const line = "q".repeat(8191) + "\n";
    let sent = 0;
    for (let round = 1; round <= 3; round++) {
      const slow = await raw(r);
      slow.socket.pause();
      while (r.metrics().drops.slowConsumer < round) {
        if (!flooder.write(line)) await new Promise((res) => flooder.socket.once("drain", res));
        sent++;
        if (sent % 20 === 0) await reader.waitLines(sent - 60, 20_000);
      }
    }
    flooder.write("done\n");
    await reader.waitUntil(() => reader.text.some((t) => t.includes('"content": "done"')), 20_000, "done");
    expect(r.metrics().drops.slowConsumer).toBe(3);
    expect(r.metrics().connections.current).toBe(2);
  });
});

describe("connection caps", () => {
  it("refuses a client over the per-address cap with a notice, counts it, and admits again once a slot frees", async () => {
    const r = await relay({ maxConnectionsPerAddress: 2 });
    const a = await raw(r);
    await raw(r);
    await eventually(() => r.metrics().connections.current === 2, 5000, "2 connections");
    const c = await raw(r);
    await c.waitClosed(5000);
    expect(c.text).toEqual([WARNINGS.tooManyConnections + "\n"]);
    expect(r.metrics().refused).toEqual({ total: 0, perAddress: 1 });
    expect(r.metrics().connections.current).toBe(2);
    a.close();
    await eventually(() => r.metrics().connections.current === 1, 5000, "slot freed");
    const d = await raw(r);
    await eventually(() => r.metrics().connections.current === 2, 5000, "re-admitted");
    expect(d.closed).toBe(false);
  });

  it("refuses a client over the total cap", async () => {
    const r = await relay({ maxConnections: 1, maxConnectionsPerAddress: 0 });
    await raw(r);
    await eventually(() => r.metrics().connections.current === 1, 5000, "1 connection");
    const b = await raw(r);
    await b.waitClosed(5000);
    expect(b.text).toEqual([WARNINGS.tooManyConnections + "\n"]);
    expect(r.metrics().refused.total).toBe(1);
  });

  it("rejects bad cap options", async () => {
    await expect(startRelay({ port: 0, maxConnections: -1 })).rejects.toThrow(RelayError);
    await expect(startRelay({ port: 0, maxConnectionsPerAddress: 1.5 })).rejects.toThrow(RelayError);
  });
});

describe("TLS", () => {
  it("serves TLS; RelayClients with the CA exchange messages; a plain or untrusting client gets nothing", async () => {
    const r = await relay({ tls: { cert: cert.cert, key: cert.key } });
    expect(r.scheme).toBe("tls");
    const opts = { host: "localhost", port: r.address.port, tls: { ca: cert.cert }, maxAttempts: 3 };
    const a = await connectRelay(opts);
    const b = await connectRelay(opts);
    open.clients.push(a, b);
    const got = new Promise((resolve) => b.onMessage((m) => resolve(m.payload)));
    await eventually(() => r.metrics().connections.current === 2, 5000, "2 TLS connections");
    await a.send({ hello: "over tls" });
    expect(await got).toEqual({ hello: "over tls" });

    // Without the CA the certificate is refused by the client (no connection counted).
    await expect(
      connectRelay({ host: "localhost", port: r.address.port, tls: {}, maxAttempts: 1, minDelayMs: 1 }),
    ).rejects.toThrow(RelayError);
    // A plain TCP client never becomes a relay connection.
    const plain = await RawClient.connect(r.address.port);
    open.raws.push(plain);
    plain.write("not tls\n");
    await plain.waitClosed(15_000);
    expect(r.metrics().connections.current).toBe(2);
  });

  it("a raw tls socket sees relayed frames exactly as on plain TCP", async () => {
    const r = await relay({ tls: { cert: cert.cert, key: cert.key } });
    const sockets = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<tls.TLSSocket>((resolve, reject) => {
            const s = tls.connect({ host: "127.0.0.1", port: r.address.port, ca: cert.cert }, () =>
              resolve(s),
            );
            s.once("error", reject);
          }),
      ),
    );
    await eventually(() => r.metrics().connections.current === 2, 5000, "2 connections");
    const received = new Promise<string>((resolve) => sockets[1]!.once("data", (d) => resolve(String(d))));
    sockets[0]!.write("hi\n");
    const addr = `${sockets[0]!.localAddress}:${sockets[0]!.localPort}`;
    expect(await received).toBe(`{"remote_addr": "${addr}", "content": "hi"}\n`);
    for (const s of sockets) s.destroy();
  });
});

describe("parseRelayUrl", () => {
  it("parses HOST:PORT, tcp:// and tls:// (IPv6 in brackets) and refuses anything else", () => {
    expect(parseRelayUrl("127.0.0.1:8888")).toEqual({ scheme: "tcp", host: "127.0.0.1", port: 8888 });
    expect(parseRelayUrl("tls://relay.example:443")).toEqual({
      scheme: "tls",
      host: "relay.example",
      port: 443,
    });
    expect(parseRelayUrl("TCP://[::1]:9")).toEqual({ scheme: "tcp", host: "::1", port: 9 });
    for (const bad of ["", "host", "host:0", "host:70000", "http://h:1", "tls://h", "tls://:5", "a b:1"]) {
      expect(() => parseRelayUrl(bad), bad).toThrow(RelayError);
    }
  });
});

describe("hsagent-relay bin flags for TLS and caps", () => {
  it("parses --tls-cert/--tls-key (together only) and the connection caps", () => {
    const r = parseArgs([
      "--tls-cert",
      "c.pem",
      "--tls-key=k.pem",
      "--max-connections",
      "10",
      "--max-connections-per-address=2",
    ]);
    expect(r).toMatchObject({
      kind: "run",
      tlsFiles: { cert: "c.pem", key: "k.pem" },
      options: { maxConnections: 10, maxConnectionsPerAddress: 2 },
    });
    for (const bad of [
      ["--tls-cert", "c.pem"],
      ["--tls-key", "k.pem"],
      ["--tls-cert", ""],
      ["--max-connections", "x"],
    ]) {
      expect(() => parseArgs(bad), bad.join(" ")).toThrowError(
        expect.objectContaining({ code: "INVALID_OPTION" }),
      );
    }
  });

  it.skipIf(!existsSync(BIN) && process.env.CI !== "true")(
    "the bin serves TLS and prints relay listening on tls://HOST:PORT",
    async () => {
      const child = spawn(
        process.execPath,
        [BIN, "--port", "0", "--tls-cert", cert.certFile, "--tls-key", cert.keyFile],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let buf = "";
          child.stdout!.on("data", (d: Buffer) => {
            buf += d.toString();
            if (buf.includes("\n")) resolve(buf.slice(0, buf.indexOf("\n")));
          });
          child.once("exit", (code) => reject(new Error(`exited ${code}`)));
        });
        const m = /^relay listening on tls:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
        expect(m, line).not.toBeNull();
        const c = await connectRelay({
          host: "127.0.0.1",
          port: Number(m![1]),
          tls: { ca: cert.cert },
          maxAttempts: 3,
        });
        open.clients.push(c);
        expect(c.isConnected).toBe(true);
      } finally {
        child.kill("SIGTERM");
      }
    },
  );
});
