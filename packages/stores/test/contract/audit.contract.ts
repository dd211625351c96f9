// AuditLog contract: every implementation must pass it.

import { describe, expect, it, vi } from "vitest";
import { StoreError } from "../../src/index.js";
import type { EnvFactory } from "../helpers/env.js";

const AGENT = "7e7e7e7e-1234-4567-89ab-cdefcdefcdef";
const SELF_OBJ = "700001";

export function auditContract(name: string, makeEnv: EnvFactory): void {
  describe(`AuditLog contract (${name})`, () => {
    it("batches many events into one block per flush and reads them back in order", async () => {
      const env = await makeEnv();
      const { audit } = await env.newStores(AGENT, SELF_OBJ, { flushIntervalMs: 60_000 });
      audit.append({ type: "SESSION_STARTED", peer: "p1" });
      audit.append({ type: "NONCE_SEEN", peer: "p1", detail: { role: "responder" } });
      audit.append({ type: "HANDSHAKE_OK", peer: "p1", sid: "s1", protocolVersion: 2 });
      audit.append({ type: "SESSION_CLOSED", peer: "p1", sid: "s1" });
      expect(audit.stats.blocks).toBe(0);
      await audit.flush();
      expect(audit.stats).toMatchObject({ appended: 4, persisted: 4, blocks: 1 });
      const events = await audit.recent(10);
      expect(events.map((e) => e.type)).toEqual([
        "SESSION_STARTED",
        "NONCE_SEEN",
        "HANDSHAKE_OK",
        "SESSION_CLOSED",
      ]);
      expect(events[2]).toMatchObject({ peer: "p1", sid: "s1", protocolVersion: 2 });
      expect(events.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
      expect((await audit.validate()).isValid).toBe(true);
    });

    it("flushes on its own after the flush interval", async () => {
      const env = await makeEnv();
      const { audit } = await env.newStores(AGENT, SELF_OBJ, { flushIntervalMs: 30 });
      audit.append({ type: "SESSION_ABORTED", peer: "p2", reason: "timeout" });
      await vi.waitFor(() => expect(audit.stats.persisted).toBe(1), { timeout: 5_000, interval: 20 });
      const reader = (await env.newStores(AGENT, SELF_OBJ)).audit;
      expect((await reader.recent(5)).map((e) => e.reason)).toEqual(["timeout"]);
    });

    it("close() writes every acknowledged event; a new process reads them; append after close throws", async () => {
      const env = await makeEnv();
      const { audit } = await env.newStores(AGENT, SELF_OBJ, { flushIntervalMs: 60_000 });
      for (let i = 0; i < 25; i++) audit.append({ type: "MESSAGE_REJECTED", peer: "p3", reason: `r${i}` });
      await audit.close();
      expect(() => audit.append({ type: "SESSION_STARTED" })).toThrow(StoreError);
      const reader = (await env.newStores(AGENT, SELF_OBJ)).audit;
      const events = await reader.recent(100);
      expect(events.map((e) => e.reason)).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
      expect((await reader.validate()).isValid).toBe(true);
    });

    it("recent(limit) returns the newest events, oldest first, across blocks", async () => {
      const env = await makeEnv();
      const { audit } = await env.newStores(AGENT, SELF_OBJ, { flushIntervalMs: 60_000 });
      for (let i = 0; i < 6; i++) {
        audit.append({ type: "NONCE_SEEN", detail: { i } });
        await audit.flush();
      }
      expect(audit.stats.blocks).toBe(6);
      expect((await audit.recent(3)).map((e) => e.detail?.i)).toEqual([3, 4, 5]);
    });

    it("refuses secrets and malformed types", async () => {
      const env = await makeEnv();
      const { audit } = await env.newStores(AGENT, SELF_OBJ);
      expect(() => audit.append({ type: "HANDSHAKE_OK", detail: { sessionKey: "AAAA" } })).toThrow(
        expect.objectContaining({ code: "SECRET_FIELD" }),
      );
      expect(() => audit.append({ type: "handshake ok" })).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT" }),
      );
      expect(audit.stats.appended).toBe(0);
      await audit.close();
    });

    it("an empty log is valid and has no events", async () => {
      const env = await makeEnv();
      const { audit } = await env.newStores("empty-agent", SELF_OBJ);
      expect(await audit.recent()).toEqual([]);
      expect((await audit.validate()).isValid).toBe(true);
    });
  });
}
