// Bench: latency and substrate round-trips of the store operations one side of
// a handshake session performs, against a local substrate server (SQLite in
// memory; also PostgreSQL when HSAGENT_TEST_PG_URL is set). Prints one JSON
// object on its last line.

import { randomBytes } from "node:crypto";
import { startTestSubstrate } from "@hsagent/substrate-server/testing";
import { createSubstrateStores, SubstrateIdentityRegistry } from "../src/index.js";
import { newClient } from "../test/helpers/env.js";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100);

function p(samples: number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2));
}

async function run(backend: "sqlite" | "postgres") {
  // Production password hashing (login is not measured), no rate limits.
  const { server, stop } = await startTestSubstrate(backend, {
    realistic: true,
    rateLimit: false,
    logger: false,
    schemaPrefix: "bench_stores",
  });
  try {
    const client = await newClient(
      server.url,
      `s${randomBytes(4).toString("hex")}`,
      randomBytes(12).toString("hex"),
    );
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
    await stop();
  }
}

const results: Record<string, unknown> = { sqlite: await run("sqlite") };
if (process.env.HSAGENT_TEST_PG_URL) results.postgres = await run("postgres");
console.log(JSON.stringify(results));
