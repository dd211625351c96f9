// A session save whose answer is lost (the server wrote it, the client saw a 500) must not make
// the store mistake its own state for another writer's: the next save re-reads the version once
// and succeeds, instead of throwing SessionConflictError for every later write of that session.

import { SubstrateClient } from "@hsagent/substrate-client";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SubstrateSessionStore } from "../src/index.js";

let server: RunningSubstrateServer;
let loseNextUpdateAnswer = false;

beforeAll(async () => {
  server = await startSubstrateServer({ db: "sqlite::memory:", rateLimit: false, logger: false });
});
afterAll(() => server?.close());

const lossyFetch: typeof globalThis.fetch = async (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  const answer = await fetch(input, init);
  if (loseNextUpdateAnswer && method === "PUT" && /\/api\/objects\/\d+$/.test(url)) {
    loseNextUpdateAnswer = false;
    return new Response(JSON.stringify({ error: "lost" }), {
      status: 502,
      headers: { "content-type": "application/json" },
    });
  }
  return answer;
};

it("a save with a lost answer is followed by saves that succeed (one re-read), and purge works", async () => {
  const client = new SubstrateClient({
    baseUrl: server.url,
    credentials: { username: `u${Date.now().toString(36)}`, password: "pw-uncertain-1" },
    autoRegister: true,
    fetch: lossyFetch,
    retry: { limit: 0 },
  });
  await client.login();
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
