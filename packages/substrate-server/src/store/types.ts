// The storage seam: one interface, two backends (SQLite embedded, PostgreSQL for replicas).
// Routes only talk to this interface; the contract suite runs unchanged against both.

import type { BlockSystem } from "../chain-hash.js";
import type { BatchOp, BatchOutcome } from "./batch.js";
import type { StoreHealth } from "./health.js";

/** A registered account (tenant). */
export interface AccountRecord {
  id: bigint;
  username: string;
  passwordHash: string;
  version: number;
  createdAt: number;
}

/** An agent key ("valet key") provisioned by an account; only its hash is stored. */
export interface AgentKeyRecord {
  /** Agent id: unique per key, carried in key-login JWTs. */
  agentId: bigint;
  accountId: bigint;
}

/** A BOSS object. */
export interface ObjectRecord {
  tenant: bigint;
  type: number;
  id: bigint;
  version: number;
  data: Buffer;
  createdAt: number;
  updatedAt: number;
}

/** Outcome of an optimistic update. */
export type UpdateOutcome = "ok" | "clash" | "missing";

/** Per-tenant object/association counters. */
export interface ObjectStats {
  objectCount: bigint;
  objectBytes: bigint;
  associationCount: bigint;
  associationBytes: bigint;
}

/** A BOSS association, keyed by (tenant, type, sourceId, targetId). */
export interface AssociationRecord {
  tenant: bigint;
  type: string;
  sourceId: bigint;
  targetId: bigint;
  time: bigint;
  position: bigint;
  data: Buffer;
}

/** Options for listing associations. */
export interface AssociationQuery {
  targetId?: bigint;
  /** Only associations with position strictly below this (paging in descending order). */
  after?: bigint;
  limit: number;
}

/** Identifies one chain. `tenant` is the owner's username. */
export interface ChainKey {
  tenant: string;
  name: string;
  shard: number;
}

/** Chain metadata row. */
export interface ChainRecord extends ChainKey {
  /** Lowest block index (the first block). */
  headIdx: bigint;
  /** Highest block index (the last block). */
  tailIdx: bigint;
  blockCount: bigint;
  messageCount: bigint;
  payloadBytes: bigint;
  createdAt: number;
  updatedAt: number;
}

/** One stored block. `payloads` is the framed encoding from chain-hash.ts. */
export interface BlockRecord extends ChainKey {
  idx: bigint;
  payloads: Buffer;
  system: BlockSystem;
  createdAt: number;
  messageCount: number;
  payloadBytes: number;
  hash: Buffer;
  prevHash: Buffer;
}

/** What the caller supplies for a new block; the store picks the index and computes the hash. */
export interface NewBlock {
  payloads: Buffer;
  messageCount: number;
  payloadBytes: number;
  eventId: string;
  sourceAgent: string;
  now: number;
}

/** Storage backend used by the HTTP layer. All methods are atomic on their own. */
export interface SubstrateStore {
  /** "sqlite" or "postgres". */
  readonly kind: "sqlite" | "postgres";

  /** Create an account; `null` if the username is taken. */
  createAccount(username: string, passwordHash: string, now: number): Promise<AccountRecord | null>;
  findAccountByUsername(username: string): Promise<AccountRecord | null>;
  findAccountById(id: bigint): Promise<AccountRecord | null>;

  /** Store a key hash for an account; `null` if that key already exists. */
  addAgentKey(accountId: bigint, secretHash: Buffer, now: number): Promise<AgentKeyRecord | null>;
  /** Delete a key; false if unknown. */
  removeAgentKey(accountId: bigint, secretHash: Buffer): Promise<boolean>;
  findAgentKey(accountId: bigint, secretHash: Buffer): Promise<AgentKeyRecord | null>;
  /** Whether a key with this agent id still exists (revocation check for key JWTs). */
  agentKeyExists(accountId: bigint, agentId: bigint): Promise<boolean>;

  getObject(tenant: bigint, type: number, id: bigint): Promise<ObjectRecord | null>;
  /** Create with a fresh unique id; the stored version is `version`. */
  createObject(tenant: bigint, type: number, version: number, data: Buffer, now: number): Promise<bigint>;
  /** Update iff the stored version equals `expectedVersion`; the version becomes expected + 1. */
  updateObject(
    tenant: bigint,
    type: number,
    id: bigint,
    expectedVersion: number,
    data: Buffer,
    now: number,
  ): Promise<UpdateOutcome>;
  /** Delete an object and every association from or to it; false if missing. */
  deleteObject(tenant: bigint, type: number, id: bigint): Promise<boolean>;
  objectStats(tenant: bigint): Promise<ObjectStats>;

  putAssociation(a: AssociationRecord): Promise<void>;
  listAssociations(
    tenant: bigint,
    type: string,
    sourceId: bigint,
    q: AssociationQuery,
  ): Promise<AssociationRecord[]>;
  deleteAssociation(tenant: bigint, type: string, sourceId: bigint, targetId: bigint): Promise<boolean>;

  /** Append (at tail+1) or prepend (at head-1) one block, creating the chain; atomic per chain. */
  addBlock(key: ChainKey, where: "append" | "prepend", block: NewBlock): Promise<BlockRecord>;
  getChain(key: ChainKey): Promise<ChainRecord | null>;
  getBlock(key: ChainKey, idx: bigint): Promise<BlockRecord | null>;
  /** Blocks with startIdx ≤ idx ≤ endIdx in the given order, at most `limit`. */
  listBlocks(
    key: ChainKey,
    startIdx: bigint,
    endIdx: bigint,
    order: "ASC" | "DESC",
    limit: number,
  ): Promise<BlockRecord[]>;
  /** Delete a chain and its blocks; the deleted metadata, or null if unknown. */
  deleteChain(key: ChainKey): Promise<ChainRecord | null>;
  listChains(tenant: string): Promise<ChainRecord[]>;

  /** Does the database answer (and, for PostgreSQL, how busy is the pool)? */
  health(): Promise<StoreHealth>;
  /**
   * Apply several writes in ONE transaction, all or nothing (the batch extension): a version clash
   * or a missing object at item `index` rolls every item back and is answered as `{ok:false}`.
   * Items may reference objects created by earlier items (see batch.ts).
   */
  applyBatch(tenant: bigint, ops: readonly BatchOp[]): Promise<BatchOutcome>;

  /** Close connections / the database file. */
  close(): Promise<void>;
}
