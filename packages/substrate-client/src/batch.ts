// Batched writes, the client side of our substrate API extension (SUBSTRATE-API.md, "Extension:
// batched writes"): several object puts/deletes, association puts/deletes and chain appends in
// one round-trip, applied by the server in one transaction. Against a server that does not
// advertise the extension (the hosted API), or with HSAGENT_SUBSTRATE_BATCH=off, the same items
// go out as single calls in order — same results, but neither atomic nor one round-trip.

import type { ServerCapabilities } from "./capabilities.js";
import { dataOf, toBase64, utf8 } from "./codec.js";
import type { CallSpec, RequestCore } from "./core.js";
import { type RequestTarget, SubstrateError, VersionClashError } from "./errors.js";
import { arr, big, bool, type JsonObject, obj, sbig } from "./shape.js";
import type { BigIntString, JsonValue, PutAssociationInput } from "./types.js";

/** An object id, or `"$<k>"`: the id created by item `k` (an earlier object create) of the same batch. */
export type BatchId = BigIntString | `$${number}`;

/** One item of {@link SubstrateClient.batch}. */
export type BatchItem =
  | {
      readonly op: "putObject";
      readonly type: number;
      /** Absent: create. Present: update iff the stored version is `version`. */
      readonly id?: BatchId;
      readonly version: number;
      /** Raw data, or `json` (stored as the JSON text). */
      readonly data?: Uint8Array;
      readonly json?: JsonValue;
    }
  | { readonly op: "deleteObject"; readonly type: number; readonly id: BatchId }
  | ({ readonly op: "putAssociation"; readonly sourceId: BatchId; readonly targetId: BatchId } & Omit<
      PutAssociationInput,
      "sourceId" | "targetId"
    >)
  | {
      readonly op: "deleteAssociation";
      readonly type: string;
      readonly sourceId: BatchId;
      readonly targetId: BatchId;
    }
  | {
      /**
       * A precondition: the batch stops here as a clash (nothing written) if an association of
       * `type` from `sourceId` exists, counting those made by earlier items. Needs a server that
       * lists the op in its capabilities; elsewhere the batch runs as single calls and this is a
       * list call (not atomic with the rest).
       */
      readonly op: "expectNoAssociation";
      readonly type: string;
      readonly sourceId: BatchId;
    }
  | {
      readonly op: "appendBlock";
      readonly chain: string;
      readonly shard: number;
      readonly payload: Uint8Array | string;
      /** Chain owner (a username); default: ours. */
      readonly tenant?: string;
    };

/** What one item answered: the object id (puts), whether something was deleted, or the block index. */
export type BatchResult =
  | { readonly id: BigIntString }
  | { readonly deleted: boolean }
  | { readonly blockIdx: BigIntString; readonly eventId: string | null }
  | Record<string, never>;

/** A batch lost a version race at item `index` (batched: nothing was written). */
export class BatchClashError extends VersionClashError {
  /** Index of the clashing item. */
  readonly index: number;
  constructor(target: RequestTarget, status: number, body: unknown, index: number) {
    super(target, status, body, `batch item ${index}`);
    this.index = index;
  }
}

/** Most items per request the server takes when it does not say (ours says 64). */
export const DEFAULT_MAX_BATCH_ITEMS = 64;

/** The single calls a fallback batch is made of (the client's own methods). */
export interface SingleCalls {
  putObject(input: { type: number; id?: string; version: number; data: Uint8Array }): Promise<{ id: string }>;
  deleteObject(type: number, id: string): Promise<{ success: boolean }>;
  putAssociation(input: PutAssociationInput): Promise<void>;
  deleteAssociation(type: string, sourceId: string, targetId: string): Promise<{ success: boolean }>;
  listAssociations(
    type: string,
    sourceId: string,
    options: { limit: number },
  ): Promise<{ associations: readonly unknown[] }>;
  appendBlock(
    chain: string,
    shard: number,
    payload: Uint8Array | string,
    options?: { tenant?: string },
  ): Promise<{ blockIdx: string; eventId: string | null }>;
}

/** True when the environment forces single calls (`HSAGENT_SUBSTRATE_BATCH=off`). */
export function batchDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.HSAGENT_SUBSTRATE_BATCH?.trim().toLowerCase();
  return v === "off" || v === "0" || v === "false" || v === "no";
}

const REF = /^\$([0-9]{1,4})$/;

function checkRefs(items: readonly BatchItem[]): void {
  items.forEach((item, i) => {
    for (const v of [
      "id" in item ? item.id : undefined,
      "sourceId" in item ? item.sourceId : undefined,
      "targetId" in item ? item.targetId : undefined,
    ]) {
      const m = typeof v === "string" ? REF.exec(v) : null;
      if (typeof v === "string" && v.startsWith("$") && !m)
        throw new SubstrateError(`batch item ${i}: bad reference ${v}`, "INVALID_ARGUMENT");
      if (m) {
        const k = Number(m[1]);
        const target = items[k];
        if (k >= i || target?.op !== "putObject" || target.id !== undefined) {
          throw new SubstrateError(
            `batch item ${i}: ${v} names no earlier object create`,
            "INVALID_ARGUMENT",
          );
        }
      }
    }
  });
}

