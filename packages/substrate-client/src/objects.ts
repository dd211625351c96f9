// BOSS objects (SUBSTRATE-API.md §4): typed, versioned byte blobs under our account id.
// Each function is one method of SubstrateClient.

import { checkId, checkType, seg } from "./args.js";
import { bytesToJson, jsonToBytes, toBase64 } from "./codec.js";
import type { RequestCore } from "./core.js";
import { InvalidResponseError } from "./errors.js";
import { parseObject } from "./records.js";
import { big, type JsonObject, obj } from "./shape.js";
import type {
  DeleteResult,
  JsonObjectRecord,
  JsonValue,
  ObjectRecord,
  PutJsonInput,
  PutObjectInput,
} from "./types.js";

const objectPath = (core: RequestCore, type: number, id: string): string =>
  `/api/objects/${seg(core.requireAccount().id)}/${checkType(type)}/${checkId(id, "id")}`;

/** `GET` one object; `null` when it does not exist. */
export function getObject(core: RequestCore, type: number, id: string): Promise<ObjectRecord | null> {
  const path = objectPath(core, type, id);
  return core.call({ route: "GET /api/objects/:tenant/:type/:id", path, nullOn404: true }, parseObject);
}

/** {@link getObject}, decoding the data as JSON. */
export async function getJson<T>(
  core: RequestCore,
  type: number,
  id: string,
): Promise<JsonObjectRecord<T> | null> {
  const record = await getObject(core, type, id);
  if (!record) return null;
  let value: JsonValue;
  try {
    value = bytesToJson(record.data);
  } catch {
    const target = { method: "GET", path: `/api/objects/:tenant/${type}/${id}` };
    throw new InvalidResponseError(target, 200, "object data is not JSON");
  }
  const { data: _data, ...rest } = record;
  return { ...rest, value: value as T };
}

/** `PUT` an object (never retried): create without `id`, else a conditional update. */
export function putObject(core: RequestCore, input: PutObjectInput): Promise<{ id: string }> {
  const json: Record<string, JsonValue> = {
    type: checkType(input.type),
    version: input.version,
    data: toBase64(input.data),
  };
  if (input.id !== undefined && input.id !== "0") json.id = checkId(input.id, "id");
  const path = `/api/objects/${seg(core.requireAccount().id)}`;
  return core.call({ route: "PUT /api/objects/:tenant", path, json, versionClash: true }, (b) => ({
    id: big(obj(b, "answer").id ?? input.id, "id"),
  }));
}

/** {@link putObject} with JSON data. */
export function putJson(core: RequestCore, input: PutJsonInput): Promise<{ id: string }> {
  const { value, ...rest } = input;
  return putObject(core, { ...rest, data: jsonToBytes(value) });
}

/** `DELETE` an object and its associations; `success:false` if it did not exist. */
export function deleteObject(core: RequestCore, type: number, id: string): Promise<DeleteResult> {
  return core.delete("DELETE /api/objects/:tenant/:type/:id", objectPath(core, type, id));
}

/** `GET /api/objects/stats/:tenant`. */
export function objectStats(core: RequestCore): Promise<JsonObject> {
  const path = `/api/objects/stats/${seg(core.requireAccount().id)}`;
  return core.call({ route: "GET /api/objects/stats/:tenant", path }, (b) => obj(b, "answer"));
}
