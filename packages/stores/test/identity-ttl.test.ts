// The peer identity cache of SubstrateIdentityRegistry has a TTL: inside it a lookup costs no
// substrate call; past it the identity is re-read, so a revoked identity (its <agentId> link
// deleted) becomes unknown and a rotated key is returned, within peerCacheTtlMs. Real server.

import { randomBytes } from "node:crypto";
import { generateIdentity } from "@hsagent/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SubstrateIdentityRegistry } from "../src/index.js";
import { newClient, type ServerHandle, startServer } from "./helpers/env.js";

let handle: ServerHandle;
const username = `t${randomBytes(5).toString("hex")}`;
const password = randomBytes(10).toString("hex");

beforeAll(async () => {
  handle = await startServer("sqlite");
});
afterAll(async () => {
  await handle?.stop();
});

describe("SubstrateIdentityRegistry peer cache TTL", () => {
  it("serves from cache inside the TTL, re-reads after it: rotated key seen, revoked identity unknown", async () => {
    const owner = await newClient(handle.server.url, username, password);
    const registry = new SubstrateIdentityRegistry(owner);
    const { identity } = await registry.provision("ttl-peer", "ttl passphrase");

    const client = await newClient(handle.server.url, username, password);
    let now = 1_000_000;
    const peers = new SubstrateIdentityRegistry(client, { peerCacheTtlMs: 5000, now: () => now });
    const calls = async <T>(op: () => Promise<T>): Promise<[T, number]> => {
      const before = client.stats.requests;
      const r = await op();
      return [r, client.stats.requests - before];
    };
    expect((await calls(() => peers.lookupPeer(identity.agentId)))[1]).toBe(1);
    now += 4000;
    expect((await calls(() => peers.lookupPeer(identity.agentId)))[1]).toBe(0);

    // Rotate: the <agentId> snapshot now names another signing key.
    const rotated = generateIdentity().sign_pub_b64;
    await owner.putAssociation({
      type: identity.agentId,
      sourceId: owner.accountId,
      targetId: identity.identityObjId,
      json: {
        agentId: identity.agentId,
        displayName: identity.displayName,
        ownerId: identity.ownerId,
        signPubB64: rotated,
        kxPubB64: identity.kxPubB64,
        protocols: [...identity.protocols],
      },
    });
    const [stale] = await calls(() => peers.lookupPeer(identity.agentId));
    expect(stale?.signPubB64).toBe(identity.signPubB64); // still inside the TTL
    now += 1500;
    const [fresh, n] = await calls(() => peers.lookupPeer(identity.agentId));
    expect(n).toBe(1);
    expect(fresh?.signPubB64).toBe(rotated);

    // Revoke: the <agentId> link is deleted; past the TTL the peer is unknown.
    await owner.deleteAssociation(identity.agentId, owner.accountId, identity.identityObjId);
    expect(await peers.lookupPeer(identity.agentId)).not.toBeNull();
    now += 5001;
    expect(await peers.lookupPeer(identity.agentId)).toBeNull();
  });
});
