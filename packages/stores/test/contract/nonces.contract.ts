// NonceStore contract: every implementation must pass it.

import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { StoreError } from "../../src/index.js";
import type { EnvFactory } from "../helpers/env.js";

const AGENT = "4d2c1b0a-aaaa-4bbb-8ccc-dddddddddddd";
const SELF_OBJ = "800001";
const nonce = (): string => randomBytes(16).toString("hex");

export function nonceContract(name: string, makeEnv: EnvFactory): void {
  describe(`NonceStore contract (${name})`, () => {
    it("recordIfNew: true once, then false; exists agrees", async () => {
      const env = await makeEnv();
      const { nonces } = await env.newStores(AGENT, SELF_OBJ);
      const n = nonce();
      expect(await nonces.exists(n)).toBe(false);
      expect(await nonces.recordIfNew(n, "71")).toBe(true);
      expect(await nonces.recordIfNew(n, "71")).toBe(false);
      expect(await nonces.recordIfNew(n, "72")).toBe(false);
      expect(await nonces.exists(n)).toBe(true);
      expect(await nonces.exists(nonce())).toBe(false);
    });

    it("a replay is refused after a restart (new store instance, same substrate)", async () => {
      const env = await makeEnv();
      const n = nonce();
      expect(await (await env.newStores(AGENT, SELF_OBJ)).nonces.recordIfNew(n, "71")).toBe(true);
      const restarted = (await env.newStores(AGENT, SELF_OBJ)).nonces;
      expect(await restarted.exists(n)).toBe(true);
      expect(await restarted.recordIfNew(n, "71")).toBe(false);
    });

    it("nonces are per agent", async () => {
      const env = await makeEnv();
      const n = nonce();
      await (await env.newStores(AGENT, SELF_OBJ)).nonces.recordIfNew(n, "71");
      const other = (await env.newStores("other-agent", "800002")).nonces;
      expect(await other.exists(n)).toBe(false);
      expect(await other.recordIfNew(n, "71")).toBe(true);
    });

    it("concurrent recordIfNew of one nonce in one process: exactly one true", async () => {
      const env = await makeEnv();
      const { nonces } = await env.newStores(AGENT, SELF_OBJ);
      const n = nonce();
      const results = await Promise.all(Array.from({ length: 6 }, () => nonces.recordIfNew(n, "71")));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("purgePeer deletes that peer's nonces durably, keeps other peers', and the cache still refuses a fresh replay", async () => {
      const env = await makeEnv();
      const { nonces } = await env.newStores(AGENT, SELF_OBJ);
      const a1 = nonce();
      const a2 = nonce();
      const b1 = nonce();
      await nonces.recordIfNew(a1, "81");
      await nonces.recordIfNew(a2, "81");
      await nonces.recordIfNew(b1, "82");
      expect(await nonces.purgePeer("81")).toBe(2);
      // Inside the freshness window this process still refuses the replay...
      expect(await nonces.recordIfNew(a1, "81")).toBe(false);
      // ...but the durable records are gone.
      const later = (await env.newStores(AGENT, SELF_OBJ)).nonces;
      expect(await later.exists(a1)).toBe(false);
      expect(await later.exists(a2)).toBe(false);
      expect(await later.exists(b1)).toBe(true);
    });

    it("purgePeer with scanJournal also deletes nonces recorded by an earlier process", async () => {
      const env = await makeEnv();
      const n1 = nonce();
      const n2 = nonce();
      const first = (await env.newStores(AGENT, SELF_OBJ)).nonces;
      await first.recordIfNew(n1, "91");
      await first.recordIfNew(n2, "91");
      const restarted = (await env.newStores(AGENT, SELF_OBJ)).nonces;
      expect(await restarted.purgePeer("91", { scanJournal: true })).toBe(2);
      const third = (await env.newStores(AGENT, SELF_OBJ)).nonces;
      expect(await third.exists(n1)).toBe(false);
      expect(await third.exists(n2)).toBe(false);
      expect(await third.purgePeer("91", { scanJournal: true })).toBe(0);
    });

    it("rejects nonces and peers that cannot be stored", async () => {
      const env = await makeEnv();
      const { nonces } = await env.newStores(AGENT, SELF_OBJ);
      for (const bad of ["", "a b", "../x", "x".repeat(201)]) {
        await expect(nonces.recordIfNew(bad, "71")).rejects.toBeInstanceOf(StoreError);
        await expect(nonces.exists(bad)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      }
      await expect(nonces.recordIfNew(nonce(), "peer")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    });
  });
}