/** The wire form of an item (the server validates it like the single call). */
function wireItem(item: BatchItem): JsonObject {
  switch (item.op) {
    case "putObject": {
      const o: JsonObject = {
        op: item.op,
        type: item.type,
        version: item.version,
        data: toBase64(dataOf(item)),
      };
      if (item.id !== undefined) o.id = item.id;
      return o;
    }
    case "deleteObject":
      return { op: item.op, type: item.type, id: item.id };
    case "putAssociation": {
      const time = item.time ?? String(Date.now());
      return {
        op: item.op,
        type: item.type,
        sourceId: item.sourceId,
        targetId: item.targetId,
        time,
        position: item.position ?? time,
        data: toBase64(dataOf(item)),
      };
    }
    case "deleteAssociation":
      return { op: item.op, type: item.type, sourceId: item.sourceId, targetId: item.targetId };
    case "expectNoAssociation":
      return { op: item.op, type: item.type, sourceId: item.sourceId };
    case "appendBlock": {
      const payload = typeof item.payload === "string" ? utf8(item.payload) : item.payload;
      if (payload.byteLength === 0)
        throw new SubstrateError("chain payload must not be empty", "INVALID_ARGUMENT");
      const o: JsonObject = { op: item.op, chain: item.chain, shard: item.shard, payload: toBase64(payload) };
      if (item.tenant !== undefined) o.tenant = item.tenant;
      return o;
    }
  }
}

function parseResult(v: JsonValue): BatchResult {
  const o = obj(v, "result");
  if (o.id !== undefined) return { id: big(o.id, "id") };
  if (o.blockIdx !== undefined)
    return { blockIdx: sbig(o.blockIdx, "blockIdx"), eventId: o.eventId == null ? null : String(o.eventId) };
  if (o.deleted !== undefined) return { deleted: bool(o.deleted, "deleted") };
  return {};
}

/** The request of a batched call (not idempotent: never retried). */
function batchRequest(tenant: string, items: readonly BatchItem[]): CallSpec & { nullOn404?: false } {
  checkRefs(items);
  return {
    route: "POST /api/batch/:tenant",
    path: `/api/batch/${encodeURIComponent(tenant)}`,
    json: { items: items.map(wireItem) },
    versionClash: true,
  };
}

/** Parse the answer of a batched call. */
function parseBatchAnswer(body: JsonValue, count: number): BatchResult[] {
  const results = arr(obj(body, "answer").results, "results").map(parseResult);
  if (results.length !== count)
    throw new SubstrateError("batch answer has the wrong length", "INVALID_RESPONSE");
  return results;
}

/** The clashing item's index from a 409 batch answer body (−1 if the server did not say). */
function clashIndex(body: unknown): number {
  const i = (body as { index?: unknown } | null)?.index;
  return typeof i === "number" && Number.isInteger(i) ? i : -1;
}

/**
 * {@link SubstrateClient.batch}: one batched call when `caps` offers the extension, else the
 * items as `singles` calls in order.
 */
export async function sendBatch(
  core: RequestCore,
  caps: ServerCapabilities,
  items: readonly BatchItem[],
  singles: SingleCalls,
): Promise<BatchResult[]> {
  if (items.length === 0) return [];
  // A server that does not take one of the ops (an older build) gets single calls.
  const takes = caps.batch?.ops;
  if (!takes || !items.every((item) => takes.has(item.op))) return runSingly(singles, items);
  if (items.length > caps.batch!.maxItems) {
    throw new SubstrateError(`a batch holds at most ${caps.batch!.maxItems} items`, "INVALID_ARGUMENT");
  }
  try {
    const request = batchRequest(core.requireAccount().id, items);
    return await core.call(request, (b) => parseBatchAnswer(b, items.length));
  } catch (error) {
    if (error instanceof VersionClashError && error.status === 409) {
      throw new BatchClashError(error, error.status, error.body, clashIndex(error.body));
    }
    throw error;
  }
}

/** Run the items as single calls, in order, resolving `$k` references (the fallback). */
async function runSingly(calls: SingleCalls, items: readonly BatchItem[]): Promise<BatchResult[]> {
  checkRefs(items);
  const results: BatchResult[] = [];
  const id = (v: BatchId): string => {
    const m = REF.exec(v);
    return m ? (results[Number(m[1])] as { id: string }).id : v;
  };
  for (const [index, item] of items.entries()) {
    switch (item.op) {
      case "putObject": {
        const input = { type: item.type, version: item.version, data: dataOf(item) };
        results.push(await calls.putObject(item.id === undefined ? input : { ...input, id: id(item.id) }));
        break;
      }
      case "deleteObject":
        results.push({ deleted: (await calls.deleteObject(item.type, id(item.id))).success });
        break;
      case "putAssociation": {
        const { op: _op, sourceId, targetId, ...rest } = item;
        await calls.putAssociation({ ...rest, sourceId: id(sourceId), targetId: id(targetId) });
        results.push({});
        break;
      }
      case "deleteAssociation":
        results.push({
          deleted: (await calls.deleteAssociation(item.type, id(item.sourceId), id(item.targetId))).success,
        });
        break;
      case "expectNoAssociation": {
        const sourceId = id(item.sourceId);
        const { associations } = await calls.listAssociations(item.type, sourceId, { limit: 1 });
        if (associations.length > 0) {
          const target = {
            method: "GET",
            path: `/api/objects/:tenant/associations/${item.type}/${sourceId}`,
          };
          // Earlier items were written already: single calls are not atomic (see BatchItem).
          throw new BatchClashError(target, 409, { index }, index);
        }
        results.push({});
        break;
      }
      case "appendBlock":
        results.push(
          await calls.appendBlock(
            item.chain,
            item.shard,
            item.payload,
            item.tenant ? { tenant: item.tenant } : {},
          ),
        );
        break;
    }
  }
  return results;
}
