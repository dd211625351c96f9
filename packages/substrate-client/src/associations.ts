// BOSS associations (SUBSTRATE-API.md §5): typed, ordered links from one object to another,
// with a time, a position and data. Each function is one method of SubstrateClient.

import { checkId, checkName, seg } from "./args.js";
import { dataOf, toBase64 } from "./codec.js";
import type { RequestCore } from "./core.js";
import { parseAssociation } from "./records.js";
import { arr, obj, optInt } from "./shape.js";
import type { AssociationList, DeleteResult, ListAssociationsQuery, PutAssociationInput } from "./types.js";

/** `/api/objects/<tenant>/associations`. */
const basePath = (core: RequestCore): string => `/api/objects/${seg(core.requireAccount().id)}/associations`;

/** `<basePath>/<type>/<sourceId>`, arguments checked. */
const listPath = (core: RequestCore, type: string, sourceId: string): string =>
  `${basePath(core)}/${seg(checkName(type, "association type"))}/${checkId(sourceId, "sourceId")}`;

/** `PUT` an association (idempotent: a re-PUT overwrites time, position and data). */
export async function putAssociation(core: RequestCore, input: PutAssociationInput): Promise<void> {
  const time = input.time ?? String(Date.now());
  const path = basePath(core);
  const json = {
    type: checkName(input.type, "association type"),
    sourceId: checkId(input.sourceId, "sourceId"),
    targetId: checkId(input.targetId, "targetId"),
    time: checkId(time, "time"),
    position: checkId(input.position ?? time, "position"),
    data: toBase64(dataOf(input)),
  };
  await core.call({ route: "PUT /api/objects/:tenant/associations", path, json, idempotent: true }, () => {});
}

/** Associations of `type` from `sourceId`, position descending; none (or 404) → count 0. */
export async function listAssociations(
  core: RequestCore,
  type: string,
  sourceId: string,
  query: ListAssociationsQuery,
): Promise<AssociationList> {
  const list = await core.call(
    {
      route: "GET /api/objects/:tenant/associations/:type/:sourceId",
      path: listPath(core, type, sourceId),
      query: { targetId: query.targetId, after: query.after, limit: query.limit },
      nullOn404: true,
    },
    (b) => {
      const o = obj(b, "answer");
      const associations = arr(o.associations ?? [], "associations").map(parseAssociation);
      return { count: optInt(o.count, "count", associations.length), associations };
    },
  );
  return list ?? { count: 0, associations: [] };
}

/** Deletes one association; `success:false` if it did not exist. */
export function deleteAssociation(
  core: RequestCore,
  type: string,
  sourceId: string,
  targetId: string,
): Promise<DeleteResult> {
  const path = `${listPath(core, type, sourceId)}/${checkId(targetId, "targetId")}`;
  return core.delete("DELETE /api/objects/:tenant/associations/:type/:sourceId/:targetId", path);
}
