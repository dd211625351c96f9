// End-to-end tests of the relay server over real TCP sockets: framing (byte-exact against
// the vector), fan-out and ordering, limits (line size, rate, slow consumer, idle), bad
// input, and graceful shutdown.

import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { type RelayServer, type RelayServerOptions, startRelay, WARNINGS } from "../src/index.js";
import { eventually, RawClient, sleep } from "./helpers.js";

const vector = JSON.parse(
  readFileSync(new URL("./fixtures/relay-framing.json", import.meta.url), "utf8"),
) as {
  client_line: string;
  relayed_line: string;
  server_warning_line: string;
};
const VECTOR_ADDR = "127.0.0.1:53412";

const open: { relays: RelayServer[]; clients: RawClient[] } = { relays: [], clients: [] };

async function relay(options: RelayServerOptions = {}): Promise<RelayServer> {
  const r = await startRelay({ port: 0, ...options });
  open.relays.push(r);
  return r;
}

async function clients(r: RelayServer, n: number): Promise<RawClient[]> {
  const cs = await Promise.all(Array.from({ length: n }, () => RawClient.connect(r.address.port)));
  open.clients.push(...cs);
  await eventually(() => r.metrics().connections.current === n, 5000, "connections registered");
  return cs;
}

afterEach(async () => {
  for (const c of open.clients.splice(0)) c.close();
  await Promise.all(open.relays.splice(0).map((r) => r.close()));
});

