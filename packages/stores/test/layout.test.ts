// The substrate layout (SUBSTRATE-API.md §6), read back RAW through the client:
// every object type, association name and attribute an HSAgent_2 agent relies
// on to find identities, vaults, sessions and nonces.

import { randomBytes } from "node:crypto";
import { decryptIdentityVault, encryptIdentityVault, generateIdentity } from "@hsagent/crypto";
import { bytesToJson, fromUtf8, type SubstrateClient } from "@hsagent/substrate-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSubstrateStores, type JsonValue, SubstrateIdentityRegistry } from "../src/index.js";
import { newClient, type ServerHandle, startServer } from "./helpers/env.js";

let handle: ServerHandle;
let client: SubstrateClient;
beforeAll(async () => {
  handle = await startServer("sqlite");
  client = await newClient(
    handle.server.url,
    `l${randomBytes(5).toString("hex")}`,
    randomBytes(10).toString("hex"),
  );
});
afterAll(() => handle?.stop());

const PASS = "layout passphrase";
type Obj = { [k: string]: JsonValue };
const json = (data: Uint8Array): Obj => bytesToJson(data) as Obj;

/**
 * Writes an identity as a plain HSAgent_2 writer would: `{attrs:{...}}` payloads, no protocols, no
 * vault id, and only the `has_secret_vault` and `owns_agent_identity` links.
 */
async function writeLegacyIdentity(displayName: string) {
  const account = client.accountId;
  const keys = generateIdentity();
  const vault = (await encryptIdentityVault(keys, PASS)) as unknown as Obj;
  const { id: vaultId } = await client.putJson({ type: 7002, version: 0, value: { attrs: vault } });
  const attrs = {
    agentId: keys.my_id,
    ownerId: account,
    displayName,
    signPubB64: keys.sign_pub_b64,
    kxPubB64: keys.kx_pub_b64,
  };
  const { id: identityObjId } = await client.putJson({ type: 7001, version: 0, value: { attrs } });
  await client.putAssociation({
    type: "has_secret_vault",
    sourceId: identityObjId,
    targetId: vaultId,
    json: {},
  });
  await client.putAssociation({
    type: "owns_agent_identity",
    sourceId: account,
    targetId: identityObjId,
    json: { agentId: keys.my_id },
  });
  return { account, keys, agentId: keys.my_id, vaultId, identityObjId };
}

