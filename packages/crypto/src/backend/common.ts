/**
 * Input checks shared by both backends, so they reject exactly the same inputs with the same
 * `HandshakeError` reason instead of each library's own TypeError.
 */
import { HandshakeError } from "../errors.js";
import type { ScryptParams } from "./types.js";

/** @internal Throw `malformed` unless `value` is a Uint8Array (of `length`, if given). */
export function requireBytes(value: unknown, what: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new HandshakeError("malformed", `${what} must be bytes`);
  if (length !== undefined && value.length !== length) {
    throw new HandshakeError("malformed", `${what} must be ${length} bytes`);
  }
  return value;
}

/** @internal Throw `malformed` unless `value` is a non-negative safe integer ≤ max. */
export function requireLength(value: unknown, what: string, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new HandshakeError("malformed", `${what} out of range`);
  }
  return value;
}

/** @internal Validate scrypt parameters (N power of two > 1, r,p ≥ 1, r·p < 2^30, dkLen ≥ 1). */
export function requireScryptParams(params: unknown): ScryptParams {
  if (params === null || typeof params !== "object") throw new HandshakeError("malformed", "scrypt params");
  const { N, r, p, dkLen } = params as Record<string, unknown>;
  const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 1;
  if (!isInt(N) || !isInt(r) || !isInt(p) || !isInt(dkLen)) {
    throw new HandshakeError("malformed", "scrypt params must be positive integers");
  }
  if (N < 2 || N > 2 ** 30 || (N & (N - 1)) !== 0) throw new HandshakeError("malformed", "scrypt N");
  if (r * p >= 2 ** 30 || dkLen > 2 ** 20) throw new HandshakeError("malformed", "scrypt r/p/dkLen");
  return { N, r, p, dkLen };
}

/** @internal True if every byte is zero. */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

/** @internal A fresh copy as a plain Uint8Array (not a Buffer view). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
