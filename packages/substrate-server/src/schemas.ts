// JSON schemas for path parameters and query strings, shared by the route modules. Handlers still
// parse values (ranges, int64 bounds) with wire.ts; the schemas reject malformed input early.

const ID = { type: "string", pattern: "^[0-9]{1,19}$" } as const;
const NAME = { type: "string", pattern: "^[A-Za-z0-9_.~-]{1,255}$" } as const;
const SIGNED = { type: "string", pattern: "^-?[0-9]{1,20}$" } as const;
const SMALL = { type: "string", pattern: "^[0-9]{1,10}$" } as const;

const params = (props: Record<string, unknown>) => ({
  type: "object",
  required: Object.keys(props),
  properties: props,
});

/** A query string of optional string parameters (unknown parameters are allowed and ignored). */
const query = (...names: string[]) => ({
  type: "object",
  properties: Object.fromEntries(names.map((n) => [n, { type: "string" }])),
});

/** `:tenant` (account id). */
export const tenantParams = params({ tenant: ID });
/** `:tenant/:type/:id` of an object. */
export const objectParams = params({ tenant: ID, type: SMALL, id: ID });
/** `:tenant/associations/:type/:sourceId`. */
export const associationListParams = params({ tenant: ID, type: NAME, sourceId: ID });
/** `:tenant/associations/:type/:sourceId/:targetId`. */
export const associationParams = params({ tenant: ID, type: NAME, sourceId: ID, targetId: ID });
/** `?targetId&after&limit` (unknown parameters are allowed and ignored). */
export const associationQuery = query("targetId", "after", "limit");
/** `:tenant` (username) of chain stats. */
export const chainTenantParams = params({ tenant: NAME });
/** `:tenant/:chain/:shard`. */
export const chainParams = params({ tenant: NAME, chain: NAME, shard: SMALL });
/** `:tenant/:chain/:shard/:blockIdx`. */
export const blockParams = params({ tenant: NAME, chain: NAME, shard: SMALL, blockIdx: SIGNED });
/** `?startIdx&endIdx&order`. */
export const rangeQuery = query("startIdx", "endIdx", "order");
/** `?count`. */
export const recentQuery = query("count");
