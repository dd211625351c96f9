// Wire-format helpers: bigints as decimal strings (numbers accepted), strict base64, URL-safe names.
// Every parser throws a 400 ApiError naming the field, never echoing the (possibly huge) value.

import { badRequest } from "./errors.js";

/** Largest signed 64-bit integer: every bigint column is an SQL BIGINT. */
export const INT64_MAX = 9223372036854775807n;
/** Smallest signed 64-bit integer. */
export const INT64_MIN = -9223372036854775808n;

const DECIMAL = /^-?[0-9]{1,20}$/;
const NAME = /^[A-Za-z0-9_.~-]{1,255}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** JSON-schema fragment for a bigint field: a decimal string or an integer. */
export const bigintSchema = {
  anyOf: [
    { type: "string", pattern: "^-?[0-9]{1,20}$" },
    { type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 },
  ],
} as const;

/** JSON-schema fragment for a URL-safe name. */
export const nameSchema = { type: "string", pattern: "^[A-Za-z0-9_.~-]{1,255}$" } as const;

/** Parse a bigint that travels as a decimal string or a JSON integer, bounded to int64 and `min`. */
export function parseBigint(value: unknown, field: string, min: bigint = INT64_MIN): bigint {
  let n: bigint;
  if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && DECIMAL.test(value)) n = BigInt(value);
  else throw badRequest(`${field} must be an integer (decimal string or number)`);
  if (n < min || n > INT64_MAX) throw badRequest(`${field} is out of range`);
  return n;
}

/** Parse an optional bigint: undefined or "" gives `fallback`. */
export function parseOptionalBigint(
  value: unknown,
  field: string,
  fallback: bigint | undefined,
  min: bigint = INT64_MIN,
): bigint | undefined {
  if (value === undefined || value === "") return fallback;
  return parseBigint(value, field, min);
}

/** Parse a non-negative id (tenant ids, object ids, association endpoints). */
export function parseId(value: unknown, field: string): bigint {
  if (typeof value === "string" && value.startsWith("-")) throw badRequest(`${field} must not be negative`);
  return parseBigint(value, field, 0n);
}

/** Parse a small integer in [min, max] given as a string or a number. */
export function parseInt32(value: unknown, field: string, min: number, max: number): number {
  const n = parseBigint(value, field);
  if (n < BigInt(min) || n > BigInt(max)) throw badRequest(`${field} must be between ${min} and ${max}`);
  return Number(n);
}

/** Check a URL-safe name `[A-Za-z0-9_.~-]{1,255}`. */
export function parseName(value: unknown, field: string): string {
  if (typeof value !== "string" || !NAME.test(value)) throw badRequest(`${field} must be a URL-safe name`);
  return value;
}

/** Decode strict, padded standard base64; `maxBytes` bounds the decoded size (413 is the caller's job). */
export function decodeBase64(value: unknown, field: string): Buffer {
  if (typeof value !== "string" || !BASE64.test(value)) throw badRequest(`${field} must be base64`);
  return Buffer.from(value, "base64");
}

/** Decoded size of a base64 string without decoding it (for early 413s). */
export function base64DecodedLength(value: string): number {
  const pad = value.endsWith("==") ? 2 : value.endsWith("=") ? 1 : 0;
  return (value.length / 4) * 3 - pad;
}
