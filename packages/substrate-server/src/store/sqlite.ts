// SQLite backend (better-sqlite3): the embedded default.
// Durability: WAL with synchronous=NORMAL by default — every commit is in the WAL (the OS page cache)
// before the HTTP answer is sent, so a 2xx-acknowledged write survives `kill -9` and any crash of the
// process; synchronous=FULL (opt-in) also fsyncs each commit, surviving power loss at ~3x the write cost. One connection per process;
// chain appends use BEGIN IMMEDIATE so several processes on one file never fork a hash chain.

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import {
  BatchAbort,
  type BatchOp,
  type BatchOutcome,
  batchPlan,
  driveSync,
  type Step,
  type StepAnswer,
} from "./batch.js";
import { buildBlock, chainAfter, placeBlock } from "./blocks.js";
import { sqliteHealth } from "./health.js";
import {
  associationValues,
  big,
  blockValues,
  buf,
  type Row,
  toAccount,
  toAssociation,
  toBlock,
  toChain,
  toObjectStats,
} from "./rows.js";
import { SQLITE_MIGRATIONS } from "./schema.js";
import type {
  AgentKeyRecord,
  AssociationQuery,
  BlockRecord,
  ChainKey,
  ChainRecord,
  NewBlock,
  ObjectStats,
  SubstrateStore,
  UpdateOutcome,
} from "./types.js";

/** Options for {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** File path, or ":memory:". */
  file: string;
  /** `synchronous` pragma; default "NORMAL" (see the header comment). */
  synchronous?: "FULL" | "NORMAL";
}

/** Apply pending migrations inside one IMMEDIATE transaction each. */
function migrate(db: Database.Database): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  for (const m of SQLITE_MIGRATIONS) {
    const apply = db.transaction(() => {
      const done = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").get(m.version);
      if (done) return;
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(
        m.version,
        Date.now(),
      );
    });
    apply.immediate();
  }
}

