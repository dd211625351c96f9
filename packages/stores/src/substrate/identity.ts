// IdentityRegistry over the substrate, in the layout HSAgent_2 shares
// (SUBSTRATE-API.md §6):
//   account ──owns_agent_identity {agentId}──────────────▶ AgentIdentity (7001)
//   account ──<agentId> {agentId, + public snapshot}──────▶ AgentIdentity
//   account ──<displayName> {isDisplayName:"true", + vaultObjId}──▶ AgentIdentity
//   AgentIdentity ──has_secret_vault──────────────────────▶ AgentSecretVault (7002)
// Extra fields in association data (snapshot, vaultObjId) are ours: HSAgent_2
// readers ignore them, and they save round-trips (hydrate 3 instead of 4,
// cold peer lookup 1 instead of 2). Round-trips:
//   hydrate = 3 (list <displayName>, then GET identity ∥ GET vault)
//   provision = 7 (name check; PUT vault ∥ PUT identity; 3 associations in
//   parallel; <displayName> last, as the commit point: a crash before it
//   leaves orphans, never a half-visible agent)
//   lookupPeer = 0 warm, 1 cold or past peerCacheTtlMs (snapshot), 2 with refresh (object read);
//   a missing, malformed or mismatching identity is reported as unknown (null)
//   publishProtocols = 2 (PUT identity, re-PUT <agentId> snapshot)

import { encryptIdentityVault, generateIdentity, type IdentityRecord } from "@hsagent/crypto";
import {
  type AssociationRecord,
  bytesToJson,
  type SubstrateClient,
  VersionClashError,
} from "@hsagent/substrate-client";
import { IdentityError } from "../errors.js";
import { assertNamePart, isAgentIdLike } from "../guard.js";
import {
  checkProtocols,
  DEFAULT_PROTOCOLS,
  foundOrProvisioned,
  identityJson,
  openVault,
  parseIdentity,
  withProtocols,
} from "../identity-codec.js";
import { HAS_SECRET_VAULT, ObjectTypes, OWNS_AGENT_IDENTITY } from "../layout.js";
import { FAN_OUT, mapLimit } from "../limit.js";
import type {
  AgentIdentity,
  HydratedAgent,
  IdentityRegistry,
  JsonValue,
  ProvisionOptions,
} from "../types.js";

function assocJson(a: AssociationRecord): JsonValue {
  if (a.data.byteLength === 0) return {};
  try {
    return bytesToJson(a.data);
  } catch {
    return {};
  }
}

/** Options of {@link SubstrateIdentityRegistry}. */
export interface SubstrateIdentityOptions {
  /** Max peer identities cached (default 10000). */
  readonly maxCachedPeers?: number;
  /**
   * How long a cached peer identity is served without asking the substrate, ms (default 300000).
   * Past it the next lookup re-reads it, so a revoked or rotated identity is seen within that time.
   */
  readonly peerCacheTtlMs?: number;
  /** Clock for the cache TTL (tests). */
  readonly now?: () => number;
  /**
   * Also find identities that only have `owns_agent_identity` (and
   * `has_secret_vault`), as some HSAgent_2 provisioning code wrote them: when the
   * `<displayName>`/`<agentId>` link is missing, scan the account's owned
   * identities (1 more call, plus one object read per identity for hydrate).
   * Default false, keeping misses at one call.
   */
  readonly legacyScan?: boolean;
}

/** IdentityRegistry over a logged-in {@link SubstrateClient}. */
export class SubstrateIdentityRegistry implements IdentityRegistry {
  readonly #client: SubstrateClient;
  readonly #peers = new Map<string, AgentIdentity>();
  /** When each cached peer identity was read (for the TTL). */
  readonly #readAt = new Map<string, number>();
  readonly #maxCached: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  readonly #legacyScan: boolean;

  constructor(client: SubstrateClient, options: SubstrateIdentityOptions = {}) {
    this.#client = client;
    this.#maxCached = options.maxCachedPeers ?? 10_000;
    this.#ttlMs = options.peerCacheTtlMs ?? 300_000;
    this.#now = options.now ?? Date.now;
    this.#legacyScan = options.legacyScan ?? false;
  }

  /** Owned identities (owns_agent_identity from the account), for the legacy scan. */
  async #owned(): Promise<readonly AssociationRecord[]> {
    return (await this.#client.listAssociations(OWNS_AGENT_IDENTITY, this.#client.accountId, { limit: 1000 }))
      .associations;
  }

