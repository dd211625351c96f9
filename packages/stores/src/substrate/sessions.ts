// SessionStore over the substrate (SUBSTRATE-API.md §6): one
// HandshakeSessionState object (7005) per (role, peer), linked from our
// identity by `hs_session-<role>-<peerIdentityObjId>` and by
// `has_handshake_with` {role} (to list them all).
// Ownership: this store updates a state only at the version it created or
// loaded (conditional PUT); a 409 — or a state it does not own — is a
// SessionConflictError — unless it is a leftover of this very instance (tagged
// with our random `writer` token, e.g. a create whose answer was lost and
// whose links landed after the purge): that one is deleted and the save goes
// on, so a lost answer cannot block the pair's later sessions. Round-trips:
//   first save = 1 where the server takes the `expectNoAssociation`
//                   precondition (one batch: no hs_session link yet, the object
//                   and both associations, all or nothing; a link found → the
//                   path below); 2 where it only batches (list hs_session ∥ one
//                   batch: the object and both associations); 1 latency. Without batching 4 (list ∥ PUT object, then both
//                   associations in parallel); 2 latencies. With
//                   `exclusiveWriter` (this process is the agent's only writer
//                   and purged stale states at start-up) the ownership check
//                   is skipped: 1 (batched) or 3.
//   later save = 1 (conditional PUT)
//   load = 2, list = 1 + N (object GETs in parallel)
//   purge = 1 when the state is known here (DELETE removes its associations
//           too; with an audit log on a batching server, its buffered events
//           ride in the same batch), else 2; purgeAll = 1 + N

import { randomBytes } from "node:crypto";
import {
  BatchClashError,
  bytesToJson,
  fromUtf8,
  type SubstrateClient,
  VersionClashError,
} from "@hsagent/substrate-client";
import type { BatchingAuditLog } from "../audit-core.js";
import { SessionConflictError } from "../errors.js";
import { assertObjId } from "../guard.js";
import { auditChain, CHAIN_SHARD, HAS_HANDSHAKE_WITH, ObjectTypes, sessionAssocType } from "../layout.js";
import { FAN_OUT, mapLimit } from "../limit.js";
import { checkRecord, parseSession, sessionJson, sessionKey, sessionWriter } from "../session-codec.js";
import type {
  JsonValue,
  SessionRecord,
  SessionRole,
  SessionStore,
  SessionStoreOptions,
  StoredSession,
} from "../types.js";

/** Options of {@link SubstrateSessionStore}. */
export interface SubstrateSessionStoreOptions extends SessionStoreOptions {
  /**
   * The agent's audit log: where the server batches, the events it has buffered ride with a
   * session purge (one call: the state's DELETE and the audit block, all or nothing).
   */
  readonly audit?: BatchingAuditLog;
}

/** SessionStore of one agent over a logged-in client. */
export class SubstrateSessionStore implements SessionStore {
  readonly #client: SubstrateClient;
  readonly #agentId: string;
  readonly #identityObjId: string;
  /** States this instance owns: object id and the version it last wrote or read. */
  readonly #handles = new Map<
    string,
    { objId: string; version: number; createdJson?: string; uncertain?: boolean }
  >();

  readonly #exclusive: boolean;
  readonly #audit: BatchingAuditLog | null;
  /** Tags every state this instance writes (not a secret): its own leftovers are recognisable. */
  readonly #writer = randomBytes(8).toString("hex");

  constructor(
    client: SubstrateClient,
    agentId: string,
    identityObjId: string,
    options: SubstrateSessionStoreOptions = {},
  ) {
    this.#client = client;
    this.#agentId = agentId;
    this.#identityObjId = assertObjId(identityObjId, "identityObjId");
    this.#exclusive = options.exclusiveWriter ?? false;
    this.#audit = options.audit ?? null;
  }

