// Our extension to §5: `PUT|GET /api/chains/policy/:tenant/:chain` marks a chain owner-write-only
// (or reads the mark). Only the owner may read or change it; see guard/chain-policy.ts.

import type { FastifyInstance, FastifyRequest } from "fastify";
import { makeAuthHook, principalOf, type RouteContext } from "../context.js";
import { badRequest, notFound } from "../errors.js";
import { isOwnerWriteOnly, setOwnerWriteOnly } from "../guard/chain-policy.js";
import { nameSchema, parseName } from "../wire.js";

const params = {
  type: "object",
  required: ["tenant", "chain"],
  properties: { tenant: nameSchema, chain: nameSchema },
} as const;

const body = {
  type: "object",
  required: ["ownerWriteOnly"],
  properties: { ownerWriteOnly: { type: "boolean" } },
} as const;

/** The chain name of a policy request, after checking the caller owns the tenant (404 otherwise). */
function ownChainName(req: FastifyRequest): string {
  const p = req.params as { tenant: unknown; chain: unknown };
  const tenant = parseName(p.tenant, "tenant");
  const chain = parseName(p.chain, "chain");
  if (tenant !== principalOf(req).username) throw notFound("chain not found");
  return chain;
}

/** Register the chain-policy routes. */
export function chainPolicyRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const auth = makeAuthHook(ctx);
  const path = "/api/chains/policy/:tenant/:chain";
  app.put(path, { onRequest: auth, schema: { params, body } }, async (req) => {
    const chain = ownChainName(req);
    const on = (req.body as { ownerWriteOnly: unknown }).ownerWriteOnly;
    if (typeof on !== "boolean") throw badRequest("ownerWriteOnly must be true or false");
    await setOwnerWriteOnly(ctx.store, principalOf(req).accountId, chain, on);
    return { tenant: principalOf(req).username, chain, ownerWriteOnly: on };
  });
  app.get(path, { onRequest: auth, schema: { params } }, async (req) => {
    const chain = ownChainName(req);
    const on = await isOwnerWriteOnly(ctx.store, principalOf(req).accountId, chain);
    return { tenant: principalOf(req).username, chain, ownerWriteOnly: on };
  });
}
