// Validation of object and association writes, shared by the single-call routes (objects.ts) and
// the batch extension (batch.ts), so a batch item is checked exactly like the same single call:
// tenant match, id/type/name formats, data size limits.

import type { FastifyRequest } from "fastify";
import { principalOf } from "../context.js";
import { badRequest, forbidden, tooLarge } from "../errors.js";
import { MAX_ASSOCIATION_DATA_BYTES, MAX_OBJECT_DATA_BYTES } from "../limits.js";
import { base64DecodedLength, decodeBase64, parseBigint, parseId, parseInt32, parseName } from "../wire.js";

/** The caller's tenant id, after checking the path names it (403 otherwise). */
export function ownTenant(req: FastifyRequest): bigint {
  const p = principalOf(req);
  const tenant = parseId((req.params as { tenant: unknown }).tenant, "tenant");
  if (tenant !== p.accountId) throw forbidden("tenant does not match the authenticated account");
  return tenant;
}

/** Decode an optional base64 `data` field bounded to `maxBytes` (413 beyond). */
export function readData(value: unknown, field: string, maxBytes: number): Buffer {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (typeof value !== "string") throw badRequest(`${field} must be a base64 string`);
  if (value.length % 4 === 0 && base64DecodedLength(value) > maxBytes) {
    throw tooLarge(`${field} exceeds ${maxBytes} bytes`);
  }
  if (value.length > Math.ceil(maxBytes / 3) * 4 + 4) throw tooLarge(`${field} exceeds ${maxBytes} bytes`);
  const data = decodeBase64(value, field);
  if (data.length > maxBytes) throw tooLarge(`${field} exceeds ${maxBytes} bytes`);
  return data;
}

/** An object type: an integer in 1..1e9. */
export const parseType = (v: unknown): number => parseInt32(v, "type", 1, 1_000_000_000);

/** Parses an object id; `I` lets the batch route also accept references to created objects. */
export type IdParser<I> = (value: unknown, field: string) => I;

/** A validated object PUT: create when `id` is null, else update at `version`. */
export interface ObjectWrite<I> {
  type: number;
  id: I | null;
  version: number;
  data: Buffer;
}

/** Validate the body of an object PUT (same rules for the single route and batch items). */
export function parseObjectWrite<I>(
  body: Record<string, unknown>,
  parseIdOrRef: IdParser<I>,
): ObjectWrite<I> {
  const type = parseType(body.type);
  if (body.data === undefined) throw badRequest("data is required");
  const raw = body.id === undefined || body.id === null ? null : parseIdOrRef(body.id, "id");
  const id = (raw as unknown) === 0n ? null : raw;
  const data = readData(body.data, "data", MAX_OBJECT_DATA_BYTES);
  if (id === null) {
    const version = body.version === undefined ? 0 : parseInt32(body.version, "version", 0, 2_000_000_000);
    return { type, id, version, data };
  }
  if (body.version === undefined) throw badRequest("version is required to update an object");
  return { type, id, version: parseInt32(body.version, "version", 0, 2_000_000_000), data };
}

/** A validated association PUT. */
export interface AssociationWrite<I> {
  type: string;
  sourceId: I;
  targetId: I;
  time: bigint;
  position: bigint;
  data: Buffer;
}

/** Validate the body of an association PUT (time defaults to now, position to time). */
export function parseAssociationWrite<I>(
  body: Record<string, unknown>,
  parseIdOrRef: IdParser<I>,
): AssociationWrite<I> {
  const type = parseName(body.type, "type");
  const sourceId = parseIdOrRef(body.sourceId, "sourceId");
  const targetId = parseIdOrRef(body.targetId, "targetId");
  const time = body.time === undefined ? BigInt(Date.now()) : parseBigint(body.time, "time");
  const position = body.position === undefined ? time : parseBigint(body.position, "position");
  const data = readData(body.data, "data", MAX_ASSOCIATION_DATA_BYTES);
  return { type, sourceId, targetId, time, position, data };
}
