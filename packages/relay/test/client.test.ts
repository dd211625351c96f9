// RelayClient over real TCP: message exchange through the real relay, decoding robustness
// against a scripted fake relay, backpressure, bounded queueing, typed failures, and
// reconnection after the relay restarts on the same port.

import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  connectRelay,
  encodeEnvelope,
  type RelayClient,
  RelayClient as RelayClientClass,
  type RelayMessage,
  type RelayServer,
  startRelay,
} from "../src/index.js";
import { eventually, sleep } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function track<T extends { close(): Promise<void> | void }>(x: T): T {
  cleanups.push(() => x.close());
  return x;
}

function collect(c: RelayClient): { messages: RelayMessage[]; notices: string[] } {
  const out = { messages: [] as RelayMessage[], notices: [] as string[] };
  c.onMessage((m) => out.messages.push(m));
  c.onNotice((n) => out.notices.push(n));
  return out;
}

/** A fake relay that accepts one connection and hands the server-side socket to the test. */
async function fakeRelay(): Promise<{ port: number; next: () => Promise<net.Socket>; close: () => void }> {
  const accepted: net.Socket[] = [];
  const waiting: ((s: net.Socket) => void)[] = [];
  const server = net.createServer((s) => {
    s.on("error", () => {});
    const w = waiting.shift();
    if (w) w(s);
    else accepted.push(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const all: net.Socket[] = [];
  return {
    port,
    next: () =>
      new Promise((resolve) => {
        const s = accepted.shift();
        const take = (x: net.Socket): void => {
          all.push(x);
          resolve(x);
        };
        if (s) take(s);
        else waiting.push(take);
      }),
    close: () => {
      for (const s of all) s.destroy();
      server.close();
    },
  };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("RelayClient with the real relay", () => {
  it("exchanges typed envelopes between three clients and surfaces the shutdown notice", async () => {
    const relay = await startRelay({ port: 0 });
    let relayOpen = true;
    cleanups.push(() => (relayOpen ? relay.close() : undefined));
    const port = relay.address.port;
    const cs = await Promise.all([0, 1, 2].map(() => connectRelay({ port, maxAttempts: 1 }).then(track)));
    const inbox = cs.map(collect);
    await eventually(() => relay.metrics().connections.current === 3);
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < 5; k++)
        await cs[i]!.send({ from: `agent-${i}`, to: null, intent: "register", k, é: "ü" });
    }
    await eventually(() => inbox.every((b) => b.messages.length === 10), 5000, "10 messages each");
    for (let j = 0; j < 3; j++) {
      const senders = inbox[j]!.messages.map((m) => m.payload.from);
      expect(senders).not.toContain(`agent-${j}`);
      for (let i = 0; i < 3; i++) {
        if (i === j) continue;
        const fromI = inbox[j]!.messages.filter((m) => m.payload.from === `agent-${i}`);
        expect(fromI.map((m) => m.payload.k)).toEqual([0, 1, 2, 3, 4]);
        expect(fromI[0]!.payload).toEqual({ from: `agent-${i}`, to: null, intent: "register", k: 0, é: "ü" });
      }
    }
    const disconnected = cs.map((c) => new Promise((r) => c.once("disconnected", r)));
    relayOpen = false;
    await relay.close();
    await Promise.all(disconnected);
    for (const b of inbox) expect(b.notices).toEqual(["Warning: Server is shutting down."]);
    expect(cs[0]!.stats().notices).toBe(1);
  });

  it("reconnects after the relay restarts on the same port and flushes messages queued meanwhile", async () => {
    let relay: RelayServer = await startRelay({ port: 0 });
    const port = relay.address.port;
    cleanups.push(() => relay.close());
    const a = track(new RelayClientClass({ port, minDelayMs: 400, maxDelayMs: 400, random: () => 0.999 }));
    const events: string[] = [];
    a.on("connected", () => events.push("connected"));
    a.on("disconnected", () => events.push("disconnected"));
    a.on("reconnecting", () => events.push("reconnecting"));
    await a.connect();
    const b = track(await connectRelay({ port, minDelayMs: 50, maxDelayMs: 50 }));
    const inbox = collect(b);
    await eventually(() => relay.metrics().connections.current === 2);
    await a.send({ intent: "before", n: 0 });
    await eventually(() => inbox.messages.length === 1);

    await relay.close();
    await eventually(() => !a.isConnected && !b.isConnected, 5000, "both disconnected");
    // Sent while the relay is down: queued (bounded), not lost.
    const pending = [1, 2, 3].map((n) => a.send({ intent: "while-down", n }));
    expect(a.stats().queued).toBe(3);
    // Restart just after one of a's failed attempts, so b (50 ms backoff) is back before a (~400 ms).
    await new Promise((r) => a.once("reconnecting", r));
    relay = await startRelay({ port });
    await eventually(() => b.isConnected, 5000, "b reconnected");
    await Promise.all(pending);
    expect(a.isConnected).toBe(true);
    await eventually(() => inbox.messages.length === 4, 5000, "queued messages delivered");
    expect(inbox.messages.map((m) => m.payload)).toEqual([
      { intent: "before", n: 0 },
      { intent: "while-down", n: 1 },
      { intent: "while-down", n: 2 },
      { intent: "while-down", n: 3 },
    ]);
    expect(events[0]).toBe("connected");
    expect(events).toContain("disconnected");
    expect(events).toContain("reconnecting");
    expect(events.at(-1)).toBe("connected");
    expect(a.stats().connects).toBe(2);
  });
});

describe("RelayClient size limits line up with the relay's", () => {
  it("a maximal legal envelope (quote-heavy, just under 64 KiB) crosses the real relay and is received", async () => {
    const relay = await startRelay({ port: 0 });
    cleanups.push(() => relay.close());
    const port = relay.address.port;
    const a = track(await connectRelay({ port }));
    const b = track(await connectRelay({ port }));
    const inbox = collect(b);
    await eventually(() => relay.metrics().connections.current === 2);
    // Many short strings: the framed line is ~1.6x the client line because every quote is escaped.
    const items = Array.from({ length: 5300 }, (_, i) => String(i % 10));
    const size = Buffer.byteLength(encodeEnvelope({ items }));
    expect(size).toBeGreaterThan(60_000);
    expect(size).toBeLessThanOrEqual(65_537);
    await a.send({ items });
    await eventually(() => inbox.messages.length === 1, 5000, "big message");
    expect(inbox.messages[0]!.payload).toEqual({ items });
    await expect(a.send({ items: [...items, ...items] })).rejects.toMatchObject({ code: "LINE_TOO_LONG" });
  });
});

describe("RelayClient failures are reported, never silent", () => {
  it("rejects with QUEUE_FULL beyond the bounded queue, and queued sends with CLOSED on close()", async () => {
    const port = await freePort();
    const c = new RelayClientClass({ port, maxQueuedLines: 3, minDelayMs: 50 });
    void c.connect().catch(() => {});
    const queued = [1, 2, 3].map((n) =>
      c.send({ n }).then(
        () => "sent",
        (e: { code: string }) => e.code,
      ),
    );
    await expect(c.send({ n: 4 })).rejects.toMatchObject({ name: "RelayError", code: "QUEUE_FULL" });
    expect(c.stats().queued).toBe(3);
    await c.close();
    expect(await Promise.all(queued)).toEqual(["CLOSED", "CLOSED", "CLOSED"]);
    await expect(c.send({ n: 5 })).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("rejects immediately with NOT_CONNECTED when queueing while disconnected is off", async () => {
    const port = await freePort();
    const c = track(new RelayClientClass({ port, queueWhileDisconnected: false, minDelayMs: 50 }));
    void c.connect().catch(() => {});
    await expect(c.send({ n: 1 })).rejects.toMatchObject({ code: "NOT_CONNECTED" });
  });

  it("gives up after maxAttempts with RECONNECT_FAILED, failing queued sends too", async () => {
    const port = await freePort();
    const c = new RelayClientClass({ port, maxAttempts: 3, minDelayMs: 10, maxDelayMs: 20 });
    const delays: number[] = [];
    c.on("reconnecting", (e) => delays.push(e.delayMs));
    const queued = c.send({ n: 1 }).then(
      () => "sent",
      (e: { code: string }) => e.code,
    );
    const giveup = new Promise((r) => c.once("giveup", r));
    await expect(c.connect()).rejects.toMatchObject({ code: "RECONNECT_FAILED" });
    await giveup;
    expect(await queued).toBe("RECONNECT_FAILED");
    expect(delays).toHaveLength(2);
    await expect(connectRelay({ port, maxAttempts: 1 })).rejects.toMatchObject({ code: "RECONNECT_FAILED" });
  });

  it("backs off exponentially with jitter up to maxDelayMs", async () => {
    const port = await freePort();
    let flip = 0;
    const c = new RelayClientClass({
      port,
      minDelayMs: 8,
      maxDelayMs: 64,
      maxAttempts: 7,
      random: () => flip++ % 2,
    });
    const delays: number[] = [];
    c.on("reconnecting", (e) => delays.push(e.delayMs));
    await expect(c.connect()).rejects.toMatchObject({ code: "RECONNECT_FAILED" });
    // base doubles 16, 32, 64, 64 ... (attempt 1.., min 8); jitter picks base/2 or base.
    expect(delays).toEqual([8, 32, 32, 64, 32, 64]);
  });

  it("rejects payloads that cannot cross the relay", async () => {
    const port = await freePort();
    const c = track(new RelayClientClass({ port, maxLineBytes: 100 }));
    await expect(c.send({ big: "x".repeat(200) })).rejects.toMatchObject({ code: "LINE_TOO_LONG" });
    await expect(c.send({ bad: Number.NaN })).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    await expect(c.sendLine("a\nb")).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
  });
});

describe("RelayClient decoding against a scripted relay", () => {
  it("handles partial chunks, many lines per chunk, split UTF-8, junk and notices", async () => {
    const fake = await fakeRelay();
    cleanups.push(fake.close);
    const c = track(await connectRelay({ port: fake.port, maxReceiveLineBytes: 1000 }));
    const inbox = collect(c);
    let thrown = 0;
    c.onMessage(() => {
      thrown++;
      throw new Error("listener bug must not break the client");
    });
    const server = await fake.next();
    const msg = (n: number, extra = ""): string =>
      JSON.stringify({
        remote_addr: "10.0.0.9:1",
        content: `{"_version": "1.1.1", "_payload": {"n": ${n}${extra}}, "_type": {"n": "int"}}`,
      }) + "\n";
    const script = Buffer.concat([
      Buffer.from(msg(1) + msg(2) + "Warning: You are sending messages too quickly. Please slow down.\n"),
      Buffer.from(msg(3, ', "s": "\u00e9\u{1F600}"')), // raw UTF-8 in content
      Buffer.from("not json\n[1,2]\n" + JSON.stringify({ remote_addr: "x", content: "{}" }) + "\n"),
      Buffer.from(JSON.stringify({ remote_addr: "x", content: { _payload: "str" } }) + "\n"),
      Buffer.from(`${"y".repeat(5000)}\n`), // overlong
      Buffer.from([0xff, 0x0a]), // invalid UTF-8
      Buffer.from(JSON.stringify({ remote_addr: "10.0.0.9:2", content: { _payload: { n: 4 } } }) + "\n"),
    ]);
    // Byte by byte for the first part, then odd-sized chunks.
    for (let i = 0; i < 200; i++) server.write(script.subarray(i, i + 1));
    for (let i = 200; i < script.length; i += 7) server.write(script.subarray(i, i + 7));
    await eventually(() => inbox.messages.length === 4, 5000, "4 messages");
    await sleep(50);
    expect(inbox.messages.map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3, s: "é😀" }, { n: 4 }]);
    expect(inbox.messages[3]!.remoteAddr).toBe("10.0.0.9:2");
    expect(inbox.notices).toEqual(["Warning: You are sending messages too quickly. Please slow down."]);
    expect(thrown).toBe(4);
    expect(c.stats().drops).toEqual({
      "too-long": 1,
      "invalid-utf8": 1,
      "invalid-json": 1,
      "not-relay-frame": 1,
      "not-envelope": 1,
      "payload-not-object": 1,
    });
  });

  it("surfaces the Python relay's unterminated final 'Warning: Server disconnected.' as a notice", async () => {
    const fake = await fakeRelay();
    cleanups.push(fake.close);
    const c = track(await connectRelay({ port: fake.port, minDelayMs: 5_000 }));
    const inbox = collect(c);
    const server = await fake.next();
    const gone = new Promise((r) => c.once("disconnected", r));
    server.end("Warning: Server disconnected.");
    await gone;
    expect(inbox.notices).toEqual(["Warning: Server disconnected."]);
    expect(inbox.messages).toEqual([]);
  });

  it("honours socket backpressure: send() resolves only as the socket accepts data", async () => {
    const fake = await fakeRelay();
    cleanups.push(fake.close);
    const c = track(await connectRelay({ port: fake.port, maxQueuedLines: 50 }));
    const server = await fake.next();
    server.pause(); // the relay stops reading
    const big = "z".repeat(60_000);
    let resolved = 0;
    const results: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      results.push(
        c.send({ i, big }).then(
          () => {
            resolved++;
          },
          (e: unknown) => {
            throw e;
          },
        ),
      );
      if (c.stats().queued >= 50) break;
    }
    await sleep(200);
    const accepted = results.length;
    expect(c.stats().queued).toBe(50); // the rest waits for 'drain' (the queue is bounded)
    expect(resolved).toBeLessThan(accepted);
    await expect(c.send({ i: -1 })).rejects.toMatchObject({ code: "QUEUE_FULL" });
    // The relay reads again: everything drains, in order.
    let received = Buffer.alloc(0);
    server.on("data", (d: Buffer) => {
      received = Buffer.concat([received, d]);
    });
    server.resume();
    await Promise.all(results);
    expect(resolved).toBe(accepted);
    await eventually(() => received.toString().split("\n").length - 1 === accepted, 10_000, "all lines");
    const ids = received
      .toString()
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { _payload: { i: number } })._payload.i);
    expect(ids).toEqual(Array.from({ length: accepted }, (_, k) => k));
  });
});
