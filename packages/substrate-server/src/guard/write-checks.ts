// The per-item checks every write must pass, whichever route carries it (the single-item routes
// and any batch route): the chain's tenant exists, the chain's write policy admits the caller, and
// the tenant's storage quota has room. Routes call these functions instead of checking inline.

import type { Principal } from "../auth/tokens.js";
import type { RouteContext } from "../context.js";
import { forbidden, notFound } from "../errors.js";
import type { ChainKey } from "../store/types.js";
import { isOwnerWriteOnly } from "./chain-policy.js";

/**
 * Check an append/prepend of `bytes` payload bytes by `p` to chain `key`: 404 if the tenant does
 * not exist, 403 if the chain is owner-write-only and `p` is not its owner, 413 if the owner's
 * quota is used up. Synchronous (undefined, or a throw) when the caller writes to its own tenant
 * and its quota usage is known; else a promise.
 */
export function checkChainWrite(
  ctx: RouteContext,
  p: Principal,
  key: ChainKey,
  bytes: number,
): Promise<void> | undefined {
  if (key.tenant !== p.username) return checkForeignChainWrite(ctx, key, bytes);
  return ctx.quota?.admit({ accountId: p.accountId, username: key.tenant }, bytes);
}

async function checkForeignChainWrite(ctx: RouteContext, key: ChainKey, bytes: number): Promise<void> {
  const owner = await ctx.store.findAccountByUsername(key.tenant);
  if (!owner) throw notFound("unknown tenant");
  if (await isOwnerWriteOnly(ctx.store, owner.id, key.name)) {
    throw forbidden("this chain accepts writes from its owner only");
  }
  await ctx.quota?.admit({ accountId: owner.id, username: key.tenant }, bytes);
}

/**
 * Check a write of `bytes` object or association bytes into the caller's own tenant (quota);
 * synchronous as {@link checkChainWrite}.
 */
export function checkObjectWrite(ctx: RouteContext, p: Principal, bytes: number): Promise<void> | undefined {
  return ctx.quota?.admit({ accountId: p.accountId, username: p.username }, bytes);
}
