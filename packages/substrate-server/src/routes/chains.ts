// §5 Chains (Fathom). The tenant in chain paths is a USERNAME. Writes may target any existing
// tenant (cross-user messaging); reads and deletes only the caller's own chains (404 otherwise,
// so other tenants' chains are indistinguishable from missing ones).

import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Principal } from "../auth/tokens.js";
import { readChainBody } from "../chain-body.js";
import { blockHash, decodePayloads, encodePayloads, GENESIS_PREV_HASH } from "../chain-hash.js";
import { iso, makeAuthHook, principalOf, type RouteContext } from "../context.js";
import { badRequest, notFound } from "../errors.js";
import { checkChainWrite } from "../guard/write-checks.js";
import { MAX_CHAIN_BODY_BYTES, MAX_LIST_LIMIT, MAX_RANGE_BLOCKS } from "../limits.js";
import { blockParams, chainParams, chainTenantParams, rangeQuery, recentQuery } from "../schemas.js";
import type { BlockRecord, ChainKey, ChainRecord, NewBlock, SubstrateStore } from "../store/types.js";
import { parseInt32, parseName, parseOptionalBigint } from "../wire.js";

const INT32_MAX = 2_147_483_647;

/** Validate a chain key given as tenant (username), chain name and shard (routes and batch items). */
export function parseChainKey(p: { tenant: unknown; chain: unknown; shard: unknown }): ChainKey {
  return {
    tenant: parseName(p.tenant, "tenant"),
    name: parseName(p.chain, "chain"),
    shard: parseInt32(p.shard, "shard", 0, INT32_MAX),
  };
}

function chainKey(req: FastifyRequest): ChainKey {
  return parseChainKey(req.params as { tenant: unknown; chain: unknown; shard: unknown });
}

/** Chain key for a read/delete: 404 unless the tenant is the caller. */
function ownChainKey(req: FastifyRequest): ChainKey {
  const key = chainKey(req);
  if (key.tenant !== principalOf(req).username) throw notFound("chain not found");
  return key;
}

/** JSON form of a block. */
export function blockJson(b: BlockRecord) {
  let payloads: string[];
  try {
    payloads = decodePayloads(b.payloads).map((p) => p.toString("base64"));
  } catch {
    payloads = [];
  }
  return {
    shardId: b.shard,
    tenant: b.tenant,
    name: b.name,
    blockIdx: b.idx.toString(),
    payloads_b64: payloads,
    system: {
      eventId: b.system.eventId,
      timestamp: b.system.timestamp.toString(),
      sourceAgent: b.system.sourceAgent,
    },
    createdAt: iso(b.createdAt),
    messageCount: b.messageCount,
    payloadBytes: b.payloadBytes,
    hash: b.hash.toString("hex"),
    prevHash: b.prevHash.toString("hex"),
  };
}

/** JSON form of chain metadata. */
export function chainJson(c: ChainRecord) {
  return {
    shardId: c.shard,
    tenant: c.tenant,
    name: c.name,
    currentHead: c.headIdx.toString(),
    currentTail: c.tailIdx.toString(),
    blockCount: c.blockCount.toString(),
    messageCount: c.messageCount.toString(),
    payloadBytes: c.payloadBytes.toString(),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    isDeleting: false,
  };
}

/** Result of walking a chain and recomputing every hash. */
export interface ChainValidation {
  isValid: boolean;
  errorMessage: string | null;
  hasGaps: boolean;
  failingIndex: string | null;
  firstInvalidIndex: string | null;
  blockCount: string;
  checkedBlocks: number;
  currentHead: string;
  currentTail: string;
}

/** Most payload bytes one range/recent answer carries; beyond it the answer is cut short. */
export const MAX_ANSWER_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** Rows per database page, so that one page stays around 16 MB even for 50 MB blocks. */
function pageSize(chain: ChainRecord): number {
  const avg = chain.blockCount > 0n ? Number(chain.payloadBytes / chain.blockCount) : 0;
  return Math.max(1, Math.min(256, Math.floor((16 * 1024 * 1024) / Math.max(1, avg))));
}

/**
 * Blocks in [startIdx, endIdx] in `order`, at most `maxCount` and — past the first block — at most
 * {@link MAX_ANSWER_PAYLOAD_BYTES} of payload, fetched page by page so memory stays bounded.
 */
async function collectBlocks(
  store: SubstrateStore,
  key: ChainKey,
  chain: ChainRecord,
  startIdx: bigint,
  endIdx: bigint,
  order: "ASC" | "DESC",
  maxCount: number,
): Promise<{ blocks: BlockRecord[]; truncated: boolean }> {
  const blocks: BlockRecord[] = [];
  let bytes = 0;
  let lo = startIdx;
  let hi = endIdx;
  const size = pageSize(chain);
  while (lo <= hi && blocks.length < maxCount) {
    const page = await store.listBlocks(key, lo, hi, order, Math.min(size, maxCount - blocks.length));
    for (const b of page) {
      if (blocks.length > 0 && bytes + b.payloadBytes > MAX_ANSWER_PAYLOAD_BYTES)
        return { blocks, truncated: true };
      blocks.push(b);
      bytes += b.payloadBytes;
    }
    const last = page[page.length - 1];
    if (!last || page.length < size) break;
    if (order === "ASC") lo = last.idx + 1n;
    else hi = last.idx - 1n;
  }
  return { blocks, truncated: false };
}

