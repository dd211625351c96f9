// The batch extension (SUBSTRATE-API.md, "Extension: batched writes"): POST /api/batch/:tenant
// applies several object/association writes and chain appends in ONE transaction, all or nothing,
// and GET /.well-known/hsagent-substrate advertises it. Every item is validated and authorized by
// the same functions as the single-call routes (object-input.ts, chains.ts); on top, a batch holds
// at most MAX_BATCH_ITEMS items and fits the JSON body limit. An item may name an object created
// by an earlier item as "$<index>".

import type { FastifyInstance, FastifyReply } from "fastify";
import { makeAuthHook, principalOf, type RouteContext } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { checkObjectWrite } from "../guard/write-checks.js";
import { MAX_BATCH_ITEMS, MAX_CHAIN_BODY_BYTES, MAX_JSON_BODY_BYTES } from "../limits.js";
import { tenantParams } from "../schemas.js";
import type { BatchItemResult, BatchOp, IdRef } from "../store/batch.js";
import { parseId, parseName } from "../wire.js";
import { parseChainKey, prepareBlock } from "./chains.js";
import { ownTenant, parseAssociationWrite, parseObjectWrite, parseType, readData } from "./object-input.js";

/** The capabilities document served at {@link CAPABILITIES_PATH}. */
export const CAPABILITIES = {
  service: "hsagent-substrate",
  extensions: {
    batch: {
      path: "/api/batch/:tenant",
      maxItems: MAX_BATCH_ITEMS,
      maxBodyBytes: MAX_JSON_BODY_BYTES,
      ops: [
        "putObject",
        "deleteObject",
        "putAssociation",
        "deleteAssociation",
        "appendBlock",
        "expectNoAssociation",
      ],
    },
  },
} as const;

/** Where the capabilities document lives (RFC 8615 well-known URI). */
export const CAPABILITIES_PATH = "/.well-known/hsagent-substrate";

const REF = /^\$([0-9]{1,4})$/;

/** Parse the items of a batch body into store operations (400/403/404/413 name the item). */
async function parseItems(ctx: RouteContext, items: unknown[], req: Parameters<typeof principalOf>[0]) {
  const p = principalOf(req);
  const ops: BatchOp[] = [];
  for (let i = 0; i < items.length; i++) {
    const raw = items[i];
    try {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw))
        throw badRequest("item must be an object");
      const item = raw as Record<string, unknown>;
      // "$k" names the object created by item k (< i); plain ids as in the single calls.
      const idOrRef = (value: unknown, field: string): IdRef => {
        const m = typeof value === "string" ? REF.exec(value) : null;
        if (!m) return parseId(value, field);
        const k = Number(m[1]);
        if (k >= i || ops[k]?.op !== "createObject")
          throw badRequest(`${field} refers to no object created earlier`);
        return { ref: k };
      };
      const op = parseItem(ctx, p, item, idOrRef);
      ops.push(op instanceof Promise ? await op : op);
    } catch (error) {
      if (error instanceof ApiError)
        throw new ApiError(error.status, error.code, `items[${i}]: ${error.message}`);
      throw error;
    }
  }
  return ops;
}

/** `op` once `checked` (a write check: undefined when it passed synchronously) has passed. */
const after = (checked: Promise<void> | undefined, op: BatchOp): BatchOp | Promise<BatchOp> =>
  checked ? checked.then(() => op) : op;

/** Parse one item; synchronous unless one of its checks has to wait for the store. */
function parseItem(
  ctx: RouteContext,
  p: ReturnType<typeof principalOf>,
  item: Record<string, unknown>,
  idOrRef: (value: unknown, field: string) => IdRef,
): BatchOp | Promise<BatchOp> {
  switch (item.op) {
    case "putObject": {
      const w = parseObjectWrite(item, idOrRef);
      const checked = checkObjectWrite(ctx, p, w.data.length);
      if (w.id === null)
        return after(checked, { op: "createObject", type: w.type, version: w.version, data: w.data });
      return after(checked, { op: "updateObject", type: w.type, id: w.id, version: w.version, data: w.data });
    }
    case "deleteObject":
      return { op: "deleteObject", type: parseType(item.type), id: idOrRef(item.id, "id") };
    case "putAssociation": {
      const association = parseAssociationWrite(item, idOrRef);
      return after(checkObjectWrite(ctx, p, association.data.length), { op: "putAssociation", association });
    }
    case "deleteAssociation":
      return {
        op: "deleteAssociation",
        type: parseName(item.type, "type"),
        sourceId: idOrRef(item.sourceId, "sourceId"),
        targetId: idOrRef(item.targetId, "targetId"),
      };
    case "expectNoAssociation":
      return {
        op: "expectNoAssociation",
        type: parseName(item.type, "type"),
        sourceId: idOrRef(item.sourceId, "sourceId"),
      };
    case "appendBlock": {
      const key = parseChainKey({
        tenant: item.tenant ?? p.username,
        chain: item.chain,
        shard: item.shard ?? 0,
      });
      const payload = readData(item.payload, "payload", MAX_CHAIN_BODY_BYTES);
      const block = prepareBlock(ctx, p, key, payload);
      if (block instanceof Promise) return block.then((b) => ({ op: "appendBlock", key, block: b }));
      return { op: "appendBlock", key, block };
    }
    default:
      throw badRequest(`op must be one of ${CAPABILITIES.extensions.batch.ops.join(", ")}`);
  }
}

/** What stopped a batch at `op`, for the error text. */
function clashText(op: BatchOp | undefined, reason: "clash" | "missing"): string {
  if (reason === "missing") return "object not found";
  return op?.op === "expectNoAssociation" ? "an association of that type exists" : "version clash";
}

function resultJson(r: BatchItemResult): Record<string, unknown> {
  if ("id" in r) return { id: r.id.toString() };
  if ("blockIdx" in r) return { blockIdx: r.blockIdx.toString(), eventId: r.eventId };
  return { ...r };
}

/** Register the batch route and the capabilities document. */
export function batchRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const auth = makeAuthHook(ctx);
  app.get(CAPABILITIES_PATH, async () => CAPABILITIES);
  app.post(
    "/api/batch/:tenant",
    {
      onRequest: auth,
      schema: {
        params: tenantParams,
        body: {
          type: "object",
          required: ["items"],
          properties: { items: { type: "array", minItems: 1, maxItems: MAX_BATCH_ITEMS } },
        },
      },
    },
    async (req, reply: FastifyReply) => {
      const tenant = ownTenant(req);
      const ops = await parseItems(ctx, (req.body as { items: unknown[] }).items, req);
      const outcome = await ctx.store.applyBatch(tenant, ops);
      if (!outcome.ok) {
        const status = outcome.reason === "clash" ? 409 : 404;
        const code = outcome.reason === "clash" ? "VERSION_CLASH" : "NOT_FOUND";
        return reply.code(status).send({
          error: `items[${outcome.index}]: ${clashText(ops[outcome.index], outcome.reason)}; nothing was written`,
          code,
          index: outcome.index,
        });
      }
      return reply.code(200).send({ success: true, results: outcome.results.map(resultJson) });
    },
  );
}
