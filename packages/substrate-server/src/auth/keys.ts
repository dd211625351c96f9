// Agent keys ("valet keys"): `<username>%<64 hex>`. Only SHA-256 of the 32 secret bytes is stored;
// the secret has 256 bits of entropy, so a fast hash is enough and lookups stay indexed.

import { createHash } from "node:crypto";

const SECRET = /^(?:0x)?([0-9a-fA-F]{64})$/;
const KEY = /^([A-Za-z0-9_.~-]{1,255})%([0-9a-fA-F]{64})$/;

/** Parse a secret `"0x"+64 hex` or `64 hex` (any case) into its normalised lowercase hex, or null. */
export function parseSecret(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const m = SECRET.exec(value);
  return m ? (m[1] as string).toLowerCase() : null;
}

/** Parse a key `<username>%<64 hex>`, or null. */
export function parseAgentKey(value: unknown): { username: string; secretHex: string } | null {
  if (typeof value !== "string") return null;
  const m = KEY.exec(value);
  return m ? { username: m[1] as string, secretHex: (m[2] as string).toLowerCase() } : null;
}

/** The stored form of a secret: SHA-256 over its 32 raw bytes. */
export function hashSecret(secretHex: string): Buffer {
  return createHash("sha256").update(Buffer.from(secretHex, "hex")).digest();
}
