// Read-only lookup of an account's agent identities by display name, in the substrate layout
// shared with HSAgent_2 (SUBSTRATE-API.md §6). Needs no vault passphrase: only public keys and
// ids are read, which is all `identity show` and `inspect-session` need.

import { ObjectTypes, OWNS_AGENT_IDENTITY } from "@hsagent/stores";
import { bytesToJson, type SubstrateClient } from "@hsagent/substrate-client";

/** The public part of an agent identity. */
export interface PublicIdentity {
  readonly displayName: string;
  readonly agentId: string;
  /** BOSS object id of the AgentIdentity object. */
  readonly identityObjId: string;
  readonly ownerId: string;
  readonly signPubB64: string;
  readonly kxPubB64: string;
  readonly protocols: readonly number[];
}

type Obj = { [key: string]: unknown };

function asObj(v: unknown): Obj | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : null;
}

function dataOf(bytes: Uint8Array): Obj {
  if (bytes.byteLength === 0) return {};
  try {
    return asObj(bytesToJson(bytes)) ?? {};
  } catch {
    return {};
  }
}

/** Parse an AgentIdentity object's JSON (flat, or wrapped as `{attrs}`); null if unusable. */
export function parsePublicIdentity(value: unknown, identityObjId: string): PublicIdentity | null {
  const outer = asObj(value);
  if (!outer) return null;
  const a = asObj(outer.attrs) ?? outer;
  if (typeof a.agentId !== "string" || typeof a.signPubB64 !== "string" || typeof a.kxPubB64 !== "string") {
    return null;
  }
  const protocols = Array.isArray(a.protocols)
    ? a.protocols.filter((p): p is number => typeof p === "number" && Number.isInteger(p))
    : [];
  return {
    displayName: typeof a.displayName === "string" ? a.displayName : "",
    agentId: a.agentId,
    identityObjId,
    ownerId: typeof a.ownerId === "string" || typeof a.ownerId === "number" ? String(a.ownerId) : "",
    signPubB64: a.signPubB64,
    kxPubB64: a.kxPubB64,
    protocols,
  };
}

async function readIdentity(client: SubstrateClient, identityObjId: string): Promise<PublicIdentity | null> {
  const obj = await client.getJson(ObjectTypes.AgentIdentity, identityObjId);
  return obj ? parsePublicIdentity(obj.value, identityObjId) : null;
}

/** The identity named `displayName` in the client's account, or null. */
export async function findIdentity(
  client: SubstrateClient,
  displayName: string,
): Promise<PublicIdentity | null> {
  const { associations } = await client.listAssociations(displayName, client.accountId, { limit: 20 });
  const link = associations.find((a) => dataOf(a.data).isDisplayName === "true");
  if (!link) return null;
  const identity = await readIdentity(client, link.targetId);
  return identity ? { ...identity, displayName: identity.displayName || displayName } : null;
}

/** Every identity of the client's account (through `owns_agent_identity`). */
export async function listIdentities(client: SubstrateClient): Promise<PublicIdentity[]> {
  const { associations } = await client.listAssociations(OWNS_AGENT_IDENTITY, client.accountId, {
    limit: 1000,
  });
  const found = await Promise.all(associations.map((a) => readIdentity(client, a.targetId)));
  return found
    .filter((x): x is PublicIdentity => x !== null)
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}
