// §3 Objects and §4 associations (BOSS). `:tenant` must be the caller's account id (else 403),
// checked before anything is read, so a stranger cannot learn whether an object exists.

import type { FastifyInstance } from "fastify";
import { iso, makeAuthHook, principalOf, type RouteContext } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { checkObjectWrite } from "../guard/write-checks.js";
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from "../limits.js";
import {
  associationListParams,
  associationParams,
  associationQuery,
  objectParams,
  tenantParams,
} from "../schemas.js";
import type { AssociationRecord } from "../store/types.js";
import { parseId, parseInt32, parseName, parseOptionalBigint } from "../wire.js";
import { ownTenant, parseAssociationWrite, parseObjectWrite, parseType } from "./object-input.js";

function assocJson(a: AssociationRecord) {
  return {
    type: a.type,
    sourceId: a.sourceId.toString(),
    targetId: a.targetId.toString(),
    time: a.time.toString(),
    position: a.position.toString(),
    data_b64: a.data.toString("base64"),
  };
}

/** A stored object as answered by GET (a response schema: compiled serializer, no JSON.stringify). */
const objectAnswer = {
  type: "object",
  properties: {
    type: { type: "integer" },
    id: { type: "string" },
    version: { type: "integer" },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
    data_b64: { type: "string" },
  },
} as const;

/** Register object and association routes. */
export function objectRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const auth = makeAuthHook(ctx);
  const { store } = ctx;

  app.get(
    "/api/objects/stats/:tenant",
    { onRequest: auth, schema: { params: tenantParams } },
    async (req) => {
      const tenant = ownTenant(req);
      const s = await store.objectStats(tenant);
      return {
        tenant: tenant.toString(),
        objectCount: s.objectCount.toString(),
        objectBytes: s.objectBytes.toString(),
        associationCount: s.associationCount.toString(),
        associationBytes: s.associationBytes.toString(),
        totalBytes: (s.objectBytes + s.associationBytes).toString(),
      };
    },
  );

  app.get(
    "/api/objects/:tenant/:type/:id",
    { onRequest: auth, schema: { params: objectParams, response: { 200: objectAnswer } } },
    async (req) => {
      const tenant = ownTenant(req);
      const params = req.params as { type: unknown; id: unknown };
      const type = parseType(params.type);
      const id = parseId(params.id, "id");
      const o = await store.getObject(tenant, type, id);
      if (!o) throw notFound("object not found");
      return {
        type: o.type,
        id: o.id.toString(),
        version: o.version,
        createdAt: iso(o.createdAt),
        updatedAt: iso(o.updatedAt),
        data_b64: o.data.toString("base64"),
      };
    },
  );

  app.put(
    "/api/objects/:tenant",
    {
      onRequest: auth,
      schema: { params: tenantParams, body: { type: "object", required: ["type", "data"] } },
    },
    async (req, reply) => {
      const tenant = ownTenant(req);
      const { type, id, version, data } = parseObjectWrite(req.body as Record<string, unknown>, parseId);
      await checkObjectWrite(ctx, principalOf(req), data.length);
      const now = Date.now();
      if (id === null) {
        const newId = await store.createObject(tenant, type, version, data, now);
        return reply.code(201).send({ success: true, id: newId.toString() });
      }
      const outcome = await store.updateObject(tenant, type, id, version, data, now);
      if (outcome === "missing") throw notFound("object not found");
      if (outcome === "clash") {
        throw new ApiError(409, "VERSION_CLASH", `Conflict: object ${id} is not at version ${version}`);
      }
      return reply.code(201).send({ success: true, id: id.toString() });
    },
  );

  app.delete(
    "/api/objects/:tenant/:type/:id",
    { onRequest: auth, schema: { params: objectParams } },
    async (req) => {
      const tenant = ownTenant(req);
      const params = req.params as { type: unknown; id: unknown };
      const type = parseType(params.type);
      const id = parseId(params.id, "id");
      if (await store.deleteObject(tenant, type, id)) return { success: true };
      return { success: false, message: "object not found" };
    },
  );

  app.put(
    "/api/objects/:tenant/associations",
    {
      onRequest: auth,
      schema: { params: tenantParams, body: { type: "object", required: ["type", "sourceId", "targetId"] } },
    },
    async (req, reply) => {
      const tenant = ownTenant(req);
      const a = parseAssociationWrite(req.body as Record<string, unknown>, parseId);
      const { type, sourceId, targetId, time, position, data } = a;
      await checkObjectWrite(ctx, principalOf(req), data.length);
      await store.putAssociation({ tenant, type, sourceId, targetId, time, position, data });
      return reply.code(201).send({ success: true });
    },
  );

  app.get(
    "/api/objects/:tenant/associations/:type/:sourceId",
    { onRequest: auth, schema: { params: associationListParams, querystring: associationQuery } },
    async (req) => {
      const tenant = ownTenant(req);
      const params = req.params as { type: unknown; sourceId: unknown };
      const type = parseName(params.type, "type");
      const sourceId = parseId(params.sourceId, "sourceId");
      const query = req.query as Record<string, unknown>;
      const targetId =
        query.targetId === undefined || query.targetId === ""
          ? undefined
          : parseId(query.targetId, "targetId");
      const after = parseOptionalBigint(query.after, "after", undefined);
      const limit =
        query.limit === undefined || query.limit === ""
          ? DEFAULT_LIST_LIMIT
          : parseInt32(query.limit, "limit", 1, MAX_LIST_LIMIT);
      const list = await store.listAssociations(tenant, type, sourceId, {
        limit,
        ...(targetId !== undefined ? { targetId } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      return { count: list.length, associations: list.map(assocJson) };
    },
  );

  app.delete(
    "/api/objects/:tenant/associations/:type/:sourceId/:targetId",
    { onRequest: auth, schema: { params: associationParams } },
    async (req) => {
      const tenant = ownTenant(req);
      const params = req.params as { type: unknown; sourceId: unknown; targetId: unknown };
      const type = parseName(params.type, "type");
      await store.deleteAssociation(
        tenant,
        type,
        parseId(params.sourceId, "sourceId"),
        parseId(params.targetId, "targetId"),
      );
      return { success: true };
    },
  );
}
