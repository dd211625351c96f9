// Relay throughput/latency bench: the built `hsagent-relay` runs as a child process (rate
// limit off); 50 clients in this process each send 200-byte lines as fast as allowed for a
// few seconds. "Allowed" = each sender keeps at most WINDOW lines in flight (sent but not
// yet received by all 49 others), so latency measures the relay rather than unbounded
// queueing in kernel buffers; BENCH_WINDOW=0 floods open-loop (TCP backpressure only).
// Prints one JSON object on the last line: deliveries/s and p50/p99 delivery latency.
// Build first (`pnpm build`).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { LineSplitter } from "../src/line-splitter.js";
import { listeningPort } from "./listening-port.js";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const LINE_BYTES = 200;
const SEND_MS = Number(process.env.BENCH_SEND_MS ?? 3000);
const DRAIN_MS = 3000;
const WINDOW = Number(process.env.BENCH_WINDOW ?? 8);
const BIN = fileURLToPath(new URL("../dist/bin/hsagent-relay.js", import.meta.url));

if (!existsSync(BIN)) {
  process.stderr.write(`bench: ${BIN} not found; run \`pnpm --filter @hsagent/relay build\` first\n`);
  process.exit(1);
}

const nowUs = (): number => Math.round(performance.now() * 1000);

/** A 200-byte line (199 + newline) carrying sender, sequence number and send time. */
function makeLine(c: number, seq: number): string {
  const head = `c=${c} s=${seq} t=${String(nowUs()).padStart(14, "0")} `;
  return head + "x".repeat(LINE_BYTES - 1 - head.length) + "\n";
}

async function main(): Promise<void> {
  const relay = spawn(process.execPath, [BIN, "--port", "0", "--rate-limit", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await listeningPort(relay);

  const latencies: number[] = [];
  let delivered = 0;
  let notices = 0;
  let closedEarly = 0;
  let lastDelivery = 0;
  let sending = true;
  const sent = new Array<number>(CLIENTS).fill(0);
  // Per sender: seq -> receivers still missing it; and a wake-up for a sender waiting on its window.
  const inFlight = Array.from({ length: CLIENTS }, () => new Map<number, number>());
  const wake: (() => void)[] = new Array(CLIENTS).fill(() => {});

  const sockets = await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ port, host: "127.0.0.1" }, () => resolve(s));
          s.setNoDelay(true);
          s.once("error", reject);
        }),
    ),
  );
  for (const s of sockets) {
    const sp = new LineSplitter({
      maxLineBytes: 1 << 20,
      onLine: (line) => {
        const text = line.toString("latin1");
        const i = text.indexOf(" t=");
        if (i === -1) {
          notices++;
          return;
        }
        const t = Number(text.slice(i + 3, i + 17));
        const cs = text.indexOf("c=");
        const c = Number.parseInt(text.slice(cs + 2), 10);
        const seq = Number.parseInt(text.slice(text.indexOf(" s=", cs) + 3), 10);
        const fl = inFlight[c];
        if (fl) {
          const left = (fl.get(seq) ?? 0) - 1;
          if (left <= 0) {
            fl.delete(seq);
            wake[c]!();
          } else fl.set(seq, left);
        }
        const now = nowUs();
        latencies.push((now - t) / 1000);
        delivered++;
        lastDelivery = now;
      },
    });
    s.on("data", (d: Buffer) => sp.push(d));
    s.on("error", () => {});
    s.on("close", () => {
      if (sending) closedEarly++;
    });
  }
  await new Promise((r) => setTimeout(r, 300)); // let the relay register everyone

  const start = nowUs();
  const deadline = performance.now() + SEND_MS;
  await Promise.all(
    sockets.map(async (s, c) => {
      while (performance.now() < deadline && !s.destroyed) {
        if (WINDOW > 0) {
          const fl = inFlight[c]!;
          while (fl.size < WINDOW) {
            fl.set(sent[c]!, CLIENTS - 1);
            s.write(makeLine(c, sent[c]!));
            sent[c]!++;
          }
          await new Promise<void>((r) => {
            const t = setTimeout(r, 200); // never wait forever on a lost line
            wake[c] = () => {
              clearTimeout(t);
              wake[c] = () => {};
              r();
            };
          });
          continue;
        }
        let ok = true;
        // Write until the socket pushes back, then wait for 'drain'.
        for (let k = 0; k < 64 && ok; k++) {
          ok = s.write(makeLine(c, sent[c]!));
          sent[c]!++;
        }
        if (!ok) await new Promise((r) => s.once("drain", r));
        else await new Promise((r) => setImmediate(r));
      }
    }),
  );
  sending = false;
  const totalSent = sent.reduce((a, b) => a + b, 0);
  const expected = totalSent * (CLIENTS - 1);
  const drainEnd = performance.now() + DRAIN_MS;
  while (delivered < expected && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 20));

  const elapsedS = (lastDelivery - start) / 1e6;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  for (const s of sockets) s.destroy();
  relay.kill("SIGTERM");
  await new Promise((r) => relay.once("exit", r));

  const result = {
    bench: "relay-fanout",
    clients: CLIENTS,
    lineBytes: LINE_BYTES,
    sendMs: SEND_MS,
    window: WINDOW,
    linesSent: totalSent,
    linesDelivered: delivered,
    linesExpected: expected,
    deliveredPerSec: Math.round(delivered / elapsedS),
    sentPerSec: Math.round(totalSent / elapsedS),
    latencyMs: {
      p50: Number(pct(0.5).toFixed(2)),
      p99: Number(pct(0.99).toFixed(2)),
      max: Number(pct(1).toFixed(2)),
    },
    notices,
    disconnectedEarly: closedEarly,
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String(err)}\n`);
  process.exit(1);
});
