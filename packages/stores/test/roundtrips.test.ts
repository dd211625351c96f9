// Substrate round-trips per store operation, counted with the client's
// `stats.requests` (every HTTP attempt). These numbers are the budget the agent
// plans with (target ≤ 12 substrate calls per session per side), so they are
// asserted exactly: a change that adds a call must show up here.

import { randomBytes } from "node:crypto";
import type { SubstrateClient } from "@hsagent/substrate-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSubstrateStores, SubstrateIdentityRegistry } from "../src/index.js";
import { newClient, type ServerHandle, startServer } from "./helpers/env.js";

let handle: ServerHandle;
let username: string;
let password: string;
const table: Record<string, number> = {};

beforeAll(async () => {
  handle = await startServer("sqlite");
  username = `r${randomBytes(5).toString("hex")}`;
  password = randomBytes(10).toString("hex");
});
afterAll(async () => {
  console.log(`substrate round-trips per store operation: ${JSON.stringify(table)}`);
  await handle?.stop();
});

async function counted<T>(client: SubstrateClient, name: string, op: () => Promise<T>): Promise<[T, number]> {
  const before = client.stats.requests;
  const result = await op();
  const n = client.stats.requests - before;
  table[name] = n;
  return [result, n];
}

const PASS = "rt passphrase";

describe("round-trips per operation (client.stats.requests)", () => {
  it("identity registry", async () => {
    const client = await newClient(handle.server.url, username, password);
    const registry = new SubstrateIdentityRegistry(client);
    const [created, provisionCalls] = await counted(client, "identity.hydrateOrProvision(new)", () =>
      registry.hydrateOrProvision("alpha", PASS),
    );
    expect(created.created).toBe(true);
    expect(provisionCalls).toBe(7);
    expect((await counted(client, "identity.provision", () => registry.provision("beta", PASS)))[1]).toBe(7);
    expect((await counted(client, "identity.hydrate", () => registry.hydrate("alpha", PASS)))[1]).toBe(3);

    const peerClient = await newClient(handle.server.url, username, password);
    const peers = new SubstrateIdentityRegistry(peerClient);
    expect(
      (
        await counted(peerClient, "identity.lookupPeer(cold)", () =>
          peers.lookupPeer(created.identity.agentId),
        )
      )[1],
    ).toBe(1);
    expect(
      (
        await counted(peerClient, "identity.lookupPeer(warm)", () =>
          peers.lookupPeer(created.identity.agentId),
        )
      )[1],
    ).toBe(0);
    expect(
      (
        await counted(peerClient, "identity.lookupPeer(refresh)", () =>
          peers.lookupPeer(created.identity.agentId, { refresh: true }),
        )
      )[1],
    ).toBe(2);
    expect(
      (
        await counted(peerClient, "identity.lookupPeer(unknown)", () => peers.lookupPeer(crypto.randomUUID()))
      )[1],
    ).toBe(1);
    expect(
      (
        await counted(client, "identity.publishProtocols", () =>
          registry.publishProtocols(created.identity.agentId, [2]),
        )
      )[1],
    ).toBe(2);
  });

  it("session, nonce and audit stores", async () => {
    const client = await newClient(handle.server.url, username, password);
    const registry = new SubstrateIdentityRegistry(client);
    const me = await registry.hydrateOrProvision("gamma", PASS);
    const stores = createSubstrateStores(client, {
      agentId: me.identity.agentId,
      identityObjId: me.identity.identityObjId,
      identity: registry,
      audit: { flushIntervalMs: 60_000 },
    });
    const peer = "31337";
    const rec = (state: string) => ({ role: "responder" as const, peerIdentityObjId: peer, state });
    // The capabilities document is read once per client (not per save): read it before counting.
    expect(await client.batchSupported()).toBe(true);

    expect(
      (await counted(client, "sessions.save(create)", () => stores.sessions.save(rec("resp_confirm"))))[1],
    ).toBe(1); // one batch: no state linked yet (precondition), the object and both links
    const singles = await newClient(handle.server.url, username, password, { batch: false });
    const singleStores = createSubstrateStores(singles, {
      agentId: me.identity.agentId,
      identityObjId: me.identity.identityObjId,
    });
    expect(
      (
        await counted(singles, "sessions.save(create, no batch)", () =>
          singleStores.sessions.save({
            role: "responder",
            peerIdentityObjId: "31340",
            state: "resp_confirm",
          }),
        )
      )[1],
    ).toBe(4);
    expect(await singleStores.sessions.purge("responder", "31340")).toBe(true);
    expect(
      (await counted(client, "sessions.save(update)", () => stores.sessions.save(rec("resp_exchange"))))[1],
    ).toBe(1);
    const exclusive = createSubstrateStores(client, {
      agentId: me.identity.agentId,
      identityObjId: me.identity.identityObjId,
      exclusiveSessions: true,
    });
    expect(
      (
        await counted(client, "sessions.save(create, exclusiveWriter)", () =>
          exclusive.sessions.save({ role: "initiator", peerIdentityObjId: "31339", state: "init_exchange" }),
        )
      )[1],
    ).toBe(1);
    expect(await exclusive.sessions.purge("initiator", "31339")).toBe(true);
    expect((await counted(client, "sessions.load", () => stores.sessions.load("responder", peer)))[1]).toBe(
      2,
    );
    await stores.sessions.save({ role: "initiator", peerIdentityObjId: "31338", state: "init_exchange" });
    expect((await counted(client, "sessions.list(2 sessions)", () => stores.sessions.list()))[1]).toBe(3);
    expect(
      (await counted(client, "sessions.purge(known)", () => stores.sessions.purge("responder", peer)))[1],
    ).toBe(1);
    const restarted = createSubstrateStores(client, {
      agentId: me.identity.agentId,
      identityObjId: me.identity.identityObjId,
    });
    expect(
      (
        await counted(client, "sessions.purge(unknown to this process)", () =>
          restarted.sessions.purge("initiator", "31338"),
        )
      )[1],
    ).toBe(2);

    const nonce = randomBytes(16).toString("hex");
    expect(
      (await counted(client, "nonces.recordIfNew(new)", () => stores.nonces.recordIfNew(nonce, peer)))[1],
    ).toBe(4);
    expect(
      (
        await counted(client, "nonces.recordIfNew(replay, cached)", () =>
          stores.nonces.recordIfNew(nonce, peer),
        )
      )[1],
    ).toBe(0);
    expect(
      (
        await counted(client, "nonces.recordIfNew(replay after restart)", () =>
          restarted.nonces.recordIfNew(nonce, peer),
        )
      )[1],
    ).toBe(3);
    expect(
      (
        await counted(client, "nonces.exists(cold, unknown)", () =>
          restarted.nonces.exists(randomBytes(16).toString("hex")),
        )
      )[1],
    ).toBe(1);
    expect((await counted(client, "nonces.purgePeer(1 nonce)", () => stores.nonces.purgePeer(peer)))[1]).toBe(
      1,
    );

    const [, appendCalls] = await counted(client, "audit.append(x10)", async () => {
      for (let i = 0; i < 10; i++) stores.audit.append({ type: "NONCE_SEEN", peer: "p", detail: { i } });
    });
    expect(appendCalls).toBe(0);
    // The first flush also marks the chain owner-write-only (once per process, sent in parallel).
    expect((await counted(client, "audit.flush(10 events)", () => stores.audit.flush()))[1]).toBe(2);
    stores.audit.append({ type: "NONCE_SEEN", peer: "p" });
    expect((await counted(client, "audit.flush(next)", () => stores.audit.flush()))[1]).toBe(1);
    expect((await counted(client, "audit.recent", () => stores.audit.recent(10)))[1]).toBe(1);
    expect((await counted(client, "audit.validate", () => stores.audit.validate()))[1]).toBe(1);
    await stores.audit.close();
  });
});

