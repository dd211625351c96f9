// Check `sessions`: session milestone persistence through the substrate
// SessionStore. Store A creates and advances a session; store B (a second
// process: new login) loads it and writes the next milestone; A's write at
// its now stale version must be refused (SessionConflictError) and must not
// land. Listing shows both sessions of the agent; purge removes one, then all.

import { randomUUID } from "node:crypto";
import { ObjectTypes, SessionConflictError, SubstrateSessionStore } from "@hsagent/stores";
import { CheckFailure, expect } from "../errors.js";
import type { CheckFn } from "./types.js";

/** The `sessions` check. */
export const sessionsCheck: CheckFn = async (ctx) => {
  const account = ctx.requirePrimary();
  const agentId = randomUUID();
  const identityObjId = ctx.randomId();
  const peer = ctx.randomId();
  const a = new SubstrateSessionStore(account.client, agentId, identityObjId);
  // State objects are also recorded in the ledger, so the final sweep removes
  // them even if the store's own purge cannot find them (a broken index).
  const tracked: string[] = [];
  const track = <T extends { objId: string }>(stored: T): T => {
    account.ledger.object(ObjectTypes.HandshakeSessionState, stored.objId);
    tracked.push(stored.objId);
    return stored;
  };
  try {
    const created = track(await a.save({ role: "initiator", peerIdentityObjId: peer, state: "created" }));
    const established = await a.save({ role: "initiator", peerIdentityObjId: peer, state: "established" });
    expect(established.objId === created.objId, "a second save created another state object");
    expect(established.version === created.version + 1, "a save did not advance the version by one");

    const b = new SubstrateSessionStore(await ctx.relogin(account), agentId, identityObjId);
    const loaded = await b.load("initiator", peer);
    expect(loaded !== null, "a second store instance cannot load the session");
    expect(
      loaded.record.state === "established",
      `loaded state "${loaded.record.state}", expected "established"`,
    );
    await b.save({ role: "initiator", peerIdentityObjId: peer, state: "finalizing" });

    try {
      await a.save({ role: "initiator", peerIdentityObjId: peer, state: "ended" });
      throw new CheckFailure("a save at a stale version was accepted (no SessionConflictError)");
    } catch (error) {
      if (!(error instanceof SessionConflictError)) throw error;
    }
    const current = await a.load("initiator", peer);
    expect(current?.record.state === "finalizing", "the refused stale save changed the stored state");

    track(await a.save({ role: "responder", peerIdentityObjId: peer, state: "created" }));
    const listed = await b.list();
    const states = listed
      .map((s) => `${s.record.role}:${s.record.state}`)
      .sort()
      .join(",");
    expect(states === "initiator:finalizing,responder:created", `list shows [${states}]`);

    expect(await a.purge("initiator", peer), "purge of an existing session reported nothing to delete");
    expect(!(await a.purge("initiator", peer)), "a second purge reported a deletion");
    expect((await a.load("initiator", peer)) === null, "a purged session can still be loaded");
    expect((await b.list()).length === 1, "list after one purge does not show exactly one session");
    expect((await b.purgeAll()) === 1, "purgeAll did not delete exactly the one remaining session");
    expect((await a.list()).length === 0, "list after purgeAll is not empty");
    for (const id of tracked) account.ledger.objectGone(ObjectTypes.HandshakeSessionState, id);
  } finally {
    try {
      await a.purgeAll();
    } catch {
      // left for the cleanup check
    }
  }
};
