// The server's capabilities document (GET /.well-known/hsagent-substrate, our extension): which
// API extensions it offers. Read once per client (one client talks to one server); a server
// without the document — the hosted API — offers none, and nothing else changes.

import type { RequestCore } from "./core.js";
import { int, obj } from "./shape.js";
import type { JsonValue } from "./types.js";

/** Where the document lives. */
export const CAPABILITIES_PATH = "/.well-known/hsagent-substrate";

/** What a server offers beyond SUBSTRATE-API.md. */
export interface ServerCapabilities {
  /**
   * Batched writes, with the most items one request may carry and the item `op`s the server
   * takes (a server that does not list them takes the first five: {@link BASE_BATCH_OPS});
   * null when not offered.
   */
  readonly batch: { readonly maxItems: number; readonly ops: ReadonlySet<string> } | null;
}

/** The batch item ops every batching server takes. */
export const BASE_BATCH_OPS: readonly string[] = [
  "putObject",
  "deleteObject",
  "putAssociation",
  "deleteAssociation",
  "appendBlock",
];

/** A server without the document. */
export const NO_CAPABILITIES: ServerCapabilities = { batch: null };

/**
 * Parse the document; anything unexpected means "not offered" (never an error). A batch
 * extension whose `ops` lack one of {@link BASE_BATCH_OPS} is not used at all, so "batched" keeps
 * meaning "one call" for every caller.
 */
export function parseCapabilities(body: JsonValue): ServerCapabilities {
  try {
    const ext = obj(obj(body, "capabilities").extensions ?? {}, "extensions");
    if (ext.batch === undefined || ext.batch === null) return NO_CAPABILITIES;
    const batch = obj(ext.batch, "batch");
    const maxItems = int(batch.maxItems, "maxItems");
    const listed = Array.isArray(batch.ops)
      ? batch.ops.filter((o): o is string => typeof o === "string" && o.length <= 64).slice(0, 64)
      : BASE_BATCH_OPS;
    const ops = new Set(listed);
    if (maxItems < 1 || !BASE_BATCH_OPS.every((op) => ops.has(op))) return NO_CAPABILITIES;
    return { batch: { maxItems: Math.min(maxItems, 10_000), ops } };
  } catch {
    return NO_CAPABILITIES;
  }
}

/** Ask the server for its document (no auth); a 404 or any failure means "offers nothing". */
export function fetchCapabilities(core: RequestCore): Promise<ServerCapabilities> {
  return core
    .call(
      { route: `GET ${CAPABILITIES_PATH}`, path: CAPABILITIES_PATH, auth: false, nullOn404: true },
      parseCapabilities,
    )
    .then(
      (c) => c ?? NO_CAPABILITIES,
      () => NO_CAPABILITIES,
    );
}