describe("spare nonce markers (prepare)", () => {
  it("a prepared record is one step of 4 parallel calls; spares are found and deleted across restarts", async () => {
    // Requests in flight at once, seen through the client's fetch: one step = all 4 together.
    let inFlight = 0;
    let maxInFlight = 0;
    const countingFetch: typeof globalThis.fetch = async (input, init) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    const client = await newClient(handle.server.url, username, password, { fetch: countingFetch });
    const registry = new SubstrateIdentityRegistry(client);
    const me = await registry.hydrateOrProvision("delta", PASS);
    const open = () =>
      createSubstrateStores(client, {
        agentId: me.identity.agentId,
        identityObjId: me.identity.identityObjId,
        identity: registry,
        audit: { flushIntervalMs: 60_000 },
      });
    const stores = open();
    const nonces = stores.nonces;
    const peer = "41414";

    expect((await counted(client, "nonces.prepare", () => nonces.prepare!(peer)))[1]).toBe(2);
    maxInFlight = 0;
    const nonce = randomBytes(16).toString("hex");
    const [fresh, calls] = await counted(client, "nonces.recordIfNew(new, spare)", () =>
      nonces.recordIfNew(nonce, peer),
    );
    expect(fresh).toBe(true);
    expect(calls).toBe(4);
    expect(maxInFlight).toBe(4);
    // The spare now is the nonce's marker, linked as nonce_seen-<nonce> (HSAgent_2's layout).
    const seen = await client.listAssociations(`nonce_seen-${nonce}`, me.identity.identityObjId);
    expect(seen.count).toBe(1);
    const marker = await client.getJson<{ nonce: string }>(7004, seen.associations[0]!.targetId);
    expect(marker!.value.nonce).toBe(nonce);

    // A restarted process with its own spare sees the replay (another marker is linked).
    const restarted = open();
    await restarted.nonces.prepare!(peer);
    const [replayFresh, replayCalls] = await counted(
      client,
      "nonces.recordIfNew(replay after restart, spare)",
      () => restarted.nonces.recordIfNew(nonce, peer),
    );
    expect(replayFresh).toBe(false);
    expect(replayCalls).toBe(5);
    expect((await client.listAssociations(`nonce_seen-${nonce}`, me.identity.identityObjId)).count).toBe(1);
    expect(await nonces.purgePeer(peer)).toBe(1);
    expect((await client.listAssociations(`nonce_seen-${nonce}`, me.identity.identityObjId)).count).toBe(0);

    // An unused spare of a crashed process is found through has_nonce_spare and deleted at start.
    await stores.nonces.prepare!("41415");
    const next = open();
    const [deleted, scanCalls] = await counted(client, "nonces.purgeSpares(scan, 1 left)", () =>
      next.nonces.purgeSpares!({ scan: true }),
    );
    expect(deleted).toBe(1);
    expect(scanCalls).toBe(2);
    expect((await client.listAssociations("has_nonce_spare", me.identity.identityObjId)).count).toBe(0);

    // Closed (agent stop): no more spares are written.
    expect(await next.nonces.purgeSpares!({ close: true })).toBe(0);
    expect((await counted(client, "nonces.prepare(closed)", () => next.nonces.prepare!(peer)))[1]).toBe(0);
    await Promise.all([stores.audit.close(), restarted.audit.close(), next.audit.close()]);
  });
});