/** Recompute hashes and links from the lowest index upward (links: see chain-hash.ts). */
export async function validateChain(
  store: SubstrateStore,
  key: ChainKey,
  chain: ChainRecord,
): Promise<ChainValidation> {
  let failing: bigint | null = null;
  let message: string | null = null;
  let hasGaps = false;
  let checked = 0;
  let prev: BlockRecord | null = null;
  const fail = (idx: bigint, why: string) => {
    if (failing === null) {
      failing = idx;
      message = why;
    }
  };
  let cursor = chain.headIdx;
  const size = pageSize(chain);
  for (;;) {
    const page = await store.listBlocks(key, cursor, chain.tailIdx, "ASC", size);
    for (const b of page) {
      checked++;
      if (!blockHash(b.prevHash, b.payloads, b.idx, b.system).equals(b.hash)) {
        fail(b.idx, `block ${b.idx} content does not match its hash`);
      }
      if (b.idx === 0n && !b.prevHash.equals(GENESIS_PREV_HASH))
        fail(b.idx, "block 0 must link to the zero hash");
      if (prev) {
        if (b.idx !== prev.idx + 1n) {
          hasGaps = true;
          fail(prev.idx + 1n, `block ${prev.idx + 1n} is missing`);
        } else if (b.idx >= 1n && !b.prevHash.equals(prev.hash)) {
          fail(b.idx, `block ${b.idx} does not link to block ${prev.idx}`);
        } else if (b.idx <= 0n && !prev.prevHash.equals(b.hash)) {
          fail(prev.idx, `block ${prev.idx} does not link to block ${b.idx}`);
        }
      } else if (b.idx !== chain.headIdx) {
        hasGaps = true;
        fail(chain.headIdx, `block ${chain.headIdx} is missing`);
      }
      prev = b;
    }
    if (page.length < size || !prev) break;
    cursor = (prev as BlockRecord).idx + 1n;
  }
  const last = prev as BlockRecord | null;
  if (!last) {
    hasGaps = true;
    fail(chain.headIdx, "chain has no blocks");
  } else if (last.idx !== chain.tailIdx) {
    hasGaps = true;
    fail(last.idx + 1n, `block ${last.idx + 1n} is missing`);
  }
  if (failing === null && BigInt(checked) !== chain.blockCount) {
    fail(chain.headIdx, `chain records ${chain.blockCount} blocks but ${checked} are stored`);
  }
  const failingIndex = failing === null ? null : (failing as bigint).toString();
  return {
    isValid: failing === null,
    errorMessage: message,
    hasGaps,
    failingIndex,
    firstInvalidIndex: failingIndex,
    blockCount: chain.blockCount.toString(),
    checkedBlocks: checked,
    currentHead: chain.headIdx.toString(),
    currentTail: chain.tailIdx.toString(),
  };
}

/**
 * Check a chain write (append/prepend, single or batched) and build its block: a non-empty body,
 * and a tenant that is the caller or an existing account (cross-user messaging).
 */
export function prepareBlock(
  ctx: RouteContext,
  p: Principal,
  key: ChainKey,
  body: unknown,
): NewBlock | Promise<NewBlock> {
  if (!Buffer.isBuffer(body) || body.length === 0) throw badRequest("body must be non-empty raw bytes");
  // The checks every write passes (tenant exists, owner-write-only chains, quota): guard/write-checks.ts.
  // Usually synchronous (the caller's own chain, its quota usage known): then no promise is made.
  const checked = checkChainWrite(ctx, p, key, body.length);
  return checked ? checked.then(() => newBlock(p, body)) : newBlock(p, body);
}

/** The block that `p` writes with payload `body` (checked). */
function newBlock(p: Principal, body: Buffer): NewBlock {
  const sourceAgent = p.kind === "key" ? `${p.username}/agent:${p.agentId}` : p.username;
  return {
    payloads: encodePayloads([body]),
    messageCount: 1,
    payloadBytes: body.length,
    eventId: randomUUID(),
    sourceAgent,
    now: Date.now(),
  };
}

