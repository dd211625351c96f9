// Bench: latency of typical client calls against a local substrate server
// (SQLite in memory, rate limits off) over keep-alive connections, plus the
// number of TCP connections used. Prints one JSON object on the last line.

import { freshClient, newAccount, startSqlite } from "../test/helpers/substrate.js";

const N = Number(process.env.BENCH_N ?? 400);

function summary(samples: number[]): { p50: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(3));
  return { p50: at(0.5), p99: at(0.99), mean: Number((s.reduce((a, b) => a + b, 0) / s.length).toFixed(3)) };
}

async function time(
  fn: (i: number) => Promise<unknown>,
): Promise<{ p50: number; p99: number; mean: number }> {
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return summary(samples);
}

const server = await startSqlite();
let connections = 0;
server.server.app.server.on("connection", () => connections++);
try {
  const client = await freshClient(server.url, { credentials: newAccount("b") });
  const { id } = await client.putJson({ type: 7001, version: 0, value: { hello: "world" } });
  const results = {
    n: N,
    getObjectMs: await time(() => client.getObject(7001, id)),
    putObjectCreateMs: await time((i) => client.putJson({ type: 7004, version: 0, value: { i } })),
    putAssociationMs: await time((i) =>
      client.putAssociation({ type: "bench", sourceId: client.accountId, targetId: String(i + 1), json: {} }),
    ),
    listAssociationsMs: await time(() => client.listAssociations("bench", client.accountId, { limit: 10 })),
    appendBlockMs: await time((i) => client.appendBlock("bench", 0, JSON.stringify({ i }))),
    requests: client.stats.requests,
    tcpConnections: connections,
  };
  console.log(JSON.stringify(results));
} finally {
  await server.stop();
}
