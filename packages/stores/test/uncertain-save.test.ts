// A session save whose answer is lost (the server wrote it, the client saw a 500) must not make
// the store mistake its own state for another writer's: the next save re-reads the version once
// and succeeds, instead of throwing SessionConflictError for every later write of that session.

import { afterAll, beforeAll, expect, it } from "vitest";
import { SessionConflictError, SubstrateSessionStore } from "../src/index.js";
import { newClient, type ServerHandle, startServer } from "./helpers/env.js";

let server: ServerHandle;
let loseNextUpdateAnswer = false;

beforeAll(async () => {
  server = await startServer("sqlite");
});
afterAll(() => server?.stop());

/** A JSON error answer, as the substrate (or a proxy in front of it) gives one. */
const errorAnswer = (status: number, value: unknown): Response =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

/** A fetch that hands the first `hs_session-*` link PUT to `intercept` instead of the server. */
function interceptFirstSessionLink(intercept: (request: Request) => Response): typeof globalThis.fetch {
  let pending = true;
  return async (input, init) => {
    const request = new Request(input, init);
    const body = request.method === "PUT" ? await request.clone().text() : "";
    if (pending && request.url.endsWith("/associations") && body.includes("hs_session-")) {
      pending = false;
      return intercept(request);
    }
    return fetch(request);
  };
}

/**
 * A client logged in to `credentials` (registered on first use) that never retries, sending through
 * `fetch`. Single calls unless `batch` (the link faults below hit the single association PUTs).
 */
const clientThrough = (
  credentials: { username: string; password: string },
  fetch?: typeof globalThis.fetch,
  batch = false,
) =>
  newClient(server.url, credentials.username, credentials.password, {
    retry: { limit: 0 },
    batch,
    ...(fetch ? { fetch } : {}),
  });

const lossyFetch: typeof globalThis.fetch = async (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  const answer = await fetch(input, init);
  if (loseNextUpdateAnswer && method === "PUT" && /\/api\/objects\/\d+$/.test(url)) {
    loseNextUpdateAnswer = false;
    return errorAnswer(502, { error: "lost" });
  }
  return answer;
};

it("a save with a lost answer is followed by saves that succeed (one re-read), and purge works", async () => {
  const client = await clientThrough(
    { username: `u${Date.now().toString(36)}`, password: "pw-uncertain-1" },
    lossyFetch,
  );
  const store = new SubstrateSessionStore(client, "0f0e0d0c-0000-4000-8000-000000000001", "77");
  const record = { role: "responder" as const, peerIdentityObjId: "42", state: "resp_confirm" };
  await store.save(record);
  loseNextUpdateAnswer = true;
  await expect(store.save({ ...record, state: "resp_exchange" })).rejects.toThrow();
  const stored = await store.save({ ...record, state: "resp_finalize" });
  expect(stored.record.state).toBe("resp_finalize");
  expect((await store.list()).map((s) => s.record.state)).toEqual(["resp_finalize"]);
  expect(await store.purge("responder", "42")).toBe(true);
  expect(await store.list()).toEqual([]);
});

it("a create whose link lands after the purge (lost answer) does not block the next session; a twin's state still does", async () => {
  // The first hs_session link PUT is held back and answered 502 at once; the test sends it to the
  // server later, after the purge — as a slow substrate does with a request the client gave up on.
  let held: (() => Promise<void>) | null = null;
  const lateFetch = interceptFirstSessionLink((request) => {
    held = async () => {
      await fetch(request);
    };
    return errorAnswer(502, { error: "lost" });
  });
  const credentials = { username: `v${Date.now().toString(36)}`, password: "pw-uncertain-2" };
  const client = await clientThrough(credentials, lateFetch);
  const agentId = "0f0e0d0c-0000-4000-8000-000000000002";
  const store = new SubstrateSessionStore(client, agentId, "78");
  const record = { role: "responder" as const, peerIdentityObjId: "43", state: "resp_confirm" };
  await expect(store.save(record)).rejects.toThrow();
  await store.purge("responder", "43"); // finds nothing linked yet
  await held!();
  expect(await client.listAssociations("hs_session-responder-43", "78")).toMatchObject({ count: 1 });

  // The next session of the pair: our own leftover is cleared, the save succeeds.
  const next = await store.save({ ...record, state: "resp_exchange" });
  const links = await client.listAssociations("hs_session-responder-43", "78");
  expect(links.associations.map((a) => a.targetId)).toEqual([next.objId]);
  expect((await store.list()).map((s) => s.record.state)).toEqual(["resp_exchange"]);

  // A second process with the same identity (a twin) is another writer: its state is left alone.
  const twinClient = await clientThrough(credentials);
  const twin = new SubstrateSessionStore(twinClient, agentId, "78");
  await expect(twin.save({ ...record, state: "resp_confirm" })).rejects.toThrow(SessionConflictError);
  expect((await store.list()).map((s) => s.record.state)).toEqual(["resp_exchange"]);
  expect(await store.purge("responder", "43")).toBe(true);
});

