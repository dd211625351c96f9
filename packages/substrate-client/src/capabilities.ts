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
  /** Batched writes, with the most items one request may carry; null when not offered. */
  readonly batch: { readonly maxItems: number } | null;
}

/** A server without the document. */
export const NO_CAPABILITIES: ServerCapabilities = { batch: null };

/** Parse the document; anything unexpected means "not offered" (never an error). */
function parseCapabilities(body: JsonValue): ServerCapabilities {
  try {
    const ext = obj(obj(body, "capabilities").extensions ?? {}, "extensions");
    if (ext.batch === undefined || ext.batch === null) return NO_CAPABILITIES;
    const maxItems = int(obj(ext.batch, "batch").maxItems, "maxItems");
    return { batch: maxItems >= 1 ? { maxItems: Math.min(maxItems, 10_000) } : null };
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
