// Checks of the caller's arguments before anything is sent: a bad name, id, type or shard is a
// SubstrateError `INVALID_ARGUMENT`, never a request to a path the caller did not mean.

import { SubstrateError } from "./errors.js";

const NAME_RE = /^[A-Za-z0-9_.~-]{1,255}$/;
const ID_RE = /^[0-9]{1,30}$/;
const HEX64_RE = /^(0x)?[0-9a-fA-F]{64}$/;

function invalid(message: string): SubstrateError {
  return new SubstrateError(message, "INVALID_ARGUMENT");
}

/** A username, chain name or association type, URL-encoded for a path segment. */
export function checkName(name: string, what: string): string {
  if (!NAME_RE.test(name)) throw invalid(`${what} must match [A-Za-z0-9_.~-]{1,255}`);
  return name;
}

/** A decimal id (object id, time, position). */
export function checkId(id: string, what: string): string {
  if (!ID_RE.test(id)) throw invalid(`${what} must be a decimal id`);
  return id;
}

/** An object type. */
export function checkType(type: number): number {
  if (!Number.isInteger(type) || type < 1 || type > 1_000_000_000)
    throw invalid("object type must be an integer in 1..1e9");
  return type;
}

/** A chain shard. */
export function checkShard(shard: number): number {
  if (!Number.isInteger(shard) || shard < -2147483648 || shard > 2147483647)
    throw invalid("shard must be an int32");
  return shard;
}

/** A 64-hex-digit agent-key secret (optional `0x`), as `0x` + lower case. */
export function checkSecret(secretHex: string): string {
  if (!HEX64_RE.test(secretHex)) throw invalid("secret must be 64 hex digits");
  return `0x${secretHex.replace(/^0x/, "").toLowerCase()}`;
}

/** Throws `INVALID_ARGUMENT` with `message` unless `ok`. */
export function ensure(ok: boolean, message: string): void {
  if (!ok) throw invalid(message);
}

/** A path segment, URL-encoded. */
export const seg = encodeURIComponent;
