// Session records in the substrate: the HandshakeSessionState object's JSON is
// the caller's record plus `selfId` (our agentId), flat like HSAgent_2's
// session attrs. Shared checks for both session stores live here too.

import { StoreError } from "./errors.js";
import { assertNoSecretFields, assertObjId } from "./guard.js";
import type { JsonValue, SessionRecord } from "./types.js";

/** Reserved field of stored session JSON: the store instance that wrote it (see {@link sessionJson}). */
export const WRITER_FIELD = "_writer";

/** Checks the key fields and the no-secrets rule of a session record. */
export function checkRecord(record: SessionRecord): void {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw new StoreError("session record must be an object", "INVALID_ARGUMENT");
  }
  if (record.role !== "initiator" && record.role !== "responder") {
    throw new StoreError("session role must be initiator or responder", "INVALID_ARGUMENT");
  }
  assertObjId(record.peerIdentityObjId, "peerIdentityObjId");
  if (WRITER_FIELD in record) {
    throw new StoreError(`session record field ${WRITER_FIELD} is reserved`, "INVALID_ARGUMENT");
  }
  assertNoSecretFields(record, "session record");
}

/**
 * The JSON stored in a HandshakeSessionState object. `writer` (optional, stored as `_writer`) tags the store instance
 * that wrote it — a random token, not a secret — so that instance can recognise its own leftovers.
 */
export function sessionJson(record: SessionRecord, selfAgentId: string, writer?: string): JsonValue {
  return writer === undefined
    ? { ...record, selfId: selfAgentId }
    : { ...record, selfId: selfAgentId, [WRITER_FIELD]: writer };
}

/** The `writer` tag of a stored session payload (see {@link sessionJson}), if any. */
export function sessionWriter(value: JsonValue): string | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const writer = value[WRITER_FIELD];
  return typeof writer === "string" ? writer : null;
}

/** Parses a stored session payload; null if it is not one. */
export function parseSession(value: JsonValue): SessionRecord | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  // Unwrap `{attrs:{...}}` only when the top level is not itself a record (a caller may use an `attrs` field).
  const inner = value.attrs;
  const wrapped =
    value.role === undefined && inner !== null && typeof inner === "object" && !Array.isArray(inner);
  const v = wrapped ? (inner as { [key: string]: JsonValue }) : value;
  if ((v.role !== "initiator" && v.role !== "responder") || typeof v.peerIdentityObjId !== "string")
    return null;
  const { selfId: _selfId, [WRITER_FIELD]: _writer, ...record } = v;
  return record as unknown as SessionRecord;
}

/** The key of one session state of an agent: its role and peer. */
export function sessionKey(role: string, peerIdentityObjId: string): string {
  return `${role}|${peerIdentityObjId}`;
}
