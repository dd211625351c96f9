// Readers of the records the substrate answers with (objects, associations, chain blocks):
// each checks every field it keeps, so a mis-shaped answer is a ShapeError (then an
// InvalidResponseError), never an `undefined` deep inside the agent.

import { arr, b64, big, int, obj, optInt, optStr, sbig, str } from "./shape.js";
import type { AssociationRecord, ChainBlock, JsonValue, ObjectRecord } from "./types.js";

/** An object (`GET /api/objects/:tenant/:type/:id`). */
export function parseObject(body: JsonValue): ObjectRecord {
  const o = obj(body, "object");
  return {
    type: int(o.type, "type"),
    id: big(o.id, "id"),
    version: int(o.version, "version"),
    createdAt: optStr(o.createdAt, "createdAt"),
    updatedAt: optStr(o.updatedAt, "updatedAt"),
    data: b64(o.data_b64 ?? o.data ?? "", "data_b64"),
  };
}

/** One association of a list. */
export function parseAssociation(v: JsonValue): AssociationRecord {
  const a = obj(v, "association");
  return {
    type: str(a.type, "association.type"),
    sourceId: big(a.sourceId, "sourceId"),
    targetId: big(a.targetId, "targetId"),
    time: big(a.time ?? "0", "time"),
    position: big(a.position ?? "0", "position"),
    data: b64(a.data_b64 ?? a.data ?? "", "association.data_b64"),
  };
}

/** One chain block. */
export function parseBlock(v: JsonValue): ChainBlock {
  const b = obj(v, "block");
  const system = b.system === undefined || b.system === null ? {} : obj(b.system, "block.system");
  return {
    shardId: optInt(b.shardId, "shardId", 0),
    tenant: optStr(b.tenant, "tenant") ?? "",
    name: optStr(b.name, "name") ?? "",
    blockIdx: sbig(b.blockIdx, "blockIdx"),
    payloads: arr(b.payloads_b64 ?? [], "payloads_b64").map((p, i) => b64(p, `payloads_b64[${i}]`)),
    system,
    createdAt: optStr(b.createdAt, "createdAt"),
    hash: optStr(b.hash, "hash"),
    prevHash: optStr(b.prevHash, "prevHash"),
  };
}

/** The `blocks` of a range or recent answer. */
export const parseBlocks = (body: JsonValue): ChainBlock[] =>
  arr(obj(body, "answer").blocks ?? [], "blocks").map(parseBlock);
