// Minimal response-shape readers. Every answer of the substrate is checked
// before use so that a buggy or hostile server yields a typed
// InvalidResponseError instead of `undefined` deep inside the agent.
// Bigints are accepted as decimal strings or safe integers (SUBSTRATE-API.md
// "Bigints travel as decimal strings; accept numbers too").

import { fromBase64 } from "./codec.js";
import type { JsonValue } from "./types.js";

/** Thrown by the readers; the client turns it into an InvalidResponseError. */
export class ShapeError extends Error {}

/** A JSON object (not array, not null). */
export type JsonObject = { [key: string]: JsonValue };

/** `v` as a JSON object, or a ShapeError naming `what`. */
export function obj(v: unknown, what: string): JsonObject {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new ShapeError(`${what} is not an object`);
  return v as JsonObject;
}

/** `v` as an array. */
export function arr(v: unknown, what: string): JsonValue[] {
  if (!Array.isArray(v)) throw new ShapeError(`${what} is not an array`);
  return v as JsonValue[];
}

/** `v` as a string. */
export function str(v: unknown, what: string): string {
  if (typeof v !== "string") throw new ShapeError(`${what} is not a string`);
  return v;
}

/** `v` as a string, or null when absent/null. */
export function optStr(v: unknown, what: string): string | null {
  if (v === undefined || v === null) return null;
  return str(v, what);
}

/** `v` as a boolean. */
export function bool(v: unknown, what: string): boolean {
  if (typeof v !== "boolean") throw new ShapeError(`${what} is not a boolean`);
  return v;
}

/** `v` as a non-negative bigint decimal string (accepts safe integers and digit strings). */
export function big(v: unknown, what: string): string {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === "string" && /^[0-9]{1,30}$/.test(v)) return v.replace(/^0+(?=\d)/, "");
  throw new ShapeError(`${what} is not a decimal id`);
}

/** `v` as a signed bigint decimal string (block indexes go negative after a prepend). */
export function sbig(v: unknown, what: string): string {
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  if (typeof v === "string" && /^-?[0-9]{1,30}$/.test(v)) return v.replace(/^(-?)0+(?=\d)/, "$1");
  throw new ShapeError(`${what} is not a decimal index`);
}

/** `v` as a bigint string, or null when absent/null. */
export function optBig(v: unknown, what: string): string | null {
  if (v === undefined || v === null) return null;
  return big(v, what);
}

/** `v` as a signed bigint string, or null when absent/null. */
export function optSbig(v: unknown, what: string): string | null {
  if (v === undefined || v === null) return null;
  return sbig(v, what);
}

/** `v` as a safe integer (numbers or digit strings, possibly negative). */
export function int(v: unknown, what: string): number {
  if (typeof v === "number" && Number.isSafeInteger(v)) return v;
  if (typeof v === "string" && /^-?[0-9]{1,15}$/.test(v)) return Number(v);
  throw new ShapeError(`${what} is not an integer`);
}

/** `v` as an integer, or `fallback` when absent/null. */
export function optInt(v: unknown, what: string, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  return int(v, what);
}

/** `v` as base64 text, decoded. */
export function b64(v: unknown, what: string): Uint8Array {
  const bytes = fromBase64(str(v, what));
  if (!bytes) throw new ShapeError(`${what} is not base64`);
  return bytes;
}
