// PostgreSQL backend (pg Pool) for many stateless replicas. Version clashes are one conditional
// UPDATE (rowCount decides); object ids come from a sequence; chain writes lock the chain row
// (SELECT … FOR UPDATE) so concurrent appends on any replica never fork the hash chain.

import pg from "pg";
import { BatchAbort, batchPlan, driveAsync } from "./batch.js";
import { postgresHealth } from "./health.js";
import { addBlockOn, deleteObjectOn, PG_SQL, runPgStep } from "./postgres-steps.js";
import {
  associationValues,
  big,
  type Row,
  toAccount,
  toAssociation,
  toBlock,
  toChain,
  toObject,
  toObjectStats,
} from "./rows.js";
import { PG_MIGRATIONS } from "./schema.js";
import type { SubstrateStore } from "./types.js";

/** Options for {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** postgres:// connection URL. */
  url: string;
  /** Schema for all tables (created if missing); default "public". */
  schema?: string;
  /** Pool size; default 10. */
  poolSize?: number;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const s = (v: bigint | number): string => v.toString();

async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  client.on("error", () => undefined); // a failure surfaces through the awaited query instead
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('hsagent-substrate-migrate'))");
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
      );
      for (const m of PG_MIGRATIONS) {
        const done = await client.query("SELECT 1 FROM schema_migrations WHERE version = $1", [m.version]);
        if (done.rowCount) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [
            m.version,
            Date.now(),
          ]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('hsagent-substrate-migrate'))");
    }
  } finally {
    client.release();
  }
}

/** True for errors that mean the connection itself is gone (admin shutdown, network, protocol). */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // 57P0x: admin/crash shutdown, 08xxx: connection exceptions; no SQLSTATE: socket-level failure.
  return typeof code !== "string" || code.startsWith("57P") || code.startsWith("08");
}

/**
 * True when the backend told us it was shut down (pg_terminate_backend, server restart) or the
 * client was already broken before our statement ran. PostgreSQL only reports 57P0x for a
 * statement it did not commit (a terminated statement rolls back; a committed one has already
 * answered), so retrying it on another connection cannot apply it twice. Ambiguous failures (a
 * socket reset mid-statement) are not in this class and are not retried.
 */
function isStaleConnection(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === "string") return /^57P0[123]$/.test(e.code);
  return typeof e?.message === "string" && e.message.includes("not queryable");
}

/**
 * Retry `op` while it fails on a stale pooled connection: after the database drops connections,
 * idle pool clients may still look alive until their socket's close is read, and the first request
 * to pick one would otherwise fail with a 500. Each stale client is destroyed when its query
 * fails, so `attempts` (pool size + 1) bounds the loop.
 */
async function retryStale<T>(attempts: number, op: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (i >= attempts || !isStaleConnection(err)) throw err;
    }
  }
}

/**
 * Run `fn` in a transaction on one pooled client. While it is checked out the client has an
 * 'error' listener (pg only guards idle clients: a backend terminated mid-transaction would
 * otherwise emit an unhandled 'error' and take the whole server down), and a client whose
 * connection broke is destroyed on release instead of going back to the pool. A connection lost
 * before COMMIT was sent is retried on another client (nothing was committed); a loss during
 * COMMIT is ambiguous and surfaces as an error.
 */
async function tx<T>(pool: pg.Pool, attempts: number, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    const c = await pool.connect();
    let broken: Error | undefined;
    let committing = false;
    const onError = (err: Error): void => {
      broken = err;
    };
    c.on("error", onError);
    try {
      await c.query("BEGIN");
      const out = await fn(c);
      committing = true;
      await c.query("COMMIT");
      return out;
    } catch (err) {
      if (isConnectionError(err)) broken ??= err instanceof Error ? err : new Error("connection lost");
      else await c.query("ROLLBACK").catch(() => undefined);
      if (committing || i >= attempts || !isStaleConnection(err)) throw err;
    } finally {
      c.off("error", onError);
      c.release(broken ?? false);
    }
  }
}

