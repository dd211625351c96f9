// Input checks shared by the stores: URL-safe names, nonce format, and a
// field-name guard that keeps secrets (keys, passphrases, tokens) out of
// anything persisted in clear (session records, audit events).

import { StoreError } from "./errors.js";
import { NAME_RE } from "./layout.js";
import type { JsonValue } from "./types.js";

const SECRET_FIELD_RE =
  /(priv|secret|passw|passphrase|jwt|token|apikey|api_key|^key$|_key$|Key$|symkey|sym_key)/i;
const ALLOWED_FIELDS = new Set(["peerIdentityObjId"]);

/** Throws `SECRET_FIELD` if `value` (recursively) has a field named like a secret. */
export function assertNoSecretFields(value: JsonValue, where: string): void {
  if (Array.isArray(value)) {
    for (const item of value) assertNoSecretFields(item, where);
    return;
  }
  if (value === null || typeof value !== "object") return;
  for (const [name, inner] of Object.entries(value)) {
    if (!ALLOWED_FIELDS.has(name) && SECRET_FIELD_RE.test(name)) {
      throw new StoreError(
        `${where}: field "${name}" looks like a secret and is never persisted`,
        "SECRET_FIELD",
      );
    }
    assertNoSecretFields(inner, where);
  }
}

/** Throws `INVALID_ARGUMENT` unless `text` is URL-safe for use inside a name. */
export function assertNamePart(text: string, what: string, maxLength = 200): string {
  if (typeof text !== "string" || text.length > maxLength || !NAME_RE.test(text)) {
    throw new StoreError(`${what} must match [A-Za-z0-9_.~-]{1,${maxLength}}`, "INVALID_ARGUMENT");
  }
  return text;
}

/** Throws `INVALID_ARGUMENT` unless `id` is a decimal object id. */
export function assertObjId(id: string, what: string): string {
  if (typeof id !== "string" || !/^[0-9]{1,30}$/.test(id)) {
    throw new StoreError(`${what} must be a decimal object id`, "INVALID_ARGUMENT");
  }
  return id;
}

/** True if `text` is a usable agentId (URL-safe, as association types need). */
export function isAgentIdLike(text: unknown): text is string {
  return typeof text === "string" && text.length <= 200 && NAME_RE.test(text);
}
