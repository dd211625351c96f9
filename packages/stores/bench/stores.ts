// Bench: latency and substrate round-trips of the store operations one side of
// a handshake session performs, against a local substrate server (SQLite in
// memory; also PostgreSQL when HSAGENT_TEST_PG_URL is set). Prints one JSON
// object on its last line.

import { randomBytes } from "node:crypto";
import { SubstrateClient } from "@hsagent/substrate-client";
import { startSubstrateServer } from "@hsagent/substrate-server";
import pg from "pg";
import { createSubstrateStores, SubstrateIdentityRegistry } from "../src/index.js";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100);

function p(samples: number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2));
}

async function run(db: string, pgSchema?: string) {
  const server = await startSubstrateServer({
    db,
    ...(pgSchema ? { pgSchema } : {}),
    rateLimit: false,
    logger: false,
  });
  try {
    const client = new SubstrateClient({
      baseUrl: server.url,
      credentials: {
        username: `s${randomBytes(4).toString("hex")}`,
        password: randomBytes(12).toString("hex"),
      },
      autoRegister: true,
    });
    await client.login();
    const registry = new SubstrateIdentityRegistry(client);
    let t0 = performance.now();
    const me = await registry.hydrateOrProvision("bench-self", "bench passphrase");
    const provisionMs = performance.now() - t0;
    t0 = performance.now();
    await new SubstrateIdentityRegistry(client).hydrate("bench-self", "bench passphrase");
    const hydrateMs = performance.now() - t0;
    const peerIds: string[] = [];
    for (let i = 0; i < 4; i++)
      peerIds.push((await registry.provision(`bench-peer-${i}`, "peer pass")).identity.agentId);

    const stores = createSubstrateStores(client, {
      agentId: me.identity.agentId,
      identityObjId: me.identity.identityObjId,
      audit: { flushIntervalMs: 60_000 },
      exclusiveSessions: true,
    });
    const perSession: number[] = [];
    const calls: number[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const peerAgentId = peerIds[i % peerIds.length]!;
      const before = client.stats.requests;
      const start = performance.now();
      // One responder-side session: peer lookup (cold), nonce, created/established milestones, purge, audit.
      const peer = (await new SubstrateIdentityRegistry(client).lookupPeer(peerAgentId))!;
      const peerObj = peer.identityObjId;
      stores.audit.append({ type: "SESSION_STARTED", peer: peerAgentId });
      await stores.nonces.recordIfNew(randomBytes(16).toString("hex"), peerObj);
      await stores.sessions.save({ role: "responder", peerIdentityObjId: peerObj, state: "resp_confirm" });
      await stores.sessions.save({ role: "responder", peerIdentityObjId: peerObj, state: "resp_exchange" });
      stores.audit.append({ type: "HANDSHAKE_OK", peer: peerAgentId, protocolVersion: 2 });
      await Promise.all([stores.sessions.purge("responder", peerObj), stores.nonces.purgePeer(peerObj)]);
      stores.audit.append({ type: "SESSION_CLOSED", peer: peerAgentId });
      await stores.audit.flush();
      perSession.push(performance.now() - start);
      calls.push(client.stats.requests - before);
    }
    await stores.audit.close();
    return {
      provisionMs: Number(provisionMs.toFixed(2)),
      hydrateMs: Number(hydrateMs.toFixed(2)),
      sessions: SESSIONS,
      storeCallsPerSessionSide: Math.max(...calls),
      sessionStoreWorkMs: { p50: p(perSession, 0.5), p99: p(perSession, 0.99) },
    };
  } finally {
    await server.close();
  }
}

const results: Record<string, unknown> = { sqlite: await run("sqlite::memory:") };
const pgUrl = process.env.HSAGENT_TEST_PG_URL;
if (pgUrl) {
  const schema = `bench_stores_${randomBytes(4).toString("hex")}`;
  try {
    results.postgres = await run(pgUrl, schema);
  } finally {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
}
console.log(JSON.stringify(results));
