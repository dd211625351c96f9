// The README example, run against a real substrate server: if the documented
// API drifts, this fails.

import { randomBytes } from "node:crypto";
import { SubstrateClient } from "@hsagent/substrate-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSubstrateStores, SubstrateIdentityRegistry } from "../src/index.js";
import { type ServerHandle, startServer } from "./helpers/env.js";

let handle: ServerHandle;
beforeAll(async () => {
  handle = await startServer("sqlite");
});
afterAll(() => handle?.stop());

it("README example runs", async () => {
  const env = {
    HSAGENT_PASSWORD: randomBytes(8).toString("hex"),
    HSAGENT_VAULT_PASSPHRASE: "readme passphrase",
  };
  const client = new SubstrateClient({
    baseUrl: handle.server.url,
    credentials: { username: `readme${randomBytes(3).toString("hex")}`, password: env.HSAGENT_PASSWORD },
    autoRegister: true,
  });
  await client.login();

  const registry = new SubstrateIdentityRegistry(client);
  const me = await registry.hydrateOrProvision("alpha", env.HSAGENT_VAULT_PASSPHRASE);
  const stores = createSubstrateStores(client, {
    agentId: me.identity.agentId,
    identityObjId: me.identity.identityObjId,
    identity: registry,
    exclusiveSessions: true,
  });
  for (const s of await stores.sessions.list()) {
    stores.audit.append({
      type: "SESSION_ABORTED",
      reason: "restart",
      peer: String(s.record.peerAgentId ?? ""),
    });
  }
  await stores.sessions.purgeAll();

  const other = await registry.provision("beta", "beta passphrase");
  const peer = await registry.lookupPeer(other.identity.agentId);
  expect(peer).not.toBeNull();
  if (peer && (await stores.nonces.recordIfNew("00112233445566778899aabbccddeeff", peer.identityObjId))) {
    await stores.sessions.save({
      role: "responder",
      peerIdentityObjId: peer.identityObjId,
      state: "resp_confirm",
    });
    stores.audit.append({ type: "SESSION_STARTED", peer: peer.agentId });
  }
  await stores.audit.close();
  expect((await stores.sessions.list()).map((s) => s.record.state)).toEqual(["resp_confirm"]);
  expect(client.stats.requests).toBeGreaterThan(0);
});