/** Open (creating if needed) an SQLite store and apply migrations. */
export function openSqliteStore(opts: SqliteStoreOptions): SubstrateStore {
  if (opts.file !== ":memory:") mkdirSync(dirname(opts.file), { recursive: true });
  const db = new Database(opts.file);
  db.defaultSafeIntegers(true);
  db.pragma("busy_timeout = 10000");
  if (opts.file !== ":memory:") db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${opts.synchronous ?? "NORMAL"}`);
  migrate(db);

  const q = {
    insertAccount: db.prepare(
      "INSERT INTO accounts (username, password_hash, version, created_at) VALUES (?, ?, 1, ?) ON CONFLICT (username) DO NOTHING RETURNING *",
    ),
    accountByName: db.prepare("SELECT * FROM accounts WHERE username = ?"),
    accountById: db.prepare("SELECT * FROM accounts WHERE id = ?"),
    insertKey: db.prepare(
      "INSERT INTO agent_keys (account_id, secret_hash, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING agent_id",
    ),
    deleteKey: db.prepare("DELETE FROM agent_keys WHERE account_id = ? AND secret_hash = ?"),
    findKey: db.prepare("SELECT agent_id FROM agent_keys WHERE account_id = ? AND secret_hash = ?"),
    keyExists: db.prepare("SELECT 1 FROM agent_keys WHERE account_id = ? AND agent_id = ?"),
    // The hottest read: only the columns the caller does not know, as an array (no per-row object
    // with map transitions), and plain numbers (version is int32, timestamps are ms since 1970).
    getObject: db
      .prepare(
        "SELECT version, data, created_at, updated_at FROM objects WHERE id = ? AND tenant = ? AND type = ?",
      )
      .safeIntegers(false)
      .raw(true),
    insertObject: db.prepare(
      "INSERT INTO objects (tenant, type, version, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    updateObject: db.prepare(
      "UPDATE objects SET version = version + 1, data = ?, updated_at = ? WHERE id = ? AND tenant = ? AND type = ? AND version = ?",
    ),
    objectExists: db.prepare("SELECT 1 FROM objects WHERE id = ? AND tenant = ? AND type = ?"),
    deleteObject: db.prepare("DELETE FROM objects WHERE id = ? AND tenant = ? AND type = ?"),
    // Two DELETEs, one per index: an OR across source_id and target_id is planned on the tenant
    // prefix alone and scans every association of the tenant.
    deleteSourceAssocs: db.prepare("DELETE FROM associations WHERE tenant = ? AND source_id = ?"),
    deleteTargetAssocs: db.prepare("DELETE FROM associations WHERE tenant = ? AND target_id = ?"),
    objectStats: db.prepare(
      "SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM objects WHERE tenant = ?",
    ),
    assocStats: db.prepare(
      "SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM associations WHERE tenant = ?",
    ),
    putAssoc: db.prepare(
      `INSERT INTO associations (tenant, type, source_id, target_id, time, position, data) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, type, source_id, target_id) DO UPDATE SET time = excluded.time, position = excluded.position, data = excluded.data`,
    ),
    deleteAssoc: db.prepare(
      "DELETE FROM associations WHERE tenant = ? AND type = ? AND source_id = ? AND target_id = ?",
    ),
    anyAssoc: db.prepare(
      "SELECT 1 FROM associations WHERE tenant = ? AND type = ? AND source_id = ? LIMIT 1",
    ),
    getChain: db.prepare("SELECT * FROM chains WHERE tenant = ? AND name = ? AND shard = ?"),
    getBlock: db.prepare("SELECT * FROM blocks WHERE tenant = ? AND name = ? AND shard = ? AND idx = ?"),
    blockHash: db.prepare("SELECT hash FROM blocks WHERE tenant = ? AND name = ? AND shard = ? AND idx = ?"),
    insertBlock: db.prepare(
      `INSERT INTO blocks (tenant, name, shard, idx, payloads, event_id, timestamp, source_agent, created_at,
         message_count, payload_bytes, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    upsertChain: db.prepare(
      `INSERT INTO chains (tenant, name, shard, head_idx, tail_idx, block_count, message_count, payload_bytes, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, name, shard) DO UPDATE SET head_idx = excluded.head_idx, tail_idx = excluded.tail_idx,
         block_count = excluded.block_count, message_count = excluded.message_count,
         payload_bytes = excluded.payload_bytes, updated_at = excluded.updated_at`,
    ),
    blocksAsc: db.prepare(
      "SELECT * FROM blocks WHERE tenant = ? AND name = ? AND shard = ? AND idx >= ? AND idx <= ? ORDER BY idx ASC LIMIT ?",
    ),
    blocksDesc: db.prepare(
      "SELECT * FROM blocks WHERE tenant = ? AND name = ? AND shard = ? AND idx >= ? AND idx <= ? ORDER BY idx DESC LIMIT ?",
    ),
    deleteChain: db.prepare("DELETE FROM chains WHERE tenant = ? AND name = ? AND shard = ?"),
    deleteBlocks: db.prepare("DELETE FROM blocks WHERE tenant = ? AND name = ? AND shard = ?"),
    listChains: db.prepare("SELECT * FROM chains WHERE tenant = ? ORDER BY name, shard"),
  };

  const listStatements = new Map<string, Database.Statement>();

  // The writes of a chain append and of an object delete, run inside a transaction: their own
  // (addBlockTx, deleteObjectTx) or a batch's (called directly: a nested better-sqlite3 transaction
  // would add a SAVEPOINT and a RELEASE statement for nothing, as a failed step aborts the batch).
  const addBlock = (key: ChainKey, where: "append" | "prepend", nb: NewBlock): BlockRecord => {
    const row = q.getChain.get(key.tenant, key.name, key.shard) as Row | undefined;
    const chain = row ? toChain(row) : null;
    const placement = placeBlock(chain, where);
    let neighbour: Buffer | null = null;
    if (placement.linkIdx !== null) {
      const n = q.blockHash.get(key.tenant, key.name, key.shard, placement.linkIdx) as Row | undefined;
      neighbour = n ? buf(n.hash) : null;
    }
    const b = buildBlock(key, placement, neighbour, nb);
    q.insertBlock.run(key.tenant, key.name, key.shard, ...blockValues(b));
    const c = chainAfter(key, chain, b);
    q.upsertChain.run(
      key.tenant,
      key.name,
      key.shard,
      c.headIdx,
      c.tailIdx,
      c.blockCount,
      c.messageCount,
      c.payloadBytes,
      c.createdAt,
      c.updatedAt,
    );
    return b;
  };
  const addBlockTx = db.transaction(addBlock);

  const deleteObject = (tenant: bigint, type: number, id: bigint): boolean => {
    const r = q.deleteObject.run(id, tenant, type);
    if (r.changes === 0) return false;
    q.deleteSourceAssocs.run(tenant, id);
    q.deleteTargetAssocs.run(tenant, id);
    return true;
  };
  const deleteObjectTx = db.transaction(deleteObject);

  // One step of a batch plan (see batch.ts), synchronous: the whole batch is one transaction.
  const runStep = (tenant: bigint, step: Step): StepAnswer => {
    switch (step.do) {
      case "create":
        return big(
          q.insertObject.run(tenant, step.type, step.version, step.data, now(), now()).lastInsertRowid,
        );
      case "update":
        if (q.updateObject.run(step.data, now(), step.id, tenant, step.type, step.version).changes === 1)
          return "ok";
        return q.objectExists.get(step.id, tenant, step.type) ? "clash" : "missing";
      case "delete":
        return deleteObject(tenant, step.type, step.id);
      case "putAssoc": {
        const a = step.a;
        q.putAssoc.run(...associationValues(a));
        return undefined;
      }
      case "deleteAssoc":
        return q.deleteAssoc.run(tenant, step.type, step.sourceId, step.targetId).changes > 0;
      case "append": {
        const b = addBlock(step.key, "append", step.block);
        return { idx: b.idx, eventId: b.system.eventId };
      }
      case "anyAssoc":
        return q.anyAssoc.get(tenant, step.type, step.sourceId) !== undefined;
    }
  };
  const now = (): number => Date.now();
  const batchTx = db.transaction(
    (tenant: bigint, ops: readonly BatchOp[]): BatchOutcome =>
      driveSync(batchPlan(tenant, ops), (step) => runStep(tenant, step)),
  );

  const deleteChainTx = db.transaction((key: ChainKey): ChainRecord | null => {
    const row = q.getChain.get(key.tenant, key.name, key.shard) as Row | undefined;
    if (!row) return null;
    q.deleteBlocks.run(key.tenant, key.name, key.shard);
    q.deleteChain.run(key.tenant, key.name, key.shard);
    return toChain(row);
  });

  const store: SubstrateStore = {
    kind: "sqlite",
    async createAccount(username, passwordHash, now) {
      const row = q.insertAccount.get(username, passwordHash, now) as Row | undefined;
      return row ? toAccount(row) : null;
    },
    async findAccountByUsername(username) {
      const row = q.accountByName.get(username) as Row | undefined;
      return row ? toAccount(row) : null;
    },
    async findAccountById(id) {
      const row = q.accountById.get(id) as Row | undefined;
      return row ? toAccount(row) : null;
    },
    async addAgentKey(accountId, secretHash, now): Promise<AgentKeyRecord | null> {
      const row = q.insertKey.get(accountId, secretHash, now) as Row | undefined;
      return row ? { agentId: big(row.agent_id), accountId } : null;
    },
    async removeAgentKey(accountId, secretHash) {
      return q.deleteKey.run(accountId, secretHash).changes > 0;
    },
    async findAgentKey(accountId, secretHash) {
      const row = q.findKey.get(accountId, secretHash) as Row | undefined;
      return row ? { agentId: big(row.agent_id), accountId } : null;
    },
    async agentKeyExists(accountId, agentId) {
      return q.keyExists.get(accountId, agentId) !== undefined;
    },
    async getObject(tenant, type, id) {
      const row = q.getObject.get(id, tenant, type) as [number, Buffer, number, number] | undefined;
      if (!row) return null;
      return { tenant, type, id, version: row[0], data: row[1], createdAt: row[2], updatedAt: row[3] };
    },
    async createObject(tenant, type, version, data, now) {
      const r = q.insertObject.run(tenant, type, version, data, now, now);
      return big(r.lastInsertRowid);
    },
    async updateObject(tenant, type, id, expectedVersion, data, now): Promise<UpdateOutcome> {
      const r = q.updateObject.run(data, now, id, tenant, type, expectedVersion);
      if (r.changes === 1) return "ok";
      return q.objectExists.get(id, tenant, type) ? "clash" : "missing";
    },
    async deleteObject(tenant, type, id) {
      return deleteObjectTx(tenant, type, id);
    },
    async objectStats(tenant): Promise<ObjectStats> {
      return toObjectStats(q.objectStats.get(tenant) as Row, q.assocStats.get(tenant) as Row);
    },
    async putAssociation(a) {
      q.putAssoc.run(...associationValues(a));
    },
    async listAssociations(tenant, type, sourceId, aq: AssociationQuery) {
      const where = ["tenant = ?", "type = ?", "source_id = ?"];
      const args: unknown[] = [tenant, type, sourceId];
      if (aq.targetId !== undefined) {
        where.push("target_id = ?");
        args.push(aq.targetId);
      }
      if (aq.after !== undefined) {
        where.push("position < ?");
        args.push(aq.after);
      }
      args.push(aq.limit);
      const sql = `SELECT * FROM associations WHERE ${where.join(" AND ")} ORDER BY position DESC, target_id DESC LIMIT ?`;
      // Four possible shapes: prepare each once.
      let stmt = listStatements.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        listStatements.set(sql, stmt);
      }
      return (stmt.all(...args) as Row[]).map(toAssociation);
    },
    async deleteAssociation(tenant, type, sourceId, targetId) {
      return q.deleteAssoc.run(tenant, type, sourceId, targetId).changes > 0;
    },
    async addBlock(key, where, nb) {
      return addBlockTx.immediate(key, where, nb);
    },
    async applyBatch(tenant, ops) {
      try {
        return batchTx.immediate(tenant, ops);
      } catch (error) {
        if (error instanceof BatchAbort) return error.outcome;
        throw error;
      }
    },
    async getChain(key) {
      const row = q.getChain.get(key.tenant, key.name, key.shard) as Row | undefined;
      return row ? toChain(row) : null;
    },
    async getBlock(key, idx) {
      const row = q.getBlock.get(key.tenant, key.name, key.shard, idx) as Row | undefined;
      return row ? toBlock(row) : null;
    },
    async listBlocks(key, startIdx, endIdx, order, limit) {
      const stmt = order === "ASC" ? q.blocksAsc : q.blocksDesc;
      return (stmt.all(key.tenant, key.name, key.shard, startIdx, endIdx, limit) as Row[]).map(toBlock);
    },
    async deleteChain(key) {
      return deleteChainTx.immediate(key);
    },
    async listChains(tenant) {
      return (q.listChains.all(tenant) as Row[]).map(toChain);
    },
    health: () => sqliteHealth(db),
    async close() {
      if (db.open) db.close();
    },
  };
  return store;
}
