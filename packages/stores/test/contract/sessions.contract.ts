// SessionStore contract: every implementation must pass it.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SessionConflictError, type SessionRecord, StoreError } from "../../src/index.js";
import type { EnvFactory } from "../helpers/env.js";

const AGENT = "0c7b6a1e-1111-4222-8333-444455556666";
const SELF_OBJ = "900001";

function rec(
  role: "initiator" | "responder",
  peer: string,
  state: string,
  extra: object = {},
): SessionRecord {
  return {
    role,
    peerIdentityObjId: peer,
    peerAgentId: `peer-${peer}`,
    state,
    protocolVersion: 2,
    sidPrefix: "abcd1234",
    since: "2026-11-27T05:00:00+00:00",
    updatedAt: "2026-11-27T05:00:01+00:00",
    ...extra,
  } as SessionRecord;
}

/** JSON text with keys sorted at every level (order-insensitive equality). */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

export function sessionContract(name: string, makeEnv: EnvFactory, runs = 15): void {
  describe(`SessionStore contract (${name})`, () => {
    it("save creates; load from another instance returns the record; each save bumps the version by 1", async () => {
      const env = await makeEnv();
      const a = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      const v0 = await a.save(rec("initiator", "11", "init_exchange"));
      const v1 = await a.save(rec("initiator", "11", "init_finalize_propose"));
      const v2 = await a.save(rec("initiator", "11", "init_finalize_close"));
      expect(v1.version).toBe(v0.version + 1);
      expect(v2.version).toBe(v1.version + 1);
      expect(v2.objId).toBe(v0.objId);
      const b = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      const loaded = await b.load("initiator", "11");
      expect(loaded?.record).toEqual(rec("initiator", "11", "init_finalize_close"));
      expect(loaded?.version).toBe(v2.version);
      expect(await b.load("responder", "11")).toBeNull();
    });

    it("optimistic concurrency: a writer at a stale version gets SessionConflictError; load() takes over", async () => {
      const env = await makeEnv();
      const a = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      const b = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      await a.save(rec("responder", "22", "resp_confirm"));
      await b.load("responder", "22");
      await b.save(rec("responder", "22", "resp_exchange", { owner: "b" }));
      const err = await a
        .save(rec("responder", "22", "resp_finalize", { owner: "a" }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionConflictError);
      expect((err as SessionConflictError).code).toBe("SESSION_CONFLICT");
      expect((err as SessionConflictError).role).toBe("responder");
      expect((err as SessionConflictError).peerIdentityObjId).toBe("22");
      // B's state survived A's attempt.
      const seen = await a.load("responder", "22");
      expect(seen?.record.owner).toBe("b");
      // After re-reading, A may write again.
      await a.save(rec("responder", "22", "resp_finalize", { owner: "a" }));
      expect((await b.load("responder", "22"))?.record.owner).toBe("a");
    });

    it("racing writers at one version: exactly one wins, the others get SessionConflictError", async () => {
      const env = await makeEnv();
      const creator = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      await creator.save(rec("initiator", "23", "init_exchange"));
      const racers = await Promise.all(
        Array.from({ length: 5 }, async () => (await env.newStores(AGENT, SELF_OBJ)).sessions),
      );
      await Promise.all(racers.map((r) => r.load("initiator", "23")));
      const outcomes = await Promise.allSettled(
        racers.map((r, i) => r.save(rec("initiator", "23", "init_finalize_propose", { writer: i }))),
      );
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(4);
      for (const l of lost) expect(l.reason).toBeInstanceOf(SessionConflictError);
      const winner = (won[0] as PromiseFulfilledResult<{ record: SessionRecord }>).value.record.writer;
      expect((await creator.load("initiator", "23"))?.record.writer).toBe(winner);
    });

    it("a state this store neither created nor loaded → SessionConflictError, state untouched", async () => {
      const env = await makeEnv();
      const a = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      const b = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      await a.save(rec("initiator", "33", "init_exchange", { owner: "a" }));
      await expect(b.save(rec("initiator", "33", "init_exchange", { owner: "b" }))).rejects.toBeInstanceOf(
        SessionConflictError,
      );
      const list = await b.list();
      expect(list).toHaveLength(1);
      expect(list[0]!.record.owner).toBe("a");
    });

    it("list returns every session of the agent; purge removes one; purgeAll the rest", async () => {
      const env = await makeEnv();
      const s = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      await s.save(rec("initiator", "41", "init_exchange"));
      await s.save(rec("responder", "41", "resp_confirm"));
      await s.save(rec("responder", "42", "resp_exchange"));
      const other = (await env.newStores("another-agent-id", "900002")).sessions;
      await other.save(rec("initiator", "41", "init_exchange"));
      const fresh = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      const all = await fresh.list();
      expect(all.map((x) => `${x.record.role}/${x.record.peerIdentityObjId}`).sort()).toEqual([
        "initiator/41",
        "responder/41",
        "responder/42",
      ]);
      expect(await fresh.purge("responder", "41")).toBe(true);
      expect(await fresh.purge("responder", "41")).toBe(false);
      expect(await (await env.newStores(AGENT, SELF_OBJ)).sessions.load("responder", "41")).toBeNull();
      expect(await fresh.purgeAll()).toBe(2);
      expect(await (await env.newStores(AGENT, SELF_OBJ)).sessions.list()).toEqual([]);
      // The other agent's session is untouched.
      expect(await other.list()).toHaveLength(1);
    });

    it("a record may carry its own `attrs` field", async () => {
      const env = await makeEnv();
      const s = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      await s.save(rec("initiator", "52", "init_exchange", { attrs: { note: "mine" } }));
      const back = await (await env.newStores(AGENT, SELF_OBJ)).sessions.load("initiator", "52");
      expect(back?.record).toEqual(rec("initiator", "52", "init_exchange", { attrs: { note: "mine" } }));
    });

    it("after a purge the key can be created again by anyone", async () => {
      const env = await makeEnv();
      const a = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      await a.save(rec("initiator", "51", "init_exchange"));
      await a.purge("initiator", "51");
      const b = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      await b.save(rec("initiator", "51", "init_exchange", { round: 2 }));
      expect((await a.load("initiator", "51"))?.record.round).toBe(2);
    });

    it("refuses records carrying secrets or bad keys, and stores nothing", async () => {
      const env = await makeEnv();
      const s = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      await expect(s.save(rec("initiator", "61", "x", { symKey: "AAAA" }))).rejects.toMatchObject({
        code: "SECRET_FIELD",
      });
      await expect(
        s.save(rec("initiator", "61", "x", { nested: { sign_priv_b64: "AAAA" } })),
      ).rejects.toBeInstanceOf(StoreError);
      await expect(s.save({ ...rec("initiator", "61", "x"), role: "boss" } as never)).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
      await expect(s.save(rec("initiator", "not-an-id", "x"))).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
      expect(await s.list()).toEqual([]);
    });

    it("round-trips arbitrary JSON records exactly (property)", async () => {
      const env = await makeEnv();
      const s = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      const reader = (await env.newStores(AGENT, SELF_OBJ)).sessions;
      const key = fc
        .stringMatching(/^[a-z][a-zA-Z0-9]{0,11}$/)
        .filter((k) => !/priv|secret|pass|jwt|token|key/i.test(k));
      let peer = 1000;
      await fc.assert(
        fc.asyncProperty(
          fc
            .dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 })
            .filter((v) => !/priv|secret|pass|jwt|token|key/i.test(JSON.stringify(v))),
          async (extra) => {
            const id = String(peer++);
            const { role: _r, peerIdentityObjId: _p, selfId: _s, ...rest } = extra as Record<string, never>;
            const record = rec("responder", id, "resp_exchange", rest);
            await s.save(record);
            const back = await reader.load("responder", id);
            expect(canon(back?.record)).toBe(canon(JSON.parse(JSON.stringify(record))));
          },
        ),
        { numRuns: runs },
      );
    });
  });
}
