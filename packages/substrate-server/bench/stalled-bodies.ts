// Stalled bodies, as an attacker would send them (issue #16): 10 chain appends declaring 50 MB and
// sending 40 MB, plus 50 unauthenticated logins declaring 2 MB and sending 1.9 MB, then silence;
// then four parallel 49 MB appends. Against the real bin with its defaults. Prints one JSON line:
// RSS (MiB, from /proc) before, at the peak, and 5 s after the stalled connections were released;
// how many were closed by the server and the longest time to close; what they were answered.
// Usage: pnpm --filter @hsagent/substrate-server exec tsx bench/stalled-bodies.ts

import net from "node:net";
import { rssMiB, spawnServer } from "./spawn-server.js";

interface Stalled {
  closedAfterMs: Promise<number>;
  reply: () => string;
  socket: net.Socket;
}

function stalled(url: string, head: string, bytes: number): Stalled {
  const u = new URL(url);
  const socket = net.connect({ host: u.hostname, port: Number(u.port) });
  const started = Date.now();
  let reply = "";
  socket.on("data", (d: Buffer) => {
    if (reply.length < 200) reply += d.toString("latin1");
  });
  socket.on("error", () => {});
  socket.once("connect", () => {
    socket.write(head);
    const chunk = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          socket.once("drain", pump);
          return;
        }
      }
    };
    pump();
  });
  const closedAfterMs = new Promise<number>((resolve) =>
    socket.once("close", () => resolve(Date.now() - started)),
  );
  return { closedAfterMs, reply: () => reply.split("\r\n")[0] ?? "", socket };
}

async function json(url: string, path: string, body: unknown, token?: string): Promise<{ jwt?: string }> {
  const r = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return (await r.json()) as { jwt?: string };
}

async function main(): Promise<void> {
  const server = await spawnServer(["--db", "sqlite::memory:"]);
  const pid = server.child.pid as number;
  try {
    const { jwt } = await json(server.url, "/api/auth/register", {
      username: "stall",
      password: "stall-password",
    });
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssMiB(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(pid));
    }, 100);
    const appendHead = (len: number) =>
      `POST /api/chains/append/stall/big/0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${jwt}\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Length: ${len}\r\n\r\n`;
    const loginHead =
      "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n";
    const started = Date.now();
    const all: Stalled[] = [];
    for (let i = 0; i < 10; i++)
      all.push(stalled(server.url, appendHead(50 * 1024 * 1024), 40 * 1024 * 1024));
    for (let i = 0; i < 50; i++) all.push(stalled(server.url, loginHead, Math.floor(1.9 * 1024 * 1024)));
    const closedMs = await Promise.all(all.map((s) => s.closedAfterMs));
    const releasedAt = Date.now();
    const replies: Record<string, number> = {};
    for (const s of all) replies[s.reply() || "(none)"] = (replies[s.reply() || "(none)"] ?? 0) + 1;
    await new Promise((r) => setTimeout(r, 5000));
    const after = rssMiB(pid);

    // Four parallel 49 MB appends, sent whole.
    const peakBeforeParallel = peak;
    const body = Buffer.alloc(49 * 1024 * 1024, 3);
    const parallel = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const r = await fetch(`${server.url}/api/chains/append/stall/p${i}/0`, {
          method: "POST",
          headers: { authorization: `Bearer ${jwt}`, "content-type": "application/octet-stream" },
          body,
        }).catch(() => null);
        return r ? r.status : "error";
      }),
    );
    const parallelPeak = peak;
    await new Promise((r) => setTimeout(r, 5000));
    clearInterval(sampler);
    const afterParallel = rssMiB(pid);
    process.stdout.write(
      `${JSON.stringify({
        stalledConnections: all.length,
        closedByServer: closedMs.length,
        longestCloseSeconds: Math.round((Math.max(...closedMs) / 1000) * 10) / 10,
        allClosedWithinSeconds: Math.round(((releasedAt - started) / 1000) * 10) / 10,
        replies,
        rssBeforeMiB: before,
        rssPeakMiB: peakBeforeParallel,
        rss5sAfterReleaseMiB: after,
        rssGrowthMiB: after - before,
        parallel49MbAppends: parallel,
        parallelPeakMiB: parallelPeak,
        rss5sAfterParallelMiB: afterParallel,
      })}\n`,
    );
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`stalled-bodies failed: ${(err as Error).message}\n`);
  process.exit(1);
});
