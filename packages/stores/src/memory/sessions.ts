// In-memory SessionStore with the same ownership rules as the substrate one:
// a store may update a state only at the version it last saw (created or
// loaded); anything else is a SessionConflictError.

import { SessionConflictError } from "../errors.js";
import { assertObjId } from "../guard.js";
import { checkRecord, sessionKey } from "../session-codec.js";
import type {
  SessionRecord,
  SessionRole,
  SessionStore,
  SessionStoreOptions,
  StoredSession,
} from "../types.js";
import type { MemoryBackend, MemorySessionEntry } from "./backend.js";

/** SessionStore over a {@link MemoryBackend}, for one agent. */
export class MemorySessionStore implements SessionStore {
  readonly #backend: MemoryBackend;
  readonly #agentId: string;
  /** Versions this instance owns, by key. */
  readonly #handles = new Map<string, { objId: string; version: number }>();

  readonly #exclusive: boolean;

  constructor(backend: MemoryBackend, agentId: string, options: SessionStoreOptions = {}) {
    this.#backend = backend;
    this.#agentId = agentId;
    this.#exclusive = options.exclusiveWriter ?? false;
  }

  #table(): Map<string, MemorySessionEntry> {
    return this.#backend.tableOf(this.#backend.sessions, this.#agentId, () => new Map());
  }

  async save(record: SessionRecord): Promise<StoredSession> {
    checkRecord(record);
    const key = sessionKey(record.role, record.peerIdentityObjId);
    const table = this.#table();
    const current = table.get(key);
    const handle = this.#handles.get(key);
    if (handle) {
      if (!current || current.objId !== handle.objId || current.version !== handle.version) {
        this.#handles.delete(key);
        throw new SessionConflictError(
          record.role,
          record.peerIdentityObjId,
          "state changed since we last saw it",
        );
      }
    } else if (current && !this.#exclusive) {
      throw new SessionConflictError(
        record.role,
        record.peerIdentityObjId,
        "a state exists that this store does not own",
      );
    }
    const entry: MemorySessionEntry = {
      record: structuredClone(record),
      version: handle ? handle.version + 1 : 0,
      objId: handle ? handle.objId : this.#backend.newId(),
    };
    table.set(key, entry);
    this.#handles.set(key, { objId: entry.objId, version: entry.version });
    return structuredClone(entry);
  }

  async load(role: SessionRole, peerIdentityObjId: string): Promise<StoredSession | null> {
    const key = sessionKey(role, assertObjId(peerIdentityObjId, "peerIdentityObjId"));
    const entry = this.#table().get(key);
    if (!entry) {
      this.#handles.delete(key);
      return null;
    }
    this.#handles.set(key, { objId: entry.objId, version: entry.version });
    return structuredClone(entry);
  }

  async list(): Promise<StoredSession[]> {
    const out: StoredSession[] = [];
    for (const [key, entry] of this.#table()) {
      this.#handles.set(key, { objId: entry.objId, version: entry.version });
      out.push(structuredClone(entry));
    }
    return out;
  }

  async purge(role: SessionRole, peerIdentityObjId: string): Promise<boolean> {
    const key = sessionKey(role, assertObjId(peerIdentityObjId, "peerIdentityObjId"));
    this.#handles.delete(key);
    return this.#table().delete(key);
  }

  async purgeAll(): Promise<number> {
    const table = this.#table();
    const n = table.size;
    table.clear();
    this.#handles.clear();
    return n;
  }
}
