// Fathom chains (SUBSTRATE-API.md §6–7): append-only, hash-linked block lists per
// (tenant username, chain name, shard). Each function is one method of SubstrateClient.

import { checkName, checkShard, ensure, seg } from "./args.js";
import { utf8 } from "./codec.js";
import type { CallSpec, RequestCore } from "./core.js";
import { parseBlock, parseBlocks } from "./records.js";
import { bool, type JsonObject, obj, optInt, optSbig, optStr, sbig } from "./shape.js";
import type {
  AppendResult,
  ChainBlock,
  ChainMetadata,
  ChainRangeQuery,
  ChainValidation,
  DeleteResult,
  JsonValue,
} from "./types.js";

/** Our own tenant (chains are keyed by username). */
const own = (core: RequestCore): string => core.requireAccount().username;

/** `/api/chains[/<op>]/<tenant>/<chain>/<shard>`, arguments checked; tenant defaults to ours. */
function chainPath(core: RequestCore, op: string, chain: string, shard: number, tenant?: string): string {
  const prefix = op ? `/api/chains/${op}` : "/api/chains";
  return `${prefix}/${seg(checkName(tenant ?? own(core), "tenant"))}/${seg(checkName(chain, "chain name"))}/${checkShard(shard)}`;
}

/** A GET of one chain's `op` view; null when the chain is absent. */
function read<T>(
  core: RequestCore,
  op: string,
  chain: string,
  shard: number,
  parse: (b: JsonValue) => T,
  query?: CallSpec["query"],
) {
  const route = `GET /api/chains/${op}/:tenant/:chain/:shard` as const;
  return core.call(
    { route, path: chainPath(core, op, chain, shard), nullOn404: true, ...(query ? { query } : {}) },
    parse,
  );
}

/** Arguments of an append or prepend: `tenant` (a username) defaults to our own. */
export type AppendArgs = [
  chain: string,
  shard: number,
  payload: Uint8Array | string,
  options?: { readonly tenant?: string },
];

/** Appends (or prepends) one block holding `payload`; never retried (not idempotent). */
export function appendBlock(
  core: RequestCore,
  op: "append" | "prepend",
  ...[chain, shard, payload, options = {}]: AppendArgs
): Promise<AppendResult> {
  const body = typeof payload === "string" ? utf8(payload) : payload;
  ensure(body.byteLength > 0, "chain payload must not be empty");
  const path = chainPath(core, op, chain, shard, options.tenant);
  return core.call({ route: `POST /api/chains/${op}/:tenant/:chain/:shard`, path, body }, (b) => {
    const o = obj(b, "answer");
    return { blockIdx: sbig(o.blockIdx, "blockIdx"), eventId: o.eventId == null ? null : String(o.eventId) };
  });
}

/** One block by index; null if absent. */
export function getBlock(
  core: RequestCore,
  chain: string,
  shard: number,
  blockIdx: string | number,
): Promise<ChainBlock | null> {
  const idx = String(blockIdx);
  ensure(/^-?[0-9]{1,30}$/.test(idx), "blockIdx must be a decimal index");
  return core.call(
    {
      route: "GET /api/chains/:tenant/:chain/:shard/:blockIdx",
      path: `${chainPath(core, "", chain, shard)}/${idx}`,
      nullOn404: true,
    },
    (b) => parseBlock(obj(b, "answer").block ?? null),
  );
}

/** First or last block; null if the chain is empty or absent. */
export async function edgeBlock(
  core: RequestCore,
  op: "first" | "last",
  chain: string,
  shard: number,
): Promise<ChainBlock | null> {
  const block = await read(core, op, chain, shard, (b) => {
    const v = obj(b, "answer").block;
    return v === undefined || v === null ? null : parseBlock(v);
  });
  return block ?? null;
}

/** Blocks in an index range; `[]` if the chain is absent. */
export async function rangeBlocks(
  core: RequestCore,
  chain: string,
  shard: number,
  query: ChainRangeQuery,
): Promise<ChainBlock[]> {
  const { startIdx, endIdx, order } = query;
  const wire = {
    startIdx: startIdx === undefined ? undefined : String(startIdx),
    endIdx: endIdx === undefined ? undefined : String(endIdx),
    order,
  };
  return (await read(core, "range", chain, shard, parseBlocks, wire)) ?? [];
}

/** The `count` most recent blocks (count ≤ 1000); `[]` if the chain is absent. */
export async function recentBlocks(
  core: RequestCore,
  chain: string,
  shard: number,
  count: number,
): Promise<ChainBlock[]> {
  ensure(Number.isInteger(count) && count >= 1 && count <= 1000, "count must be in 1..1000");
  return (await read(core, "recent", chain, shard, parseBlocks, { count })) ?? [];
}

/** Chain metadata; null if the chain does not exist. */
export function chainMetadata(
  core: RequestCore,
  chain: string,
  shard: number,
): Promise<ChainMetadata | null> {
  return read(core, "metadata", chain, shard, (b) => {
    const c = obj(obj(b, "answer").chain, "chain");
    return {
      shardId: optInt(c.shardId, "shardId", shard),
      tenant: optStr(c.tenant, "tenant") ?? "",
      name: optStr(c.name, "name") ?? chain,
      blockCount: optInt(c.blockCount, "blockCount", 0),
      messageCount: optInt(c.messageCount, "messageCount", 0),
      payloadBytes: optInt(c.payloadBytes, "payloadBytes", 0),
      currentHead: optSbig(c.currentHead, "currentHead"),
      currentTail: optSbig(c.currentTail, "currentTail"),
      raw: c,
    };
  });
}

/** Server-side validation of the chain's hash links. */
export function validateChain(core: RequestCore, chain: string, shard: number): Promise<ChainValidation> {
  const path = chainPath(core, "validate", chain, shard);
  return core.call({ route: "GET /api/chains/validate/:tenant/:chain/:shard", path }, (b) => {
    const v = obj(obj(b, "answer").validation, "validation");
    return {
      isValid: bool(v.isValid, "isValid"),
      errorMessage: optStr(v.errorMessage, "errorMessage"),
      hasGaps: v.hasGaps === undefined ? false : bool(v.hasGaps, "hasGaps"),
      raw: v,
    };
  });
}

/** Marks one of our chains owner-write-only (our server's extension). */
export async function setChainOwnerWriteOnly(core: RequestCore, chain: string, on: boolean): Promise<void> {
  const path = `/api/chains/policy/${seg(own(core))}/${seg(checkName(chain, "chain name"))}`;
  const json = { ownerWriteOnly: on };
  await core.call({ route: "PUT /api/chains/policy/:tenant/:chain", path, json, idempotent: true }, () => {});
}

/** `GET /api/chains/stats/:tenant` for our own tenant. */
export function chainStats(core: RequestCore): Promise<JsonObject> {
  const path = `/api/chains/stats/${seg(own(core))}`;
  return core.call({ route: "GET /api/chains/stats/:tenant", path }, (b) => obj(b, "answer"));
}

/** Deletes a chain of ours; `success:false` if it did not exist. */
export function deleteChain(core: RequestCore, chain: string, shard: number): Promise<DeleteResult> {
  return core.delete("DELETE /api/chains/:tenant/:chain/:shard", chainPath(core, "", chain, shard));
}
