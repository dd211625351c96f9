// Fuzzing: 10,000+ random byte sequences (invalid UTF-8, NULs, 1 MB without a newline,
// floods of tiny lines) into the relay over real sockets and into the client decoder.
// Nothing may crash, buffers must stay bounded, and good clients must keep working.

import net from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { connectRelay, LineSplitter, type RelayClient, type RelayMessage, startRelay } from "../src/index.js";
import { eventually } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);

/** Random byte sequences biased towards the interesting cases. */
const chunkArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 120 }).map((s) => Buffer.from(s + "\n")) },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.constantFrom(0x00, 0x0a, 0x0d, 0x22, 0x5c, 0x7b, 0x7d, 0xc3, 0xa9, 0xe2, 0xf0, 0x9f, 0xff, 0x80),
        {
          maxLength: 200,
        },
      )
      .map((a) => Uint8Array.from(a)),
  },
  {
    weight: 1,
    arbitrary: fc
      .jsonValue()
      .map((v) => Buffer.from(JSON.stringify({ remote_addr: "1.2.3.4:5", content: { _payload: v } }) + "\n")),
  },
  { weight: 1, arbitrary: fc.constant(Buffer.from("Warning: fake notice\n")) },
);

function sequences(n: number, seed: number): Uint8Array[] {
  return fc.sample(chunkArb, { numRuns: n, seed });
}

/** A socket that reads and discards everything, so the relay never sees it as slow. */
function drainSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1" }, () => resolve(s));
    s.on("error", () => {});
    s.once("error", reject);
    s.resume();
  });
}

function write(s: net.Socket, data: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (s.write(data)) resolve();
    else s.once("drain", () => resolve());
  });
}

describe("client decoder fuzz", () => {
  it("splits any chunking of any byte stream exactly like a reference split, within the size limit", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(50), { maxLength: 20 }),
        (bytes, cuts) => {
          const max = 40;
          const got: string[] = [];
          let overlong = 0;
          const sp = new LineSplitter({
            maxLineBytes: max,
            onLine: (l) => got.push(Buffer.from(l).toString("hex")),
            onOverlong: () => overlong++,
          });
          let pos = 0;
          for (const c of cuts) {
            sp.push(bytes.subarray(pos, pos + c));
            pos += c;
            expect(sp.bufferedBytes).toBeLessThanOrEqual(max);
          }
          sp.push(bytes.subarray(pos));
          const parts = Buffer.from(bytes).toString("hex").match(/../g) ?? [];
          const ref: string[] = [];
          let cur: string[] = [];
          let refOverlong = 0;
          for (const p of parts) {
            if (p === "0a") {
              if (cur.length <= max) ref.push(cur.join(""));
              else refOverlong++;
              cur = [];
            } else cur.push(p);
          }
          expect(got).toEqual(ref);
          expect(overlong).toBe(refOverlong);
        },
      ),
      { numRuns: 10_000, seed: SEED },
    );
  });

  it("survives 10,000 random sequences from a hostile relay and still delivers the next good message", async () => {
    const server = net.createServer();
    const accepted = new Promise<net.Socket>((r) => server.once("connection", r));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    const client = await connectRelay({ port, maxLineBytes: 4096 });
    cleanups.push(() => client.close());
    const got: RelayMessage[] = [];
    client.onMessage((m) => got.push(m));
    const sock = await accepted;
    cleanups.push(() => {
      sock.destroy();
    });
    const heapBefore = process.memoryUsage().heapUsed;
    for (const seq of sequences(10_000, SEED)) await write(sock, seq);
    // 1 MB without a newline, then the end of that line.
    await write(sock, Buffer.alloc(1024 * 1024, 0x41));
    await write(sock, Buffer.from("\n"));
    const good = JSON.stringify({ remote_addr: "9.9.9.9:9", content: '{"_payload": {"final": true}}' });
    await write(sock, Buffer.from(`\n${good}\n`));
    await eventually(() => got.some((m) => m.payload.final === true), 10_000, "final good message");
    expect(got.at(-1)).toEqual({ remoteAddr: "9.9.9.9:9", payload: { final: true } });
    expect(client.isConnected).toBe(true);
    const st = client.stats();
    expect(st.drops["too-long"]).toBeGreaterThanOrEqual(1);
    expect(st.lines.in).toBe(
      st.messages + st.notices + Object.values(st.drops).reduce((a: number, b: number) => a + b, 0),
    );
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });
});