  async save(record: SessionRecord): Promise<StoredSession> {
    checkRecord(record);
    const { role, peerIdentityObjId: peer } = record;
    const key = sessionKey(role, peer);
    const value = sessionJson(record, this.#agentId, this.#writer);
    let handle = this.#handles.get(key);
    if (handle?.uncertain) {
      // Our last write's outcome is unknown (5xx, timeout, dropped connection): the state is still
      // ours, only its version is not known. Re-read it once (one GET) instead of mistaking our
      // own state for another writer's.
      const current = await this.#client.getObject(ObjectTypes.HandshakeSessionState, handle.objId);
      if (current) {
        handle.version = current.version;
        handle.uncertain = false;
      } else {
        this.#handles.delete(key);
        handle = undefined;
      }
    }
    if (handle) {
      try {
        await this.#putAdoptingOwnCreate(handle, value);
      } catch (error) {
        if (error instanceof VersionClashError) {
          this.#handles.delete(key);
          throw new SessionConflictError(role, peer, `version ${handle.version} is no longer current`);
        }
        if (error instanceof Error && (error as { status?: number }).status === 404) {
          this.#handles.delete(key);
          throw new SessionConflictError(role, peer, "the state was deleted by another writer");
        }
        handle.uncertain = true;
        throw error;
      }
      const stored = { record: structuredClone(record), version: handle.version + 1, objId: handle.objId };
      this.#handles.set(key, { objId: handle.objId, version: stored.version });
      return stored;
    }
    // Unknown to us: create, checking that nobody else has a state for this key. Where the server
    // takes the precondition, check and create are one batch (one call, one transaction).
    const assocType = sessionAssocType(role, peer);
    if (!this.#exclusive && (await this.#client.batchSupports("expectNoAssociation"))) {
      const created = await this.#createGuarded(value, assocType, role, peer);
      if (created) {
        this.#handles.set(key, { objId: created.id, version: 0, createdJson: JSON.stringify(value) });
        return { record: structuredClone(record), version: 0, objId: created.id };
      }
      // A state is linked already (ours left over, or another writer's): the checked path below.
    }
    const batched = await this.#client.batchSupported();
    const [existing, created] = await Promise.all([
      this.#exclusive
        ? Promise.resolve({ associations: [] as { targetId: string }[] })
        : this.#client.listAssociations(assocType, this.#identityObjId, { limit: 2 }),
      batched
        ? this.#createLinked(value, assocType, role, peer)
        : this.#client.putJson({ type: ObjectTypes.HandshakeSessionState, version: 0, value }),
    ]);
    // A batched create links at once, so the check may already see the state just made: skip it.
    const others = existing.associations.some((a) => a.targetId !== created.id);
    if (others && !(await this.#clearOwnLeftovers(assocType, created.id))) {
      // A batched create landed with its links: deleting the object removes them too.
      await this.#client.deleteObject(ObjectTypes.HandshakeSessionState, created.id);
      throw new SessionConflictError(
        role,
        peer,
        "a state exists that this store does not own (load() it first)",
      );
    }
    // The state is ours from here on, even if a link below fails (a substrate losing its database
    // connection mid-way): a purge then deletes the object by id, and with it every link that landed.
    this.#handles.set(key, { objId: created.id, version: 0, createdJson: JSON.stringify(value) });
    if (!batched) {
      await Promise.all([
        this.#client.putAssociation({
          type: assocType,
          sourceId: this.#identityObjId,
          targetId: created.id,
          json: {},
        }),
        this.#client.putAssociation({
          type: HAS_HANDSHAKE_WITH,
          sourceId: this.#identityObjId,
          targetId: created.id,
          json: { role, peerIdentityObjId: peer },
        }),
      ]);
    }
    // A create stores the version sent (0), per SUBSTRATE-API.md §3.
    return { record: structuredClone(record), version: 0, objId: created.id };
  }

  /**
   * The state object and both its links in one batched call, on condition that no state is linked
   * for this key yet; null (nothing written) if one is.
   */
  async #createGuarded(
    value: JsonValue,
    assocType: string,
    role: SessionRole,
    peer: string,
  ): Promise<{ id: string } | null> {
    try {
      return await this.#createLinked(value, assocType, role, peer, true);
    } catch (error) {
      if (error instanceof BatchClashError && error.index === 0) return null;
      throw error;
    }
  }

  /**
   * The state object and both its links in one batched call (all or nothing), behind the
   * `expectNoAssociation` precondition on the key's link when `guarded` (item 0).
   */
  async #createLinked(
    value: JsonValue,
    assocType: string,
    role: SessionRole,
    peer: string,
    guarded = false,
  ): Promise<{ id: string }> {
    const source = this.#identityObjId;
    const at = guarded ? 1 : 0; // the object create's index
    const ref = `$${at}` as const;
    const results = await this.#client.batch([
      ...(guarded ? [{ op: "expectNoAssociation" as const, type: assocType, sourceId: source }] : []),
      { op: "putObject", type: ObjectTypes.HandshakeSessionState, version: 0, json: value },
      { op: "putAssociation", type: assocType, sourceId: source, targetId: ref, json: {} },
      {
        op: "putAssociation",
        type: HAS_HANDSHAKE_WITH,
        sourceId: source,
        targetId: ref,
        json: { role, peerIdentityObjId: peer },
      },
    ]);
    return results[at] as { id: string };
  }

  async load(role: SessionRole, peerIdentityObjId: string): Promise<StoredSession | null> {
    assertObjId(peerIdentityObjId, "peerIdentityObjId");
    const key = sessionKey(role, peerIdentityObjId);
    const { associations } = await this.#client.listAssociations(
      sessionAssocType(role, peerIdentityObjId),
      this.#identityObjId,
      { limit: 1 },
    );
    const link = associations[0];
    const stored = link ? await this.#read(link.targetId) : null;
    if (!stored) {
      this.#handles.delete(key);
      return null;
    }
    this.#handles.set(key, { objId: stored.objId, version: stored.version });
    return stored;
  }

  async list(): Promise<StoredSession[]> {
    const links = await this.#allLinks();
    const read = await mapLimit(links, FAN_OUT, (id) => this.#read(id));
    const out: StoredSession[] = [];
    for (const stored of read) {
      if (!stored) continue;
      this.#handles.set(sessionKey(stored.record.role, stored.record.peerIdentityObjId), {
        objId: stored.objId,
        version: stored.version,
      });
      out.push(stored);
    }
    return out;
  }

  async purge(role: SessionRole, peerIdentityObjId: string): Promise<boolean> {
    assertObjId(peerIdentityObjId, "peerIdentityObjId");
    const key = sessionKey(role, peerIdentityObjId);
    const objId = this.#handles.get(key)?.objId;
    if (!objId) {
      // Not ours yet: delete every state linked for this key (duplicates included).
      const { associations } = await this.#client.listAssociations(
        sessionAssocType(role, peerIdentityObjId),
        this.#identityObjId,
        { limit: 100 },
      );
      const results = await mapLimit(associations, FAN_OUT, (a) =>
        this.#client.deleteObject(ObjectTypes.HandshakeSessionState, a.targetId),
      );
      return results.some((r) => r.success);
    }
    // Forget the handle only once the DELETE answered: if it fails, the state is still ours, and
    // a retry (or a later save, which updates it) must not mistake it for another writer's.
    const success = await this.#deleteState(objId);
    this.#handles.delete(key);
    return success;
  }

  /** See {@link SessionStore.purgeCarriesAudit}: with an audit log, on a batching server. */
  async purgeCarriesAudit(): Promise<boolean> {
    return this.#audit !== null && (await this.#client.batchSupported());
  }

  /** DELETE one known state; buffered audit events ride along where the server batches. */
  async #deleteState(objId: string): Promise<boolean> {
    const audit = this.#audit;
    if (!audit || !(await this.#client.batchSupported())) {
      return (await this.#client.deleteObject(ObjectTypes.HandshakeSessionState, objId)).success;
    }
    const results = await audit.rideWith((payload) =>
      this.#client.batch([
        { op: "deleteObject", type: ObjectTypes.HandshakeSessionState, id: objId },
        ...(payload
          ? [
              {
                op: "appendBlock" as const,
                chain: auditChain(this.#agentId),
                shard: CHAIN_SHARD,
                payload: JSON.stringify(payload),
              },
            ]
          : []),
      ]),
    );
    return (results[0] as { deleted: boolean }).deleted;
  }

  async purgeAll(): Promise<number> {
    const links = await this.#allLinks();
    const results = await mapLimit(links, FAN_OUT, (id) =>
      this.#client.deleteObject(ObjectTypes.HandshakeSessionState, id),
    );
    this.#handles.clear();
    return results.filter((r) => r.success).length;
  }

  /**
   * Conditional PUT at the handle's version. If the handle comes from our own
   * create and never was read, a server that numbers creates differently would
   * clash spuriously: then re-read once and, if the stored JSON is exactly what
   * we created, adopt its version.
   */
  async #putAdoptingOwnCreate(
    handle: { objId: string; version: number; createdJson?: string },
    value: JsonValue,
  ): Promise<void> {
    const put = (version: number) =>
      this.#client.putJson({ type: ObjectTypes.HandshakeSessionState, id: handle.objId, version, value });
    try {
      await put(handle.version);
    } catch (error) {
      if (!(error instanceof VersionClashError) || handle.createdJson === undefined) throw error;
      const current = await this.#client.getObject(ObjectTypes.HandshakeSessionState, handle.objId);
      if (!current || fromUtf8(current.data) !== handle.createdJson) throw error;
      handle.version = current.version;
      await put(handle.version);
    }
  }

  /**
   * The states linked under `assocType` that this instance wrote but no longer tracks (a create or
   * link whose answer was lost) are deleted, and links to states that are gone are removed.
   * True if nothing else is left; false if another writer's state is there (it is left alone).
   * `keep` is the state this save just created (never a leftover).
   */
  async #clearOwnLeftovers(assocType: string, keep: string): Promise<boolean> {
    const { associations } = await this.#client.listAssociations(assocType, this.#identityObjId, {
      limit: 100,
    });
    const stale = associations.filter((link) => link.targetId !== keep);
    const verdicts = await mapLimit(stale, FAN_OUT, async (link) => {
      const obj = await this.#client.getObject(ObjectTypes.HandshakeSessionState, link.targetId);
      if (obj) {
        let writer: string | null = null;
        try {
          writer = sessionWriter(bytesToJson(obj.data));
        } catch {
          writer = null;
        }
        if (writer !== this.#writer) return false;
        await this.#client.deleteObject(ObjectTypes.HandshakeSessionState, link.targetId);
        return true;
      }
      await Promise.all([
        this.#client.deleteAssociation(assocType, this.#identityObjId, link.targetId),
        this.#client.deleteAssociation(HAS_HANDSHAKE_WITH, this.#identityObjId, link.targetId),
      ]);
      return true;
    });
    return verdicts.every(Boolean);
  }

  /** Target ids of every has_handshake_with association (pages of 1000). */
  async #allLinks(): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#client.listAssociations(HAS_HANDSHAKE_WITH, this.#identityObjId, {
        limit: 1000,
        ...(after !== undefined ? { after } : {}),
      });
      ids.push(...page.associations.map((a) => a.targetId));
      if (page.associations.length < 1000) return ids;
      after = page.associations[page.associations.length - 1]!.position;
    }
  }

  async #read(objId: string): Promise<StoredSession | null> {
    const obj = await this.#client.getObject(ObjectTypes.HandshakeSessionState, objId);
    if (!obj) return null;
    let record: SessionRecord | null = null;
    try {
      record = parseSession(bytesToJson(obj.data));
    } catch {
      record = null;
    }
    return record ? { record, version: obj.version, objId: obj.id } : null;
  }
}
