// In-memory IdentityRegistry: same semantics as the substrate one (display
// names unique, vault encrypted with the caller's passphrase, unknown agentId
// → null), no I/O.

import { encryptIdentityVault, generateIdentity, type IdentityRecord } from "@hsagent/crypto";
import { IdentityError } from "../errors.js";
import { assertNamePart, isAgentIdLike } from "../guard.js";
import {
  checkProtocols,
  DEFAULT_PROTOCOLS,
  foundOrProvisioned,
  openVault,
  withProtocols,
} from "../identity-codec.js";
import type {
  AgentIdentity,
  HydratedAgent,
  IdentityRegistry,
  JsonValue,
  ProvisionOptions,
} from "../types.js";
import type { MemoryBackend } from "./backend.js";

/** IdentityRegistry over a {@link MemoryBackend}. */
export class MemoryIdentityRegistry implements IdentityRegistry {
  readonly #backend: MemoryBackend;

  constructor(backend: MemoryBackend) {
    this.#backend = backend;
  }

  async hydrate(displayName: string, passphrase: string): Promise<HydratedAgent | null> {
    assertNamePart(displayName, "displayName");
    const objId = this.#backend.byDisplayName.get(displayName);
    if (objId === undefined) return null;
    const entry = this.#backend.identities.get(objId)!;
    const keys = await openVault(entry.vault, passphrase, entry.identity);
    return { identity: entry.identity, vaultObjId: entry.vaultObjId, keys };
  }

  async provision(
    displayName: string,
    passphrase: string,
    options: ProvisionOptions = {},
  ): Promise<HydratedAgent> {
    assertNamePart(displayName, "displayName");
    if (this.#backend.byDisplayName.has(displayName)) {
      throw new IdentityError(`an agent named ${displayName} exists`, "DISPLAY_NAME_TAKEN");
    }
    const keys: IdentityRecord = options.identity ?? generateIdentity();
    const vault = (await encryptIdentityVault(keys, passphrase)) as unknown as JsonValue;
    if (this.#backend.byDisplayName.has(displayName)) {
      throw new IdentityError(`an agent named ${displayName} exists`, "DISPLAY_NAME_TAKEN");
    }
    const identity: AgentIdentity = {
      identityObjId: this.#backend.newId(),
      agentId: keys.my_id,
      ownerId: this.#backend.ownerId,
      displayName,
      signPubB64: keys.sign_pub_b64,
      kxPubB64: keys.kx_pub_b64,
      protocols: [...(options.protocols ?? DEFAULT_PROTOCOLS)],
      version: 1,
    };
    const vaultObjId = this.#backend.newId();
    this.#backend.identities.set(identity.identityObjId, { identity, vaultObjId, vault });
    this.#backend.byAgentId.set(identity.agentId, identity.identityObjId);
    this.#backend.byDisplayName.set(displayName, identity.identityObjId);
    return { identity, vaultObjId, keys };
  }

  async hydrateOrProvision(
    displayName: string,
    passphrase: string,
    options?: ProvisionOptions,
  ): Promise<HydratedAgent & { readonly created: boolean }> {
    const found = await this.hydrate(displayName, passphrase);
    return foundOrProvisioned(found, () => this.provision(displayName, passphrase, options));
  }

  async lookupPeer(agentId: string): Promise<AgentIdentity | null> {
    if (!isAgentIdLike(agentId)) return null;
    const objId = this.#backend.byAgentId.get(agentId);
    return objId === undefined ? null : this.#backend.identities.get(objId)!.identity;
  }

  async publishProtocols(
    agentId: string,
    protocols: readonly number[],
    keyAgreements?: readonly string[],
  ): Promise<AgentIdentity> {
    checkProtocols(protocols);
    const objId = isAgentIdLike(agentId) ? this.#backend.byAgentId.get(agentId) : undefined;
    if (objId === undefined) throw new IdentityError(`unknown agent ${agentId}`, "UNKNOWN_AGENT");
    const entry = this.#backend.identities.get(objId)!;
    const next = withProtocols(entry.identity, protocols, keyAgreements);
    entry.identity = { ...next, version: (entry.identity.version ?? 0) + 1 };
    return entry.identity;
  }
}