it("a create whose lookup link fails (500) is still purged: no state is left behind", async () => {
  // Only the hs_session link fails; the object and its has_handshake_with link are written — as
  // when the server loses its database connection between the two link writes.
  const flakyFetch = interceptFirstSessionLink(() =>
    errorAnswer(500, { error: "internal error", code: "INTERNAL" }),
  );
  const client = await clientThrough(
    { username: `w${Date.now().toString(36)}`, password: "pw-uncertain-3" },
    flakyFetch,
  );
  const store = new SubstrateSessionStore(client, "0f0e0d0c-0000-4000-8000-000000000003", "79");
  // Looked at through a second instance: list() would teach the first one the state's id.
  const observer = new SubstrateSessionStore(client, "0f0e0d0c-0000-4000-8000-000000000003", "79");
  await expect(
    store.save({ role: "initiator", peerIdentityObjId: "44", state: "init_exchange" }),
  ).rejects.toThrow();
  expect((await observer.list()).map((s) => s.record.state)).toEqual(["init_exchange"]);
  expect(await store.purge("initiator", "44")).toBe(true);
  expect(await observer.list()).toEqual([]);
});

it("a batched create whose answer is lost does not block the next session; a twin's state still does", async () => {
  // The first batch (object + both links) is written by the server, but the client sees a 502.
  let lost = false;
  const lossyBatch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const answer = await fetch(request);
    if (!lost && request.method === "POST" && new URL(request.url).pathname.startsWith("/api/batch/")) {
      lost = true;
      return errorAnswer(502, { error: "lost" });
    }
    return answer;
  };
  const credentials = { username: `b${Date.now().toString(36)}`, password: "pw-uncertain-4" };
  const client = await clientThrough(credentials, lossyBatch, true);
  expect(await client.batchSupported()).toBe(true);
  const agentId = "0f0e0d0c-0000-4000-8000-000000000004";
  const store = new SubstrateSessionStore(client, agentId, "80");
  const record = { role: "responder" as const, peerIdentityObjId: "45", state: "resp_confirm" };
  await expect(store.save(record)).rejects.toThrow();
  expect(lost).toBe(true);
  expect(await client.listAssociations("hs_session-responder-45", "80")).toMatchObject({ count: 1 });

  // The next session of the pair: our own leftover is cleared, the save succeeds.
  const next = await store.save({ ...record, state: "resp_exchange" });
  const links = await client.listAssociations("hs_session-responder-45", "80");
  expect(links.associations.map((a) => a.targetId)).toEqual([next.objId]);
  expect((await store.list()).map((s) => s.record.state)).toEqual(["resp_exchange"]);

  // A twin process (another writer) is refused, and its refused create leaves nothing behind.
  const twin = new SubstrateSessionStore(await clientThrough(credentials, undefined, true), agentId, "80");
  await expect(twin.save({ ...record, state: "resp_confirm" })).rejects.toThrow(SessionConflictError);
  expect((await client.listAssociations("hs_session-responder-45", "80")).count).toBe(1);
  expect((await store.list()).map((s) => s.record.state)).toEqual(["resp_exchange"]);
  expect(await store.purge("responder", "45")).toBe(true);
  expect(await store.list()).toEqual([]);
});