describe("SUBSTRATE-API.md §6 layout", () => {
  it("identity: AgentIdentity 7001 + vault 7002 + the four associations, with their attributes", async () => {
    const registry = new SubstrateIdentityRegistry(client);
    const me = await registry.provision("layout-agent", PASS);
    const account = client.accountId;
    const { agentId, identityObjId } = me.identity;

    // AgentIdentity object: the attrs are the object's JSON (HSAgent_2 reads obj["attrs"]).
    const identityObj = await client.getJson<Obj>(7001, identityObjId);
    expect(identityObj!.type).toBe(7001);
    expect(identityObj!.value).toEqual({
      agentId,
      ownerId: account,
      displayName: "layout-agent",
      signPubB64: me.keys.sign_pub_b64,
      kxPubB64: me.keys.kx_pub_b64,
      protocols: [2, 1],
    });

    // owns_agent_identity from the account id, attrs {agentId}.
    const owns = await client.listAssociations("owns_agent_identity", account);
    expect(owns.associations).toHaveLength(1);
    expect(owns.associations[0]!.targetId).toBe(identityObjId);
    expect(json(owns.associations[0]!.data)).toEqual({ agentId });

    // <agentId> from the account id (lookup by UUID).
    const byId = await client.listAssociations(agentId, account);
    expect(byId.associations.map((a) => a.targetId)).toEqual([identityObjId]);
    expect(json(byId.associations[0]!.data).agentId).toBe(agentId);

    // <displayName> from the account id, attrs {isDisplayName:"true"}.
    const byName = await client.listAssociations("layout-agent", account);
    expect(byName.associations.map((a) => a.targetId)).toEqual([identityObjId]);
    expect(json(byName.associations[0]!.data).isDisplayName).toBe("true");

    // has_secret_vault from the identity to the vault.
    const hasVault = await client.listAssociations("has_secret_vault", identityObjId);
    expect(hasVault.associations.map((a) => a.targetId)).toEqual([me.vaultObjId]);

    // The vault object is the id.v1 vault JSON, decryptable with the caller's passphrase only.
    const vaultObj = await client.getJson<Obj>(7002, me.vaultObjId);
    expect(vaultObj!.type).toBe(7002);
    expect(Object.keys(vaultObj!.value).sort()).toEqual(["aad", "ciphertext", "kdf", "nonce", "salt", "v"]);
    expect(vaultObj!.value).toMatchObject({ v: "id.v1", kdf: "scrypt" });
    expect(await decryptIdentityVault(vaultObj!.value, PASS)).toEqual(me.keys);
    expect(JSON.stringify(vaultObj!.value)).not.toContain(me.keys.sign_priv_b64);
    expect(JSON.stringify(identityObj!.value)).not.toContain(me.keys.sign_priv_b64);
  });

  it("sessions, nonces and audit: names, attributes and payloads", async () => {
    const registry = new SubstrateIdentityRegistry(client);
    const me = await registry.provision("layout-two", PASS);
    const { agentId, identityObjId } = me.identity;
    const stores = createSubstrateStores(client, { agentId, identityObjId, identity: registry });
    const peerObj = "424242";

    // Session: HandshakeSessionState 7005 via hs_session-<role>-<peer> and has_handshake_with {role}.
    const saved = await stores.sessions.save({
      role: "initiator",
      peerIdentityObjId: peerObj,
      state: "init_exchange",
    });
    const link = await client.listAssociations(`hs_session-initiator-${peerObj}`, identityObjId);
    expect(link.associations.map((a) => a.targetId)).toEqual([saved.objId]);
    const all = await client.listAssociations("has_handshake_with", identityObjId);
    expect(all.associations.map((a) => a.targetId)).toEqual([saved.objId]);
    expect(json(all.associations[0]!.data).role).toBe("initiator");
    const stateObj = await client.getJson<Obj>(7005, saved.objId);
    expect(stateObj!.value).toMatchObject({
      role: "initiator",
      peerIdentityObjId: peerObj,
      state: "init_exchange",
      selfId: agentId,
    });

    // Nonce: NonceMarker 7004 via nonce_seen-<nonce>, journal nonce-journal-<self>-<peer>.
    const nonce = randomBytes(16).toString("hex");
    expect(await stores.nonces.recordIfNew(nonce, peerObj)).toBe(true);
    const seen = await client.listAssociations(`nonce_seen-${nonce}`, identityObjId);
    expect(seen.count).toBe(1);
    const marker = await client.getJson<Obj>(7004, seen.associations[0]!.targetId);
    expect(marker!.value.nonce).toBe(nonce);
    const journal = await client.lastBlock(`nonce-journal-${agentId}-${peerObj}`, 0);
    expect(JSON.parse(fromUtf8(journal!.payloads[0]!))).toMatchObject({ event: "NONCE_SEEN", nonce });

    // Audit: chain hsagent-audit-<agentId>, shard 0.
    stores.audit.append({ type: "HANDSHAKE_OK", peer: "peer-agent", protocolVersion: 2 });
    await stores.audit.close();
    const block = await client.lastBlock(`hsagent-audit-${agentId}`, 0);
    expect(JSON.parse(fromUtf8(block!.payloads[0]!)).events[0]).toMatchObject({
      type: "HANDSHAKE_OK",
      peer: "peer-agent",
    });
    expect((await client.validateChain(`hsagent-audit-${agentId}`, 0)).isValid).toBe(true);

    // Purge removes the state object and both of its associations.
    expect(await stores.sessions.purge("initiator", peerObj)).toBe(true);
    expect(await client.getObject(7005, saved.objId)).toBeNull();
    expect((await client.listAssociations(`hs_session-initiator-${peerObj}`, identityObjId)).count).toBe(0);
    expect((await client.listAssociations("has_handshake_with", identityObjId)).count).toBe(0);
    // Nonce purge removes marker and association.
    expect(await stores.nonces.purgePeer(peerObj)).toBe(1);
    expect((await client.listAssociations(`nonce_seen-${nonce}`, identityObjId)).count).toBe(0);
  });

  it("an identity written the HSAgent_2 way (attrs wrapped, no snapshot, no vault id) is still found", async () => {
    const registry = new SubstrateIdentityRegistry(client);
    // Written as a plain HSAgent_2 writer would, plus the agentId and display-name links.
    const { account, keys, agentId, identityObjId } = await writeLegacyIdentity("legacy-agent");
    await client.putAssociation({ type: agentId, sourceId: account, targetId: identityObjId, json: {} });
    await client.putAssociation({
      type: "legacy-agent",
      sourceId: account,
      targetId: identityObjId,
      json: { isDisplayName: "true" },
    });
    const hydrated = await registry.hydrate("legacy-agent", PASS);
    expect(hydrated!.identity).toMatchObject({ agentId, identityObjId, protocols: [] });
    expect(hydrated!.keys.my_id).toBe(agentId);
    const peer = await new SubstrateIdentityRegistry(client).lookupPeer(agentId);
    expect(peer).toMatchObject({ agentId, signPubB64: keys.sign_pub_b64, protocols: [] });
  });

  it("exclusiveWriter: a duplicate state made by a second writer is cleaned up by purge", async () => {
    const registry = new SubstrateIdentityRegistry(client);
    const me = await registry.provision("layout-three", PASS);
    const opts = {
      agentId: me.identity.agentId,
      identityObjId: me.identity.identityObjId,
      exclusiveSessions: true,
    };
    const first = createSubstrateStores(client, opts).sessions;
    const second = createSubstrateStores(client, opts).sessions;
    await first.save({ role: "responder", peerIdentityObjId: "777", state: "resp_confirm" });
    // The promise was broken (two writers): the second creates a duplicate instead of failing.
    await second.save({ role: "responder", peerIdentityObjId: "777", state: "resp_confirm" });
    expect(await createSubstrateStores(client, opts).sessions.list()).toHaveLength(2);
    // A store that owns neither removes both.
    expect(await createSubstrateStores(client, opts).sessions.purge("responder", "777")).toBe(true);
    expect(await createSubstrateStores(client, opts).sessions.list()).toEqual([]);
  });

  it("legacyScan finds identities that only have owns_agent_identity + has_secret_vault (HSAgent_2 provisioning)", async () => {
    const { keys, vaultId, identityObjId } = await writeLegacyIdentity("owned-only");
    // Default: not found (misses stay one call).
    expect(await new SubstrateIdentityRegistry(client).hydrate("owned-only", PASS)).toBeNull();
    expect(await new SubstrateIdentityRegistry(client).lookupPeer(keys.my_id)).toBeNull();
    // With the legacy scan: found both ways.
    const legacy = new SubstrateIdentityRegistry(client, { legacyScan: true });
    const hydrated = await legacy.hydrate("owned-only", PASS);
    expect(hydrated).toMatchObject({ identity: { agentId: keys.my_id, identityObjId }, vaultObjId: vaultId });
    expect(hydrated!.keys).toEqual(keys);
    const peer = await new SubstrateIdentityRegistry(client, { legacyScan: true }).lookupPeer(keys.my_id);
    expect(peer).toMatchObject({ agentId: keys.my_id, identityObjId, signPubB64: keys.sign_pub_b64 });
    expect(await legacy.hydrate("not-there", PASS)).toBeNull();
  });
});
