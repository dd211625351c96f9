// A session purge carries the agent's buffered audit events in the same batch: one call, all or
// nothing. Where the server does not batch (or the client is told not to), the DELETE is alone and
// the events wait for their own flush.

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSubstrateStores, SubstrateIdentityRegistry } from "../src/index.js";
import { newClient, type ServerHandle, startServer } from "./helpers/env.js";

let handle: ServerHandle;
beforeAll(async () => {
  handle = await startServer("sqlite");
});
afterAll(() => handle?.stop());

async function agent(batch: boolean) {
  const username = `p${randomBytes(5).toString("hex")}`;
  const client = await newClient(handle.server.url, username, randomBytes(10).toString("hex"), { batch });
  const registry = new SubstrateIdentityRegistry(client);
  const me = await registry.hydrateOrProvision("delta", "purge passphrase");
  const stores = createSubstrateStores(client, {
    agentId: me.identity.agentId,
    identityObjId: me.identity.identityObjId,
    identity: registry,
    audit: { flushIntervalMs: 60_000 },
  });
  await client.batchSupported(); // the capabilities read, once per client: not counted below
  return { client, stores };
}

const record = { role: "initiator" as const, peerIdentityObjId: "4242", state: "init_exchange" };

it("a purge on a batching server is one call that also writes the buffered audit events", async () => {
  const { client, stores } = await agent(true);
  // The first block this process writes also marks its chain owner-write-only (once, beside it).
  await stores.sessions.save(record);
  stores.audit.append({ type: "SESSION_CLOSED", peer: "4242", detail: { rounds: 1 } });
  let before = client.stats.requests;
  expect(await stores.sessions.purge("initiator", "4242")).toBe(true);
  expect(client.stats.requests - before).toBe(2);
  // Every later session: one call.
  await stores.sessions.save(record);
  stores.audit.append({ type: "SESSION_CLOSED", peer: "4242", detail: { rounds: 2 } });
  stores.audit.append({ type: "NONCE_SEEN", peer: "4242" });
  before = client.stats.requests;
  expect(await stores.sessions.purge("initiator", "4242")).toBe(true);
  expect(client.stats.requests - before).toBe(1);
  expect(stores.audit.stats.persisted).toBe(3); // written by those calls, no flush of their own
  expect(await stores.sessions.list()).toEqual([]);
  const recent = await stores.audit.recent(10);
  expect(recent.map((e) => e.type)).toEqual(expect.arrayContaining(["SESSION_CLOSED", "NONCE_SEEN"]));
  expect((await stores.audit.validate()).isValid).toBe(true);
  await stores.audit.close();
});

it("a purge of a state deleted meanwhile answers false and still writes the events", async () => {
  const { client, stores } = await agent(true);
  const stored = await stores.sessions.save(record);
  await client.deleteObject(7005, stored.objId);
  stores.audit.append({ type: "SESSION_ABORTED", peer: "4242", detail: { reason: "timeout" } });
  expect(await stores.sessions.purge("initiator", "4242")).toBe(false);
  expect(stores.audit.stats.persisted).toBe(1);
  expect((await stores.audit.recent(10)).map((e) => e.type)).toContain("SESSION_ABORTED");
  await stores.audit.close();
});

it("without batching the purge is a lone DELETE and the events wait for their flush", async () => {
  const { client, stores } = await agent(false);
  await stores.sessions.save(record);
  stores.audit.append({ type: "SESSION_CLOSED", peer: "4242" });
  const before = client.stats.requests;
  expect(await stores.sessions.purge("initiator", "4242")).toBe(true);
  expect(client.stats.requests - before).toBe(1);
  expect(stores.audit.stats.persisted).toBe(0);
  await stores.audit.flush();
  expect(stores.audit.stats.persisted).toBe(1);
  await stores.audit.close();
});
