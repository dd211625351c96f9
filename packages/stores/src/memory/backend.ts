// Shared state of the in-memory stores: plays the role of one substrate
// account, so several store instances (two agents, or a "restarted" process)
// see the same data, as they would through the substrate.

import type { AuditBlockPayload } from "../audit-core.js";
import type { AgentIdentity, JsonValue, SessionRecord } from "../types.js";

/** One stored identity (public JSON + encrypted vault JSON). */
export interface MemoryIdentityEntry {
  identity: AgentIdentity;
  vaultObjId: string;
  vault: JsonValue;
}

/** One stored session state. */
export interface MemorySessionEntry {
  record: SessionRecord;
  version: number;
  objId: string;
}

/** In-memory "substrate account" shared by memory stores. */
export class MemoryBackend {
  /** Account id reported as identities' ownerId. */
  readonly ownerId: string;
  #nextId = 1;
  /** identityObjId → entry. */
  readonly identities = new Map<string, MemoryIdentityEntry>();
  /** displayName → identityObjId. */
  readonly byDisplayName = new Map<string, string>();
  /** agentId → identityObjId. */
  readonly byAgentId = new Map<string, string>();
  /** agentId → ("role|peer" → state). */
  readonly sessions = new Map<string, Map<string, MemorySessionEntry>>();
  /** agentId → (nonce → peerIdentityObjId). */
  readonly nonces = new Map<string, Map<string, string>>();
  /** agentId → (peerIdentityObjId → replay high-water mark, ms). */
  readonly marks = new Map<string, Map<string, number>>();
  /** agentId → blocks of events. */
  readonly audit = new Map<string, AuditBlockPayload[]>();

  constructor(ownerId = "1") {
    this.ownerId = ownerId;
  }

  /** The table of `agentId` in `tables` (one of the maps above), created empty on first use. */
  tableOf<V>(tables: Map<string, V>, agentId: string, empty: () => V): V {
    let table = tables.get(agentId);
    if (table === undefined) {
      table = empty();
      tables.set(agentId, table);
    }
    return table;
  }

  /** A fresh object id (decimal string). */
  newId(): string {
    return String(this.#nextId++);
  }
}
