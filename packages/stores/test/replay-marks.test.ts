// The replay high-water mark (nonces.admitHandshake) over a real substrate server and in memory:
// above the mark passes and raises it, at or below is a replay (equal passes for whole-second
// senders unless the nonce was seen here), a fresh instance (a restart) still refuses, and a
// mark raised by another process (a version clash) is re-read rather than overwritten.

import { randomBytes } from "node:crypto";
import { SubstrateClient } from "@hsagent/substrate-client";
import { startSubstrateServer } from "@hsagent/substrate-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryStores, type NonceStore, SubstrateNonceStore } from "../src/index.js";

type Server = Awaited<ReturnType<typeof startSubstrateServer>>;
let server: Server;
beforeAll(async () => {
  server = await startSubstrateServer({
    db: "sqlite::memory:",
    rateLimit: false,
    scrypt: { N: 1024, r: 8, p: 1 },
  });
});
afterAll(() => server?.close());

const nonce = () => randomBytes(16).toString("hex");
const T = Date.UTC(2026, 11, 4, 12, 0, 0);

async function substrateStores(): Promise<() => Promise<NonceStore>> {
  const client = new SubstrateClient({
    baseUrl: server.url,
    credentials: { username: `m${randomBytes(5).toString("hex")}`, password: "marks-password" },
    autoRegister: true,
  });
  await client.login();
  const agentId = randomBytes(8).toString("hex");
  return async () => new SubstrateNonceStore(client, agentId, "11");
}

async function memoryStores(): Promise<() => Promise<NonceStore>> {
  const { backend } = createMemoryStores();
  return async () => createMemoryStores({ backend, agentId: "agent-1", identityObjId: "11" }).nonces;
}

describe.each([
  ["substrate", substrateStores],
  ["memory", memoryStores],
] as const)("replay high-water mark (%s)", (_name, make) => {
  it("passes above the mark, refuses at or below it, also in a new instance", async () => {
    const fresh = await make();
    const a = await fresh();
    const admit = (s: NonceStore, n: string, ms: number, wholeSecond = false) =>
      s.admitHandshake!("42", n, ms, { wholeSecond });
    expect(await admit(a, nonce(), T + 5)).toBe(true);
    expect(await admit(a, nonce(), T + 5)).toBe(false); // equal, ms sender
    expect(await admit(a, nonce(), T + 4)).toBe(false);
    expect(await admit(a, nonce(), T + 6)).toBe(true);
    const seen = nonce();
    expect(await admit(a, seen, T + 1000, true)).toBe(true);
    expect(await admit(a, nonce(), T + 1000, true)).toBe(true); // same second, new nonce
    expect(await admit(a, seen, T + 1000, true)).toBe(false); // same nonce seen here
    const restarted = await fresh();
    expect(await admit(restarted, nonce(), T + 999)).toBe(false);
    expect(await admit(restarted, seen, T + 1000)).toBe(false);
    expect(await admit(restarted, nonce(), T + 1001)).toBe(true);
    // Another peer has its own mark.
    expect(await restarted.admitHandshake!("43", nonce(), T, { wholeSecond: false })).toBe(true);
  });

  it("localVerdict: what the instance knows without I/O, never 'fresh' for a replay", async () => {
    const fresh = await make();
    const a = await fresh();
    const verdict = (s: NonceStore, n: string, ms: number, wholeSecond = false) =>
      s.localVerdict!("45", n, ms, { wholeSecond });
    const n0 = nonce();
    // No mark for this peer was read or written yet.
    expect(verdict(a, n0, T)).toBe("unknown");
    expect(await a.admitHandshake!("45", n0, T + 5, { wholeSecond: false })).toBe(true);
    expect(verdict(a, nonce(), T + 6)).toBe("fresh");
    expect(verdict(a, nonce(), T + 5)).toBe("replay");
    expect(verdict(a, nonce(), T + 4)).toBe("replay");
    expect(verdict(a, nonce(), T + 5, true)).toBe("fresh"); // equal passes for whole seconds
    expect(verdict(a, n0, T + 9)).toBe("replay"); // the nonce was seen here
    // A new instance (a restart) of the substrate store has not read the mark yet; the memory
    // twin's marks are its durable state, so it knows.
    const restarted = await fresh();
    expect(verdict(restarted, nonce(), T + 4)).toBe(_name === "memory" ? "replay" : "unknown");
    expect(await restarted.admitHandshake!("45", nonce(), T + 3, { wholeSecond: false })).toBe(false);
    expect(verdict(restarted, nonce(), T + 4)).toBe("replay");
    expect(verdict(restarted, nonce(), T + 7)).toBe("fresh");
  });

  it("re-reads a mark another instance raised (clash) instead of lowering it", async () => {
    const fresh = await make();
    const a = await fresh();
    const b = await fresh();
    expect(await a.admitHandshake!("44", nonce(), T + 10, { wholeSecond: false })).toBe(true);
    expect(await b.admitHandshake!("44", nonce(), T + 20, { wholeSecond: false })).toBe(true);
    // a's cached mark is stale (T+10): its write clashes, it re-reads T+20 and refuses T+15.
    expect(await a.admitHandshake!("44", nonce(), T + 15, { wholeSecond: false })).toBe(false);
    expect(await a.admitHandshake!("44", nonce(), T + 21, { wholeSecond: false })).toBe(true);
  });

  it("refuses garbage arguments", async () => {
    const s = await (await make())();
    await expect(s.admitHandshake!("44", "", T, { wholeSecond: false })).rejects.toThrow();
    await expect(s.admitHandshake!("x y", nonce(), T, { wholeSecond: false })).rejects.toThrow();
    await expect(s.admitHandshake!("44", nonce(), Number.NaN, { wholeSecond: false })).rejects.toThrow();
    await expect(s.admitHandshake!("44", nonce(), -1, { wholeSecond: false })).rejects.toThrow();
  });
});
