// Check `tenant-isolation`: a second temporary account B writes an object, an
// association and a chain block; the primary account A, with its own valid
// token, then aims every kind of request at B's paths. Object paths must
// answer 403 and chain reads/deletes 404 (hiding B's chains), and afterwards B
// must still see its data unchanged. Requests go out raw because the typed
// client only ever addresses its own tenant.

import { fromUtf8 } from "@hsagent/substrate-client";
import type { TempAccount } from "../context.js";
import { CheckFailure, expect } from "../errors.js";
import { rawLogin, rawRequest } from "../http.js";
import { PROBE_TYPE } from "./objects.js";
import type { CheckFn } from "./types.js";

/** A cross-tenant write that got through created something in B: record it for the sweep. */
function track(b: TempAccount, path: string, text: string, assocType: string): void {
  const bId = b.client.accountId;
  if (path.endsWith("/associations")) {
    b.ledger.association(assocType, bId, "1");
    return;
  }
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    if (typeof id === "string" || typeof id === "number") b.ledger.object(PROBE_TYPE, String(id));
  } catch {
    // nothing to record
  }
}

/** The `tenant-isolation` check (sets `ctx.secondary`). */
export const tenantIsolationCheck: CheckFn = async (ctx) => {
  const a = ctx.requirePrimary();
  const b = await ctx.createAccount();
  ctx.secondary = b;
  const bId = b.client.accountId;
  const marker = `secret-of-b-${ctx.runId}`;

  const { id: objId } = await b.client.putJson({ type: PROBE_TYPE, version: 0, value: { marker } });
  b.ledger.object(PROBE_TYPE, objId);
  const assocType = `selftest-tenant-${ctx.runId}`;
  b.ledger.association(assocType, bId, objId);
  await b.client.putAssociation({ type: assocType, sourceId: bId, targetId: objId, json: { marker } });
  const chain = `selftest-tenant-${ctx.runId}`;
  b.ledger.chain(chain, 0);
  const appended = await b.client.appendBlock(chain, 0, JSON.stringify({ marker }));

  const tokenA = await rawLogin(ctx.baseUrl, a.username, a.password, ctx.timeoutMs, ctx.ca);
  ctx.redactor.add(tokenA);
  const enc = encodeURIComponent;
  const bUser = enc(b.username);
  const probes: Array<[string, string, number, unknown?]> = [
    ["GET", `/api/objects/${bId}/${PROBE_TYPE}/${objId}`, 403],
    ["PUT", `/api/objects/${bId}`, 403, { type: PROBE_TYPE, id: objId, version: 0, data: "e30=" }],
    ["PUT", `/api/objects/${bId}`, 403, { type: PROBE_TYPE, version: 0, data: "e30=" }],
    ["DELETE", `/api/objects/${bId}/${PROBE_TYPE}/${objId}`, 403],
    ["GET", `/api/objects/${bId}/associations/${enc(assocType)}/${bId}`, 403],
    [
      "PUT",
      `/api/objects/${bId}/associations`,
      403,
      { type: assocType, sourceId: bId, targetId: "1", time: "1", position: "1", data: "" },
    ],
    ["DELETE", `/api/objects/${bId}/associations/${enc(assocType)}/${bId}/${objId}`, 403],
    ["GET", `/api/objects/stats/${bId}`, 403],
    ["GET", `/api/chains/${bUser}/${chain}/0/${appended.blockIdx}`, 404],
    ["GET", `/api/chains/first/${bUser}/${chain}/0`, 404],
    ["GET", `/api/chains/last/${bUser}/${chain}/0`, 404],
    ["GET", `/api/chains/range/${bUser}/${chain}/0`, 404],
    ["GET", `/api/chains/recent/${bUser}/${chain}/0?count=10`, 404],
    ["GET", `/api/chains/metadata/${bUser}/${chain}/0`, 404],
    ["GET", `/api/chains/validate/${bUser}/${chain}/0`, 404],
    ["DELETE", `/api/chains/${bUser}/${chain}/0`, 404],
  ];
  const leaks: string[] = [];
  for (const [method, path, want, json] of probes) {
    const r = await rawRequest(ctx.baseUrl, method, path, {
      token: tokenA,
      timeoutMs: ctx.timeoutMs,
      ca: ctx.ca,
      ...(json !== undefined ? { json } : {}),
    });
    if (method === "PUT" && r.status >= 200 && r.status < 300) track(b, path, r.text, assocType);
    const route = (path.split("?")[0] ?? path)
      .replace(`/${bUser}/`, "/:other/")
      .replace(new RegExp(`/${bId}(?=/|$)`), "/:other");
    if (r.status !== want) leaks.push(`${method} ${route} → ${r.status} (expected ${want})`);
    else if (r.text.includes(marker)) leaks.push(`${method} ${route} → body holds the other tenant's data`);
  }
  if (leaks.length > 0) {
    throw new CheckFailure(
      `${leaks.length} of ${probes.length} cross-tenant requests not refused: ${leaks.join("; ")}`,
    );
  }

  // B's data must be intact (nothing above changed or deleted it).
  const obj = await b.client.getJson<{ marker?: string }>(PROBE_TYPE, objId);
  expect(obj !== null && obj.value.marker === marker, "the other tenant's object was changed or deleted");
  const links = await b.client.listAssociations(assocType, bId);
  expect(links.count === 1, "the other tenant's associations were changed");
  const blocks = await b.client.recentBlocks(chain, 0, 10);
  expect(
    blocks.length === 1 && blocks[0]!.payloads.some((p) => fromUtf8(p).includes(marker)),
    "the other tenant's chain was changed or deleted",
  );

  await b.ledger.dropAssociation(b.client, assocType, bId, objId);
  await b.ledger.dropObject(b.client, PROBE_TYPE, objId);
  await b.ledger.dropChain(b.client, chain, 0);
};
