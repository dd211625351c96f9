// PostgreSQL writes that run on one client inside a transaction: the chain append (locks the
// chain row), the object delete with its associations, and one step of a batch plan (batch.ts).
// The single-call store methods and the batch extension share these, so both write alike.

import type pg from "pg";
import type { Step, StepAnswer } from "./batch.js";
import { buildBlock, chainAfter, placeBlock } from "./blocks.js";
import { associationValues, big, blockValues, type Row, toChain } from "./rows.js";
import type { BlockRecord, ChainKey, NewBlock } from "./types.js";

const s = (v: bigint | number): string => v.toString();
const KEYCOLS = "tenant = $1 AND name = $2 AND shard = $3";

/** Named (prepared) statements shared by the single-call methods and the batch steps. */
export const PG_SQL = {
  objIns: {
    name: "obj_ins",
    text: "INSERT INTO objects (tenant, type, version, data, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
  },
  objUpd: {
    name: "obj_upd",
    text: "UPDATE objects SET version = version + 1, data = $1, updated_at = $2 WHERE id = $3 AND tenant = $4 AND type = $5 AND version = $6",
  },
  assocAny: {
    name: "assoc_any",
    text: "SELECT 1 FROM associations WHERE tenant = $1 AND type = $2 AND source_id = $3 LIMIT 1",
  },
  objExists: {
    name: "obj_exists",
    text: "SELECT 1 FROM objects WHERE id = $1 AND tenant = $2 AND type = $3",
  },
  assocPut: {
    name: "assoc_put",
    text: `INSERT INTO associations (tenant, type, source_id, target_id, time, position, data) VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (tenant, type, source_id, target_id) DO UPDATE SET time = EXCLUDED.time, position = EXCLUDED.position, data = EXCLUDED.data`,
  },
} as const;

/** Append or prepend one block on `c` (inside a transaction: the chain row stays locked). */
export async function addBlockOn(
  c: pg.PoolClient,
  key: ChainKey,
  where: "append" | "prepend",
  nb: NewBlock,
): Promise<BlockRecord> {
  const k = [key.tenant, key.name, key.shard];
  await c.query(
    `INSERT INTO chains (tenant, name, shard, head_idx, tail_idx, block_count, message_count, payload_bytes, created_at, updated_at)
     VALUES ($1, $2, $3, 0, 0, 0, 0, 0, $4, $4) ON CONFLICT (tenant, name, shard) DO NOTHING`,
    [...k, nb.now],
  );
  const locked = await c.query(`SELECT * FROM chains WHERE ${KEYCOLS} FOR UPDATE`, k);
  const chain = toChain(locked.rows[0] as Row);
  const placement = placeBlock(chain, where);
  let neighbour: Buffer | null = null;
  if (placement.linkIdx !== null) {
    const n = await c.query(`SELECT hash FROM blocks WHERE ${KEYCOLS} AND idx = $4`, [
      ...k,
      s(placement.linkIdx),
    ]);
    neighbour = (n.rows[0]?.hash as Buffer | undefined) ?? null;
  }
  const b = buildBlock(key, placement, neighbour, nb);
  await c.query(
    `INSERT INTO blocks (tenant, name, shard, idx, payloads, event_id, timestamp, source_agent, created_at,
       message_count, payload_bytes, hash, prev_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [...k, ...blockValues(b)],
  );
  const after = chainAfter(key, chain.blockCount === 0n ? null : chain, b);
  await c.query(
    `UPDATE chains SET head_idx = $4, tail_idx = $5, block_count = $6, message_count = $7, payload_bytes = $8,
       updated_at = $9 WHERE ${KEYCOLS}`,
    [
      ...k,
      s(after.headIdx),
      s(after.tailIdx),
      s(after.blockCount),
      s(after.messageCount),
      s(after.payloadBytes),
      after.updatedAt,
    ],
  );
  return b;
}

/**
 * Delete an object and every association from or to it on `c` (inside a transaction). Two
 * association DELETEs, one per index: an OR across source_id and target_id scans the tenant.
 */
export async function deleteObjectOn(
  c: pg.PoolClient,
  tenant: bigint,
  type: number,
  id: bigint,
): Promise<boolean> {
  const r = await c.query({
    name: "obj_del",
    text: "DELETE FROM objects WHERE id = $1 AND tenant = $2 AND type = $3",
    values: [s(id), s(tenant), type],
  });
  if (!r.rowCount) return false;
  const ids = [s(tenant), s(id)];
  await c.query({
    name: "assoc_del_src",
    text: "DELETE FROM associations WHERE tenant = $1 AND source_id = $2",
    values: ids,
  });
  await c.query({
    name: "assoc_del_tgt",
    text: "DELETE FROM associations WHERE tenant = $1 AND target_id = $2",
    values: ids,
  });
  return true;
}

/** One step of a batch plan on `c`, inside the batch's transaction. */
export async function runPgStep(c: pg.PoolClient, tenant: bigint, step: Step): Promise<StepAnswer> {
  const now = Date.now();
  switch (step.do) {
    case "create": {
      const r = await c.query({
        ...PG_SQL.objIns,
        values: [s(tenant), step.type, step.version, step.data, now],
      });
      return big((r.rows[0] as Row).id);
    }
    case "update": {
      const r = await c.query({
        ...PG_SQL.objUpd,
        values: [step.data, now, s(step.id), s(tenant), step.type, step.version],
      });
      if (r.rowCount === 1) return "ok";
      const exists = await c.query({
        ...PG_SQL.objExists,
        values: [s(step.id), s(tenant), step.type],
      });
      return exists.rowCount ? "clash" : "missing";
    }
    case "delete":
      return deleteObjectOn(c, tenant, step.type, step.id);
    case "putAssoc": {
      const a = step.a;
      await c.query({
        ...PG_SQL.assocPut,
        values: associationValues(a),
      });
      return undefined;
    }
    case "deleteAssoc": {
      const r = await c.query(
        "DELETE FROM associations WHERE tenant = $1 AND type = $2 AND source_id = $3 AND target_id = $4",
        [s(tenant), step.type, s(step.sourceId), s(step.targetId)],
      );
      return (r.rowCount ?? 0) > 0;
    }
    case "append": {
      const b = await addBlockOn(c, step.key, "append", step.block);
      return { idx: b.idx, eventId: b.system.eventId };
    }
    case "anyAssoc": {
      const r = await c.query({
        ...PG_SQL.assocAny,
        values: [s(tenant), step.type, s(step.sourceId)],
      });
      return (r.rowCount ?? 0) > 0;
    }
  }
}
