// Password hashing with scrypt (memory-hard, node:crypto), salted, compared in constant time.
// Stored form: `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>` so cost can be raised later.

import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** scrypt cost parameters. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Default cost: N=2^15, r=8, p=1 — 32 MiB of memory per hash (OWASP-style interactive setting). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 15, r: 8, p: 1 };

const KEY_LEN = 32;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const maxmem = 256 * params.N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LEN, { ...params, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hash a password with a fresh 16-byte salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** Check a password against a stored hash in constant time; false on any malformed input. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const params = { N: Number(parts[1]), r: Number(parts[2]), p: Number(parts[3]) };
  const salt = Buffer.from(parts[4] ?? "", "base64");
  const expected = Buffer.from(parts[5] ?? "", "base64");
  if (expected.length !== KEY_LEN) return false;
  const key = await derive(password, salt, params);
  return timingSafeEqual(key, expected);
}

/** A fixed hash to verify against when the username is unknown, so timing does not reveal it. */
export async function dummyHash(params: ScryptParams): Promise<string> {
  return hashPassword("dummy-password-for-timing", params);
}