describe("relay server fuzz over real sockets", () => {
  it("takes 10,000 random sequences, 1 MB lines and 120k tiny lines without crashing or unbounded buffers", async () => {
    const maxLineBytes = 65_536;
    // Everyone here reads; a long grace keeps a CPU-starved test process from being cut as slow.
    const relay = await startRelay({
      port: 0,
      rateLimitPerMinute: 0,
      maxLineBytes,
      slowConsumerGraceMs: 60_000,
    });
    cleanups.push(() => relay.close());
    const port = relay.address.port;
    const good: RelayClient[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await connectRelay({ port });
      cleanups.push(() => c.close());
      good.push(c);
    }
    const inbox: RelayMessage[][] = good.map(() => []);
    good.forEach((c, i) => {
      c.onMessage((m) => inbox[i]!.push(m));
    });

    const fuzzers = await Promise.all(Array.from({ length: 8 }, () => drainSocket(port)));
    cleanups.push(() => {
      for (const f of fuzzers) f.destroy();
    });
    await eventually(() => relay.metrics().connections.current === 10, 5000, "10 connections");
    const heapBefore = process.memoryUsage().heapUsed;

    const seqs = sequences(10_000, SEED + 1);
    await Promise.all(
      fuzzers.map(async (f, k) => {
        for (let i = k; i < seqs.length; i += fuzzers.length) await write(f, seqs[i]!);
        await write(f, Buffer.from("\n")); // terminate whatever was left open
      }),
    );
    // 1 MB without a newline on two connections, while tiny-line floods run on two others.
    const big = Buffer.alloc(1024 * 1024, 0x42);
    const tiny = Buffer.from("a\n".repeat(30_000) + "\n".repeat(30_000));
    await Promise.all([
      write(fuzzers[0]!, big).then(() => write(fuzzers[0]!, big)),
      write(fuzzers[1]!, Buffer.alloc(1024 * 1024, 0x00)),
      write(fuzzers[2]!, tiny),
      write(fuzzers[3]!, tiny),
    ]);
    // A sentinel envelope from every fuzzer: once the good clients have all of them, the relay
    // has processed everything before (per-sender order is preserved). A recipient whose queue is
    // past the soft cap loses deliveries (its own loss, never the senders' pause), so a sentinel
    // is sent again until every good client has it.
    const sentinelsOf = (b: RelayMessage[]) =>
      new Set(b.map((m) => m.payload.sentinel).filter((x) => typeof x === "number"));
    const resend = async (): Promise<void> => {
      for (const [k, f] of fuzzers.entries()) {
        if (inbox.every((b) => sentinelsOf(b).has(k))) continue;
        await write(f, Buffer.from(`\n{"_version": "1.1.1", "_payload": {"sentinel": ${k}}, "_type": {}}\n`));
      }
    };
    await resend();
    const again = setInterval(() => void resend(), 1000);
    await eventually(() => inbox.every((b) => sentinelsOf(b).size >= 8), 90_000, "all sentinels relayed")
      .catch((err: Error) => {
        throw new Error(`${err.message}; metrics=${JSON.stringify(relay.metrics())}`);
      })
      .finally(() => clearInterval(again));

    // Good clients still talk to each other afterwards.
    await good[0]!.send({ intent: "after-fuzz", n: 1 });
    await good[1]!.send({ intent: "after-fuzz", n: 2 });
    await eventually(
      () =>
        inbox[1]!.some((m) => m.payload.intent === "after-fuzz" && m.payload.n === 1) &&
        inbox[0]!.some((m) => m.payload.intent === "after-fuzz" && m.payload.n === 2),
      20_000,
      "good clients exchange after fuzz",
    );
    // Both 1 MB+ lines (2 MB on one connection, 1 MB of NULs on another) were dropped, unbuffered.
    await eventually(() => relay.metrics().drops.tooLong >= 2, 10_000, "overlong drops counted");
    const m = relay.metrics();
    expect(m.connections.current).toBe(10); // nobody was dropped: every reader kept up
    expect(m.inputBufferHighWater).toBeLessThanOrEqual(maxLineBytes);
    expect(m.outputQueueHighWater).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(m.drops.invalid).toBeGreaterThan(0);
    expect(m.lines.in).toBeGreaterThan(100_000);
    for (const c of good) {
      expect(c.isConnected).toBe(true);
      // The relayed garbage reached the good clients and was dropped there, not delivered.
      expect(c.stats().drops["invalid-json"] + c.stats().drops["not-envelope"]).toBeGreaterThan(1000);
    }
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
  }, 120_000); // heavy on a shared 2-core machine
});