/** Register chain routes (in their own encapsulated scope: raw-body parser for any content-type). */
export async function chainRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const auth = makeAuthHook(ctx);
  const { store } = ctx;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (req, payload, done) => {
    readChainBody(payload, req.headers["content-length"], MAX_CHAIN_BODY_BYTES).then(
      (body) => done(null, body),
      (err: Error) => done(err),
    );
  });

  const write = (where: "append" | "prepend") => async (req: FastifyRequest) => {
    const key = chainKey(req);
    const block = await prepareBlock(ctx, principalOf(req), key, req.body);
    const b = await store.addBlock(key, where, block);
    return { success: true, blockIdx: b.idx.toString(), eventId: block.eventId };
  };

  for (const where of ["append", "prepend"] as const) {
    const handler = write(where);
    app.post(
      `/api/chains/${where}/:tenant/:chain/:shard`,
      { onRequest: auth, bodyLimit: MAX_CHAIN_BODY_BYTES, schema: { params: chainParams } },
      async (req, reply) => reply.code(201).send(await handler(req)),
    );
  }

  const requireChain = async (key: ChainKey): Promise<ChainRecord> => {
    const c = await store.getChain(key);
    if (!c) throw notFound("chain not found");
    return c;
  };

  app.get(
    "/api/chains/:tenant/:chain/:shard/:blockIdx",
    { onRequest: auth, schema: { params: blockParams } },
    async (req) => {
      const key = ownChainKey(req);
      const idx = parseOptionalBigint((req.params as { blockIdx: unknown }).blockIdx, "blockIdx", undefined);
      if (idx === undefined) throw badRequest("blockIdx is required");
      const b = await store.getBlock(key, idx);
      if (!b) throw notFound("block not found");
      return { block: blockJson(b) };
    },
  );

  for (const end of ["first", "last"] as const) {
    app.get(
      `/api/chains/${end}/:tenant/:chain/:shard`,
      { onRequest: auth, schema: { params: chainParams } },
      async (req) => {
        const key = ownChainKey(req);
        const c = await requireChain(key);
        const b = await store.getBlock(key, end === "first" ? c.headIdx : c.tailIdx);
        if (!b) throw notFound("block not found");
        return { block: blockJson(b) };
      },
    );
  }

  app.get(
    "/api/chains/range/:tenant/:chain/:shard",
    { onRequest: auth, schema: { params: chainParams, querystring: rangeQuery } },
    async (req) => {
      const key = ownChainKey(req);
      const q = req.query as Record<string, unknown>;
      const c = await requireChain(key);
      const startIdx = parseOptionalBigint(q.startIdx, "startIdx", c.headIdx) as bigint;
      const endIdx = parseOptionalBigint(q.endIdx, "endIdx", c.tailIdx) as bigint;
      const orderRaw = q.order === undefined ? "ASC" : String(q.order).toUpperCase();
      if (orderRaw !== "ASC" && orderRaw !== "DESC") throw badRequest("order must be ASC or DESC");
      const { blocks, truncated } =
        startIdx > endIdx
          ? { blocks: [], truncated: false }
          : await collectBlocks(store, key, c, startIdx, endIdx, orderRaw, MAX_RANGE_BLOCKS);
      return {
        blocks: blocks.map(blockJson),
        count: blocks.length,
        requestedRange: { startIdx: startIdx.toString(), endIdx: endIdx.toString(), order: orderRaw },
        truncated,
      };
    },
  );

  app.get(
    "/api/chains/recent/:tenant/:chain/:shard",
    { onRequest: auth, schema: { params: chainParams, querystring: recentQuery } },
    async (req) => {
      const key = ownChainKey(req);
      const q = req.query as Record<string, unknown>;
      const count =
        q.count === undefined || q.count === "" ? 10 : parseInt32(q.count, "count", 1, MAX_LIST_LIMIT);
      const c = await requireChain(key);
      const { blocks, truncated } = await collectBlocks(store, key, c, c.headIdx, c.tailIdx, "DESC", count);
      return { blocks: blocks.reverse().map(blockJson), count: blocks.length, truncated };
    },
  );

  app.get(
    "/api/chains/metadata/:tenant/:chain/:shard",
    { onRequest: auth, schema: { params: chainParams } },
    async (req) => {
      const key = ownChainKey(req);
      return { chain: chainJson(await requireChain(key)) };
    },
  );

  app.get(
    "/api/chains/validate/:tenant/:chain/:shard",
    { onRequest: auth, schema: { params: chainParams } },
    async (req) => {
      const key = ownChainKey(req);
      const c = await requireChain(key);
      return { validation: await validateChain(store, key, c) };
    },
  );

  app.get(
    "/api/chains/stats/:tenant",
    { onRequest: auth, schema: { params: chainTenantParams } },
    async (req) => {
      const tenant = parseName((req.params as { tenant: unknown }).tenant, "tenant");
      if (tenant !== principalOf(req).username) throw notFound("tenant not found");
      const chains = await store.listChains(tenant);
      return { stats: chains.map(chainJson), count: chains.length };
    },
  );

  app.delete(
    "/api/chains/:tenant/:chain/:shard",
    { onRequest: auth, schema: { params: chainParams } },
    async (req) => {
      const key = ownChainKey(req);
      const deleted = await store.deleteChain(key);
      if (!deleted) throw notFound("chain not found");
      return { success: true, deletedChain: chainJson(deleted) };
    },
  );
}