  /** Legacy hydrate: find the identity by its displayName attribute among owned identities. */
  async #scanForName(
    displayName: string,
  ): Promise<{ identityObjId: string; vaultObjId: string | null } | null> {
    const owned = await this.#owned();
    const objects = await mapLimit(owned, FAN_OUT, (a) =>
      this.#client.getJson(ObjectTypes.AgentIdentity, a.targetId),
    );
    const match = objects.find(
      (o) => o && parseIdentity(o.value, o.id, o.version)?.displayName === displayName,
    );
    return match ? { identityObjId: match.id, vaultObjId: null } : null;
  }

  async hydrate(displayName: string, passphrase: string): Promise<HydratedAgent | null> {
    assertNamePart(displayName, "displayName");
    const { associations } = await this.#client.listAssociations(displayName, this.#client.accountId, {
      limit: 10,
    });
    const link = associations.find((a) => {
      const d = assocJson(a);
      return d !== null && typeof d === "object" && !Array.isArray(d) && d.isDisplayName === "true";
    });
    const data = (link ? assocJson(link) : {}) as { [k: string]: JsonValue };
    let identityObjId: string;
    if (link) {
      identityObjId = link.targetId;
    } else {
      const scanned = this.#legacyScan ? await this.#scanForName(displayName) : null;
      if (!scanned) return null;
      identityObjId = scanned.identityObjId;
    }
    const knownVaultId =
      typeof data.vaultObjId === "string" && /^[0-9]+$/.test(data.vaultObjId) ? data.vaultObjId : null;

    const vaultIdPromise: Promise<string | null> = knownVaultId
      ? Promise.resolve(knownVaultId)
      : this.#client
          .listAssociations(HAS_SECRET_VAULT, identityObjId, { limit: 1 })
          .then((r) => r.associations[0]?.targetId ?? null);
    const [identityObj, vaultObj] = await Promise.all([
      this.#client.getJson(ObjectTypes.AgentIdentity, identityObjId),
      vaultIdPromise.then((id) => (id ? this.#client.getJson(ObjectTypes.AgentSecretVault, id) : null)),
    ]);
    if (!identityObj) return null;
    const identity = parseIdentity(identityObj.value, identityObjId, identityObj.version);
    if (!identity)
      throw new IdentityError(`identity object ${identityObjId} is malformed`, "IDENTITY_MALFORMED");
    if (identity.displayName && identity.displayName !== displayName) {
      throw new IdentityError(`identity object ${identityObjId} is not ${displayName}`, "IDENTITY_MISMATCH");
    }
    if (!vaultObj) throw new IdentityError(`identity ${displayName} has no vault`, "IDENTITY_MALFORMED");
    const keys = await openVault(vaultObj.value, passphrase, identity);
    this.#remember(identity);
    return { identity, vaultObjId: vaultObj.id, keys };
  }

  async provision(
    displayName: string,
    passphrase: string,
    options: ProvisionOptions = {},
  ): Promise<HydratedAgent> {
    assertNamePart(displayName, "displayName");
    const existing = await this.#client.listAssociations(displayName, this.#client.accountId, { limit: 1 });
    if (existing.count > 0)
      throw new IdentityError(`an agent named ${displayName} exists`, "DISPLAY_NAME_TAKEN");
    return this.#provision(displayName, passphrase, options);
  }

  async hydrateOrProvision(
    displayName: string,
    passphrase: string,
    options?: ProvisionOptions,
  ): Promise<HydratedAgent & { readonly created: boolean }> {
    const found = await this.hydrate(displayName, passphrase);
    return foundOrProvisioned(found, () => this.#provision(displayName, passphrase, options ?? {}));
  }

  async #provision(
    displayName: string,
    passphrase: string,
    options: ProvisionOptions,
  ): Promise<HydratedAgent> {
    const client = this.#client;
    const keys: IdentityRecord = options.identity ?? generateIdentity();
    if (!isAgentIdLike(keys.my_id)) throw new IdentityError("agentId is not URL-safe", "IDENTITY_MALFORMED");
    const vault = (await encryptIdentityVault(keys, passphrase)) as unknown as JsonValue;
    const ownerId = client.accountId;
    const draft = {
      agentId: keys.my_id,
      ownerId,
      displayName,
      signPubB64: keys.sign_pub_b64,
      kxPubB64: keys.kx_pub_b64,
      protocols: [...(options.protocols ?? DEFAULT_PROTOCOLS)],
    };
    const [vaultRes, identityRes] = await Promise.all([
      client.putJson({ type: ObjectTypes.AgentSecretVault, version: 0, value: vault }),
      client.putJson({ type: ObjectTypes.AgentIdentity, version: 0, value: identityJson(draft) }),
    ]);
    // A create stores the version it was sent (0); only updates bump it (SUBSTRATE-API.md §3).
    // Should a server count differently, publishProtocols() re-reads on a clash.
    const identity: AgentIdentity = { ...draft, identityObjId: identityRes.id, version: 0 };
    await Promise.all([
      client.putAssociation({
        type: HAS_SECRET_VAULT,
        sourceId: identity.identityObjId,
        targetId: vaultRes.id,
        json: {},
      }),
      client.putAssociation({
        type: OWNS_AGENT_IDENTITY,
        sourceId: ownerId,
        targetId: identity.identityObjId,
        json: { agentId: identity.agentId },
      }),
      client.putAssociation({
        type: identity.agentId,
        sourceId: ownerId,
        targetId: identity.identityObjId,
        json: identityJson(identity),
      }),
    ]);
    await client.putAssociation({
      type: displayName,
      sourceId: ownerId,
      targetId: identity.identityObjId,
      json: { isDisplayName: "true", agentId: identity.agentId, vaultObjId: vaultRes.id },
    });
    this.#remember(identity);
    return { identity, vaultObjId: vaultRes.id, keys };
  }

  async lookupPeer(
    agentId: string,
    options: { readonly refresh?: boolean } = {},
  ): Promise<AgentIdentity | null> {
    if (!isAgentIdLike(agentId)) return null;
    if (!options.refresh) {
      const cached = this.#peers.get(agentId);
      if (cached && this.#now() - (this.#readAt.get(agentId) ?? 0) < this.#ttlMs) return cached;
    }
    // The association type <agentId> shares its namespace with <displayName>: skip display-name links.
    const { associations } = await this.#client.listAssociations(agentId, this.#client.accountId, {
      limit: 10,
    });
    let link = associations.find((a) => {
      const d = assocJson(a);
      return !(d !== null && typeof d === "object" && !Array.isArray(d) && d.isDisplayName === "true");
    });
    if (!link && this.#legacyScan) {
      link = (await this.#owned()).find((a) => {
        const d = assocJson(a);
        return d !== null && typeof d === "object" && !Array.isArray(d) && d.agentId === agentId;
      });
    }
    if (!link) {
      this.#forget(agentId);
      return null;
    }
    if (!options.refresh) {
      const snap = parseIdentity(assocJson(link), link.targetId, null);
      if (snap && snap.agentId === agentId) {
        this.#remember(snap);
        return snap;
      }
    }
    const obj = await this.#client.getJson(ObjectTypes.AgentIdentity, link.targetId);
    const identity = obj ? parseIdentity(obj.value, link.targetId, obj.version) : null;
    // Missing, malformed, or another agent's identity: unknown to us.
    if (!identity || identity.agentId !== agentId) {
      this.#forget(agentId);
      return null;
    }
    this.#remember(identity);
    return identity;
  }

  async publishProtocols(
    agentId: string,
    protocols: readonly number[],
    keyAgreements?: readonly string[],
  ): Promise<AgentIdentity> {
    checkProtocols(protocols);
    let current = this.#peers.get(agentId);
    if (!current || current.version === null)
      current = (await this.lookupPeer(agentId, { refresh: true })) ?? undefined;
    if (!current) throw new IdentityError(`unknown agent ${agentId}`, "UNKNOWN_AGENT");
    let written: AgentIdentity | null = null;
    for (let attempt = 0; attempt < 2 && !written; attempt++) {
      const next = withProtocols(current, protocols, keyAgreements);
      try {
        await this.#client.putJson({
          type: ObjectTypes.AgentIdentity,
          id: current.identityObjId,
          version: current.version ?? 0,
          value: identityJson(next),
        });
        written = { ...next, version: (current.version ?? 0) + 1 };
      } catch (error) {
        if (!(error instanceof VersionClashError) || attempt > 0) throw error;
        const fresh = await this.lookupPeer(agentId, { refresh: true });
        if (!fresh) throw new IdentityError(`unknown agent ${agentId}`, "UNKNOWN_AGENT");
        current = fresh;
      }
    }
    const identity = written!;
    await this.#client.putAssociation({
      type: identity.agentId,
      sourceId: this.#client.accountId,
      targetId: identity.identityObjId,
      json: identityJson(identity),
    });
    this.#remember(identity);
    return identity;
  }

  #forget(agentId: string): void {
    this.#peers.delete(agentId);
    this.#readAt.delete(agentId);
  }

  #remember(identity: AgentIdentity): void {
    this.#peers.delete(identity.agentId);
    this.#peers.set(identity.agentId, identity);
    this.#readAt.set(identity.agentId, this.#now());
    if (this.#peers.size > this.#maxCached) {
      const oldest = this.#peers.keys().next().value;
      if (oldest !== undefined) {
        this.#peers.delete(oldest);
        this.#readAt.delete(oldest);
      }
    }
  }
}
