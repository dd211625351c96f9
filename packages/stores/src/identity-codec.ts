// How identities look in the substrate. HSAgent_2 PUTs objects as
// `{type, version, attrs}` and reads `obj["attrs"]`: the attrs ARE the
// object's payload. On our wire that payload is the JSON in `data`, so the
// AgentIdentity object's JSON is the flat attrs object
// `{agentId, ownerId, displayName, signPubB64, kxPubB64, protocols}` and the
// vault object's JSON is the flat `id.v1` vault. Readers also accept the
// payload wrapped as `{attrs: {...}}` (as some HSAgent_2 tooling dumps it).

import { decryptIdentityVault, type IdentityRecord, isHandshakeError } from "@hsagent/crypto";
import { IdentityError } from "./errors.js";
import type { AgentIdentity, HydratedAgent, JsonValue } from "./types.js";

/** Default protocol versions published by a new identity. */
export const DEFAULT_PROTOCOLS: readonly number[] = [2, 1];

/** Unwraps `{attrs:{...}}` payloads; returns the attrs object or null. */
export function attrsOf(value: JsonValue): { [key: string]: JsonValue } | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const inner = value.attrs;
  if (inner !== undefined && inner !== null && typeof inner === "object" && !Array.isArray(inner))
    return inner;
  return value;
}

/** The JSON stored in an AgentIdentity object. */
export function identityJson(identity: Omit<AgentIdentity, "identityObjId" | "version">): JsonValue {
  return {
    agentId: identity.agentId,
    ownerId: identity.ownerId,
    displayName: identity.displayName,
    signPubB64: identity.signPubB64,
    kxPubB64: identity.kxPubB64,
    protocols: [...identity.protocols],
    ...(identity.keyAgreements ? { keyAgreements: [...identity.keyAgreements] } : {}),
  };
}

const KEY_AGREEMENT_RE = /^[a-z0-9+]{1,32}$/;

/** A published `keyAgreements` list, or undefined when absent or unusable. */
function keyAgreementsOf(v: JsonValue | undefined): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.length > 8) return undefined;
  const out = v.filter((k): k is string => typeof k === "string" && KEY_AGREEMENT_RE.test(k));
  return out.length === v.length ? out : undefined;
}

function protocolsOf(v: JsonValue | undefined): number[] {
  if (!Array.isArray(v)) return [];
  return v.filter((p): p is number => typeof p === "number" && Number.isInteger(p) && p > 0 && p < 1000);
}

/** Parses an AgentIdentity payload (object JSON or association snapshot); null if unusable. */
export function parseIdentity(
  value: JsonValue,
  identityObjId: string,
  version: number | null,
): AgentIdentity | null {
  const a = attrsOf(value);
  if (!a) return null;
  const { agentId, ownerId, displayName, signPubB64, kxPubB64 } = a;
  if (typeof agentId !== "string" || typeof signPubB64 !== "string" || typeof kxPubB64 !== "string")
    return null;
  return {
    identityObjId,
    agentId,
    ownerId: typeof ownerId === "string" || typeof ownerId === "number" ? String(ownerId) : "",
    displayName: typeof displayName === "string" ? displayName : "",
    signPubB64,
    kxPubB64,
    protocols: protocolsOf(a.protocols),
    ...(keyAgreementsOf(a.keyAgreements) ? { keyAgreements: keyAgreementsOf(a.keyAgreements)! } : {}),
    version,
  };
}

/**
 * Decrypts a vault payload with the caller's passphrase and checks it belongs
 * to `identity`. Throws IdentityError `VAULT_DECRYPT_FAILED` / `IDENTITY_MISMATCH`.
 */
export async function openVault(
  vaultJson: JsonValue,
  passphrase: string,
  identity: AgentIdentity,
): Promise<IdentityRecord> {
  let keys: IdentityRecord;
  try {
    keys = await decryptIdentityVault(attrsOf(vaultJson), passphrase);
  } catch (error) {
    const reason = isHandshakeError(error) ? error.reason : "malformed";
    throw new IdentityError(
      `cannot open the vault of ${identity.displayName}: ${reason}`,
      "VAULT_DECRYPT_FAILED",
    );
  }
  if (
    keys.my_id !== identity.agentId ||
    keys.sign_pub_b64 !== identity.signPubB64 ||
    keys.kx_pub_b64 !== identity.kxPubB64
  ) {
    throw new IdentityError(`vault of ${identity.displayName} holds another identity`, "IDENTITY_MISMATCH");
  }
  return keys;
}

/** `found` with `created: false`, else what `provision()` makes with `created: true`. */
export async function foundOrProvisioned(
  found: HydratedAgent | null,
  provision: () => Promise<HydratedAgent>,
): Promise<HydratedAgent & { readonly created: boolean }> {
  if (found) return { ...found, created: false };
  return { ...(await provision()), created: true };
}

/** Throws `IDENTITY_MALFORMED` unless every protocol is a small positive integer. */
export function checkProtocols(protocols: readonly number[]): void {
  if (!protocols.every((p) => Number.isInteger(p) && p > 0 && p < 1000)) {
    throw new IdentityError("protocols must be small positive integers", "IDENTITY_MALFORMED");
  }
}

/**
 * `identity` publishing `protocols`, and `keyAgreements` when given (the version is left to the
 * store); see {@link checkProtocols}.
 */
export function withProtocols<T extends AgentIdentity>(
  identity: T,
  protocols: readonly number[],
  keyAgreements?: readonly string[],
): T {
  checkProtocols(protocols);
  return {
    ...identity,
    protocols: [...protocols],
    ...(keyAgreements ? { keyAgreements: [...keyAgreements] } : {}),
  };
}
