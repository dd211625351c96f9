// Where the JWT signing secret comes from: option > env HSAGENT_SUBSTRATE_JWT_SECRET > a 0600 file
// `jwt-secret` next to the SQLite database (generated on first start) > a random per-process secret.

import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Environment variable holding the JWT secret (shared by every replica). */
export const JWT_SECRET_ENV = "HSAGENT_SUBSTRATE_JWT_SECRET";

/** Resolve the secret; `dataDir` is the SQLite file's directory (undefined for :memory: / PostgreSQL). */
export function resolveJwtSecret(
  option: string | Uint8Array | undefined,
  dataDir: string | undefined,
): Uint8Array {
  if (option !== undefined) return typeof option === "string" ? Buffer.from(option, "utf8") : option;
  const env = process.env[JWT_SECRET_ENV];
  if (env !== undefined && env !== "") return Buffer.from(env, "utf8");
  if (dataDir === undefined) return randomBytes(32);
  const file = join(dataDir, "jwt-secret");
  try {
    const existing = readFileSync(file, "utf8").trim();
    if (existing.length >= 32) return Buffer.from(existing, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("hex");
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      return Buffer.from(readFileSync(file, "utf8").trim());
    throw err;
  }
  chmodSync(file, 0o600);
  return Buffer.from(secret, "utf8");
}