/** What the relay must deliver for `line` sent from `addr`, per the vector's framing. */
function expectedFrame(addr: string, line: string): string {
  return JSON.stringify({ remote_addr: addr, content: line })
    .replace('{"remote_addr":', '{"remote_addr": ')
    .replace(',"content":', ', "content": ')
    .replace(/[\u007f-\uffff]/g, (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"))
    .concat("\n");
}

describe("relay fan-out and framing", () => {
  it("delivers each line to exactly the two other clients, in order, framed byte-for-byte like the vector", async () => {
    const r = await relay();
    const cs = await clients(r, 3);
    const perSender = 25;
    const sent = cs.map((_, i) => [
      vector.client_line,
      ...Array.from({ length: perSender - 1 }, (_, k) => `{"from": ${i}, "seq": ${k}, "t": "h\u00e9 😀"}\n`),
    ]);
    // Interleave writes from all three senders.
    for (let k = 0; k < perSender; k++) for (let i = 0; i < 3; i++) cs[i]!.write(sent[i]![k]!);
    for (const c of cs) await c.waitLines(2 * perSender);
    await sleep(100); // nothing more may arrive (no echo, no duplicates)
    for (let j = 0; j < 3; j++) {
      const got = cs[j]!.lines;
      expect(got).toHaveLength(2 * perSender);
      for (let i = 0; i < 3; i++) {
        const addr = cs[i]!.localAddr;
        const fromI = got.filter((b) => b.toString().startsWith(`{"remote_addr": "${addr}"`));
        if (i === j) {
          expect(fromI).toHaveLength(0);
          continue;
        }
        // Byte-exact: the vector line, with the vector's address replaced by the sender's.
        expect(fromI[0]!.equals(Buffer.from(vector.relayed_line.replace(VECTOR_ADDR, addr)))).toBe(true);
        expect(fromI.map((b) => b.toString())).toEqual(
          sent[i]!.map((l) => expectedFrame(addr, l.slice(0, -1))),
        );
      }
    }
    const m = r.metrics();
    expect(m.lines.in).toBe(3 * perSender);
    expect(m.lines.out).toBe(6 * perSender);
    expect(m.connections).toEqual({ current: 3, total: 3 });
  });

  it("escapes non-ASCII as \\uXXXX and reassembles a UTF-8 character split across TCP writes", async () => {
    const r = await relay();
    const [a, b] = await clients(r, 2);
    const bytes = Buffer.from("caf\u00e9 \u{1F600}\n", "utf8");
    a!.write(bytes.subarray(0, 4)); // "caf" + first byte of é
    await sleep(30);
    a!.write(bytes.subarray(4, 8)); // rest of é, space, half the emoji
    await sleep(30);
    a!.write(bytes.subarray(8));
    await b!.waitLines(1);
    expect(b!.text[0]).toBe(`{"remote_addr": "${a!.localAddr}", "content": "caf\\u00e9 \\ud83d\\ude00"}\n`);
  });

  it("reports IPv4-mapped IPv6 peers as plain IPv4 on a dual-stack listener", async () => {
    const r = await relay({ host: "::" });
    const [a, b] = await clients(r, 2);
    a!.write("x\n");
    await b!.waitLines(1);
    expect(b!.text[0]).toBe(`{"remote_addr": "127.0.0.1:${a!.socket.localPort}", "content": "x"}\n`);
  });
});

describe("relay limits", () => {
  it("drops a 64 KiB + 1 line with a warning to its sender; the connection stays usable", async () => {
    const r = await relay();
    const [a, b] = await clients(r, 2);
    a!.write(Buffer.alloc(65_537, 0x61));
    a!.write("\nafter\n");
    a!.write(Buffer.alloc(65_536, 0x62)); // exactly the limit: delivered
    a!.write("\n");
    await a!.waitLines(1);
    expect(a!.text[0]).toBe(WARNINGS.tooLong(65_536) + "\n");
    await b!.waitLines(2);
    expect(b!.text[0]).toBe(`{"remote_addr": "${a!.localAddr}", "content": "after"}\n`);
    expect(b!.lines[1]!.length).toBe(65_536 + `{"remote_addr": "${a!.localAddr}", "content": ""}\n`.length);
    b!.write("reply\n");
    await a!.waitLines(2);
    expect(a!.text[1]).toBe(`{"remote_addr": "${b!.localAddr}", "content": "reply"}\n`);
    const m = r.metrics();
    expect(m.drops.tooLong).toBe(1);
    expect(m.inputBufferHighWater).toBeLessThanOrEqual(65_536);
  });

  it("rate-limits a flooding sender, warns it (warnings themselves limited) and relays only the allowance", async () => {
    const r = await relay({ rateLimitPerMinute: 10 });
    const [a, b] = await clients(r, 2);
    let burst = "";
    for (let i = 0; i < 30; i++) burst += `line ${i}\n`;
    a!.write(burst);
    await b!.waitLines(10);
    await a!.waitLines(1);
    await eventually(() => r.metrics().drops.rateLimit === 20, 5000, "20 rate-limit drops");
    await sleep(100);
    expect(b!.lines).toHaveLength(10);
    expect(b!.text[9]).toContain('"content": "line 9"');
    // One warning, exactly the vector's text; the other 19 were suppressed.
    expect(a!.text).toEqual([vector.server_warning_line]);
    expect(r.metrics().warnings.suppressed).toBe(19);
    // The receiver is not limited by the sender's bucket.
    b!.write("still here\n");
    await a!.waitLines(2);
  });

  it("disconnects a client that stops reading while others flood; memory stays bounded; others unaffected", async () => {
    const maxQueueBytes = 2 * 1024 * 1024;
    const r = await relay({ rateLimitPerMinute: 0, maxQueueBytes, slowConsumerGraceMs: 2000 });
    const [flooder, reader, slow] = await clients(r, 3);
    slow!.socket.pause();
    const line = "x".repeat(999) + "\n";
    const total = 30_000; // ~30 MB: far more than the kernel buffers can absorb
    let readerCount = 0;
    reader!.socket.on("data", () => {
      readerCount = reader!.lines.length;
    });
    // Flood with backpressure on the sending side (paced by the healthy reader: past its soft
    // cap a recipient loses deliveries, so an unpaced flood would only measure drops).
    for (let i = 0; i < total; i++) {
      if (!flooder!.write(line)) await new Promise((res) => flooder!.socket.once("drain", res));
      if (i % 200 === 199) await reader!.waitLines(Math.max(0, i - 1000), 20_000);
      if (r.metrics().drops.slowConsumer > 0) break;
    }
    await eventually(() => r.metrics().drops.slowConsumer === 1, 20_000, "slow consumer cut");
    const m = r.metrics();
    expect(m.drops.slowConsumer).toBe(1);
    expect(m.connections.current).toBe(2);
    // The relay never held much more than the cap for any client.
    expect(m.outputQueueHighWater).toBeLessThan(maxQueueBytes + 1024 * 1024);
    // The healthy reader is still connected and still exchanging.
    flooder!.write("done\n");
    await reader!.waitUntil(() => reader!.text.some((t) => t.includes('"content": "done"')), 20_000, "done");
    expect(readerCount).toBeGreaterThan(0);
    reader!.write("pong\n");
    await flooder!.waitUntil(() => flooder!.text.some((t) => t.includes('"content": "pong"')), 5000, "pong");
    // Once the stalled client reads again it finds its connection gone.
    slow!.socket.resume();
    await slow!.waitClosed(10_000);
  });

  it("cuts a non-reading client at once when its queue passes the hard cap (maxQueueBytes)", async () => {
    const maxQueueBytes = 256 * 1024;
    // Soft cap = hard cap and a long grace: only the hard cap can trigger the cut.
    const r = await relay({
      rateLimitPerMinute: 0,
      maxQueueBytes,
      softQueueBytes: maxQueueBytes,
      slowConsumerGraceMs: 60_000,
    });
    const [flooder, slow] = await clients(r, 2);
    slow!.socket.pause();
    const line = "y".repeat(4095) + "\n";
    for (let i = 0; i < 20_000 && r.metrics().drops.slowConsumer === 0; i++) {
      if (!flooder!.write(line)) await new Promise((res) => flooder!.socket.once("drain", res));
    }
    await eventually(() => r.metrics().connections.current === 1, 5000, "slow client removed");
    const m = r.metrics();
    expect(m.drops.slowConsumer).toBe(1);
    // One 64 KiB read can add at most that much past the cap before the check runs.
    expect(m.outputQueueHighWater).toBeLessThan(maxQueueBytes + 128 * 1024);
    expect(m.outputQueuedBytes).toBe(0);
  });

  it("disconnects idle clients with a notice and keeps active ones", async () => {
    const r = await relay({ idleTimeoutMs: 300 });
    const [idle, active, listener] = await clients(r, 3);
    const timer = setInterval(() => {
      active!.write("ping\n");
      listener!.write("ping\n");
    }, 50);
    try {
      await idle!.waitClosed(5000);
      expect(idle!.text.at(-1)).toBe("Warning: Disconnected due to inactivity.\n");
      expect(active!.closed).toBe(false);
      expect(r.metrics().idleDisconnects).toBe(1);
    } finally {
      clearInterval(timer);
    }
  });
});

describe("relay bad input", () => {
  it("drops invalid UTF-8 lines (counted, sender warned) and keeps relaying", async () => {
    const r = await relay();
    const [a, b] = await clients(r, 2);
    a!.write(Buffer.from([0x66, 0xff, 0xfe, 0x0a, 0xc3, 0x0a])); // bad byte; truncated sequence
    a!.write("ok\n");
    await b!.waitLines(1);
    await sleep(50);
    expect(b!.text).toEqual([`{"remote_addr": "${a!.localAddr}", "content": "ok"}\n`]);
    expect(a!.text).toEqual([WARNINGS.invalidUtf8 + "\n"]);
    expect(r.metrics().drops.invalid).toBe(2);
  });

  it("relays NULs and control characters escaped, and a bare \\r unchanged", async () => {
    const r = await relay();
    const [a, b] = await clients(r, 2);
    a!.write(Buffer.from([0x00, 0x01, 0x22, 0x5c, 0x0d, 0x0a]));
    await b!.waitLines(1);
    expect(b!.text[0]).toBe(`{"remote_addr": "${a!.localAddr}", "content": "\\u0000\\u0001\\"\\\\\\r"}\n`);
  });
});

describe("relay shutdown", () => {
  it("sends the shutdown notice to everyone, then closes all connections", async () => {
    const r = await startRelay({ port: 0 });
    const cs = await clients(r, 3);
    await r.close();
    for (const c of cs) {
      await c.waitClosed(5000);
      expect(c.text.at(-1)).toBe(WARNINGS.shutdown + "\n");
    }
    expect(r.metrics().connections.current).toBe(0);
    await expect(RawClient.connect(r.address.port)).rejects.toThrow();
  });

  it("rejects bad options with a typed error", async () => {
    await expect(startRelay({ port: 0, maxLineBytes: 0 })).rejects.toMatchObject({ code: "INVALID_OPTION" });
    await expect(startRelay({ port: 70_000 })).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });
});
