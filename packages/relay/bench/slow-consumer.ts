// Slow-consumer bench (issue #15): the built `hsagent-relay` runs as a child process (rate limit
// off, default queue caps and grace). A non-reading client connects (and, with
// BENCH_RECONNECT=1, reconnects each time it is cut; BENCH_SLOW=0 leaves it out for a baseline) while a sender streams a 32 KiB line every
// 10 ms for BENCH_SECONDS (15) seconds to a third client that reads. Prints one JSON line: the
// reader's delivery latency p50/p99/max (wall clock of this process, which both sends and
// reads), deliveries, how often the non-reader was cut, and the CPU time of this process and of
// the relay child (from /proc, more trustworthy than latency on a loaded machine).
// Build first: `pnpm turbo run build --filter @hsagent/relay`.

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { LineSplitter } from "../src/line-splitter.js";
import { listeningPort } from "./listening-port.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RECONNECT = process.env.BENCH_RECONNECT === "1";
const SLOW = process.env.BENCH_SLOW !== "0";
const LINE_BYTES = 32 * 1024;
const PERIOD_MS = 10;
const BIN = fileURLToPath(new URL("../dist/bin/hsagent-relay.js", import.meta.url));

if (!existsSync(BIN)) {
  process.stderr.write(`bench: ${BIN} not found; build @hsagent/relay first\n`);
  process.exit(1);
}

function cpuMsOfPid(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
  return Math.round((ticks * 1000) / 100);
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1" }, () => resolve(s));
    s.setNoDelay(true);
    s.once("error", reject);
  });
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  // --verbose: the relay logs each slow-consumer cut on stderr (a paused socket here would not
  // notice the reset), which is how cuts are counted and a reconnecting non-reader is driven.
  const relay = spawn(process.execPath, [BIN, "--port", "0", "--rate-limit", "0", "--verbose"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let onCut = (): void => {};
  let errBuf = "";
  relay.stderr.on("data", (d: Buffer) => {
    errBuf += d.toString();
    let nl = errBuf.indexOf("\n");
    while (nl !== -1) {
      if (errBuf.slice(0, nl).includes("disconnecting slow consumer")) onCut();
      errBuf = errBuf.slice(nl + 1);
      nl = errBuf.indexOf("\n");
    }
  });
  const port = await listeningPort(relay);

  const reader = await connect(port);
  const sender = await connect(port);
  const latencies: number[] = [];
  const splitter = new LineSplitter({
    maxLineBytes: 1 << 20,
    onLine: (line) => {
      const text = line.toString("latin1");
      const i = text.indexOf(" t=");
      if (i !== -1) latencies.push(performance.now() - Number(text.slice(i + 3, i + 20)));
    },
    onOverlong: () => {},
  });
  reader.on("data", (d: Buffer) => splitter.push(d));
  sender.on("data", () => {}); // the sender reads (it is not the slow one)
  sender.on("error", () => {});
  reader.on("error", () => {});

  let cuts = 0;
  let running = true;
  const slowSockets: net.Socket[] = [];
  const startSlow = async (): Promise<void> => {
    const s = await connect(port);
    s.pause(); // never reads
    s.on("error", () => {});
    slowSockets.push(s);
  };
  onCut = () => {
    cuts++;
    slowSockets.shift()?.destroy();
    if (running && RECONNECT) void startSlow();
  };
  if (SLOW) await startSlow();
  await new Promise((r) => setTimeout(r, 200));

  const cpu0 = process.cpuUsage();
  const relayCpu0 = cpuMsOfPid(relay.pid!);
  let seq = 0;
  const end = performance.now() + SECONDS * 1000;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      if (performance.now() >= end) {
        resolve();
        return;
      }
      const head = `s=${seq++} t=${performance.now().toFixed(3).padStart(16, "0")} `;
      sender.write(head + "x".repeat(LINE_BYTES - 1 - head.length) + "\n");
      setTimeout(tick, PERIOD_MS);
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, 1000));
  running = false;
  const cpu = process.cpuUsage(cpu0);
  const relayCpuMs = cpuMsOfPid(relay.pid!) - relayCpu0;
  for (const s of [reader, sender, ...slowSockets]) s.destroy();
  relay.kill("SIGTERM");

  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    bench: "relay-slow-consumer",
    nonReader: SLOW,
    reconnectingNonReader: RECONNECT,
    seconds: SECONDS,
    lineBytes: LINE_BYTES,
    periodMs: PERIOD_MS,
    sent: seq,
    delivered: latencies.length,
    latencyMs: {
      p50: Number(pct(sorted, 50).toFixed(2)),
      p99: Number(pct(sorted, 99).toFixed(2)),
      max: Number((sorted.at(-1) ?? 0).toFixed(2)),
    },
    nonReaderCut: cuts,
    cpuMs: { bench: Math.round((cpu.user + cpu.system) / 1000), relay: relayCpuMs },
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String(err)}\n`);
  process.exit(1);
});