/** Connect, create the schema if needed, apply migrations. */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<SubstrateStore> {
  const schema = opts.schema ?? "public";
  if (!SCHEMA_NAME.test(schema)) throw new Error("invalid PostgreSQL schema name");
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    // Never hang a request forever on an unreachable or stuck database: fail it (500) instead.
    connectionTimeoutMillis: 10_000,
    options: `-c search_path=${schema} -c statement_timeout=30000`,
  });
  // An idle client's error must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  // Nor may a checked-out client's: pg parses a whole TCP chunk at once, so a backend terminated
  // right after a ReadyForQuery delivers its FATAL 57P01 in the same chunk — after the pool took
  // its idle listener off and before `await pool.connect()` resumes to attach ours. Every client
  // keeps a no-op listener for life; a broken one is still found (its queries fail, the pool drops
  // it on release: it is no longer queryable).
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
  });
  try {
    await migrate(pool, schema);
  } catch (err) {
    await pool.end();
    throw err;
  }

  // Each stale client is destroyed when its query fails, so pool size + 1 tries reach a live one.
  const attempts = (opts.poolSize ?? 10) + 1;
  const query = (q: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult> =>
    retryStale(attempts, () => (typeof q === "string" ? pool.query(q, values) : pool.query(q)));
  const one = async (name: string, text: string, values: unknown[]): Promise<Row | null> => {
    const r = await query({ name, text, values });
    return (r.rows[0] as Row | undefined) ?? null;
  };
  const KEYCOLS = "tenant = $1 AND name = $2 AND shard = $3";

  return {
    kind: "postgres",
    async createAccount(username, passwordHash, now) {
      const row = await one(
        "acct_ins",
        "INSERT INTO accounts (username, password_hash, version, created_at) VALUES ($1, $2, 1, $3) ON CONFLICT (username) DO NOTHING RETURNING *",
        [username, passwordHash, now],
      );
      return row ? toAccount(row) : null;
    },
    async findAccountByUsername(username) {
      const row = await one("acct_by_name", "SELECT * FROM accounts WHERE username = $1", [username]);
      return row ? toAccount(row) : null;
    },
    async findAccountById(id) {
      const row = await one("acct_by_id", "SELECT * FROM accounts WHERE id = $1", [s(id)]);
      return row ? toAccount(row) : null;
    },
    async addAgentKey(accountId, secretHash, now) {
      const row = await one(
        "key_ins",
        "INSERT INTO agent_keys (account_id, secret_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING agent_id",
        [s(accountId), secretHash, now],
      );
      return row ? { agentId: big(row.agent_id), accountId } : null;
    },
    async removeAgentKey(accountId, secretHash) {
      const r = await query("DELETE FROM agent_keys WHERE account_id = $1 AND secret_hash = $2", [
        s(accountId),
        secretHash,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    async findAgentKey(accountId, secretHash) {
      const row = await one(
        "key_find",
        "SELECT agent_id FROM agent_keys WHERE account_id = $1 AND secret_hash = $2",
        [s(accountId), secretHash],
      );
      return row ? { agentId: big(row.agent_id), accountId } : null;
    },
    async agentKeyExists(accountId, agentId) {
      const row = await one(
        "key_exists",
        "SELECT 1 FROM agent_keys WHERE account_id = $1 AND agent_id = $2",
        [s(accountId), s(agentId)],
      );
      return row !== null;
    },
    async getObject(tenant, type, id) {
      const row = await one("obj_get", "SELECT * FROM objects WHERE id = $1 AND tenant = $2 AND type = $3", [
        s(id),
        s(tenant),
        type,
      ]);
      return row ? toObject(row) : null;
    },
    async createObject(tenant, type, version, data, now) {
      const row = await one(PG_SQL.objIns.name, PG_SQL.objIns.text, [s(tenant), type, version, data, now]);
      return big((row as Row).id);
    },
    async updateObject(tenant, type, id, expectedVersion, data, now) {
      const r = await query({
        ...PG_SQL.objUpd,
        values: [data, now, s(id), s(tenant), type, expectedVersion],
      });
      if (r.rowCount === 1) return "ok";
      const exists = await one(PG_SQL.objExists.name, PG_SQL.objExists.text, [s(id), s(tenant), type]);
      return exists ? "clash" : "missing";
    },
    async deleteObject(tenant, type, id) {
      return tx(pool, attempts, (c) => deleteObjectOn(c, tenant, type, id));
    },
    async objectStats(tenant) {
      const o = (await one(
        "obj_stats",
        "SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM objects WHERE tenant = $1",
        [s(tenant)],
      )) as Row;
      const a = (await one(
        "assoc_stats",
        "SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM associations WHERE tenant = $1",
        [s(tenant)],
      )) as Row;
      return toObjectStats(o, a);
    },
    async putAssociation(a) {
      await query({
        ...PG_SQL.assocPut,
        values: associationValues(a),
      });
    },
    async listAssociations(tenant, type, sourceId, q) {
      const where = ["tenant = $1", "type = $2", "source_id = $3"];
      const values: unknown[] = [s(tenant), type, s(sourceId)];
      if (q.targetId !== undefined) {
        values.push(s(q.targetId));
        where.push(`target_id = $${values.length}`);
      }
      if (q.after !== undefined) {
        values.push(s(q.after));
        where.push(`position < $${values.length}`);
      }
      values.push(q.limit);
      const text = `SELECT * FROM associations WHERE ${where.join(" AND ")} ORDER BY position DESC, target_id DESC LIMIT $${values.length}`;
      const r = await query({
        name: `assoc_list_${where.length}_${q.targetId !== undefined}`,
        text,
        values,
      });
      return (r.rows as Row[]).map(toAssociation);
    },
    async deleteAssociation(tenant, type, sourceId, targetId) {
      const r = await query(
        "DELETE FROM associations WHERE tenant = $1 AND type = $2 AND source_id = $3 AND target_id = $4",
        [s(tenant), type, s(sourceId), s(targetId)],
      );
      return (r.rowCount ?? 0) > 0;
    },
    async addBlock(key, where, nb) {
      return tx(pool, attempts, (c) => addBlockOn(c, key, where, nb));
    },
    async applyBatch(tenant, ops) {
      try {
        return await tx(pool, attempts, (c) =>
          driveAsync(batchPlan(tenant, ops), (step) => runPgStep(c, tenant, step)),
        );
      } catch (error) {
        if (error instanceof BatchAbort) return error.outcome;
        throw error;
      }
    },
    async getChain(key) {
      const row = await one("chain_get", `SELECT * FROM chains WHERE ${KEYCOLS} AND block_count > 0`, [
        key.tenant,
        key.name,
        key.shard,
      ]);
      return row ? toChain(row) : null;
    },
    async getBlock(key, idx) {
      const row = await one("block_get", `SELECT * FROM blocks WHERE ${KEYCOLS} AND idx = $4`, [
        key.tenant,
        key.name,
        key.shard,
        s(idx),
      ]);
      return row ? toBlock(row) : null;
    },
    async listBlocks(key, startIdx, endIdx, order, limit) {
      const dir = order === "ASC" ? "ASC" : "DESC";
      const r = await query({
        name: `block_list_${dir}`,
        text: `SELECT * FROM blocks WHERE ${KEYCOLS} AND idx >= $4 AND idx <= $5 ORDER BY idx ${dir} LIMIT $6`,
        values: [key.tenant, key.name, key.shard, s(startIdx), s(endIdx), limit],
      });
      return (r.rows as Row[]).map(toBlock);
    },
    async deleteChain(key) {
      return tx(pool, attempts, async (c) => {
        const k = [key.tenant, key.name, key.shard];
        const r = await c.query(`DELETE FROM chains WHERE ${KEYCOLS} RETURNING *`, k);
        const row = r.rows[0] as Row | undefined;
        if (!row) return null;
        await c.query(`DELETE FROM blocks WHERE ${KEYCOLS}`, k);
        const chain = toChain(row);
        return chain.blockCount > 0n ? chain : null;
      });
    },
    async listChains(tenant) {
      const r = await query(
        "SELECT * FROM chains WHERE tenant = $1 AND block_count > 0 ORDER BY name, shard",
        [tenant],
      );
      return (r.rows as Row[]).map(toChain);
    },
    health: () => postgresHealth(pool, opts.poolSize ?? 10),
    async close() {
      await pool.end();
    },
  };
}
