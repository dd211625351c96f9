// IdentityRegistry contract: every implementation must pass it.

import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import type { IdentityRecord } from "@hsagent/crypto";
import { describe, expect, it } from "vitest";
import { IdentityError, StoreError } from "../../src/index.js";
import type { EnvFactory } from "../helpers/env.js";

const vector = JSON.parse(readFileSync(new URL("../fixtures/vault-id-v1.json", import.meta.url), "utf8")) as {
  passphrase: string;
  identity: IdentityRecord;
  wrong_passphrase: string;
};

const PASS = "a passphrase from the caller";

export function identityContract(name: string, makeEnv: EnvFactory): void {
  describe(`IdentityRegistry contract (${name})`, () => {
    it("hydrate of an unknown display name → null", async () => {
      const env = await makeEnv();
      expect(await (await env.newRegistry()).hydrate("nobody-here", PASS)).toBeNull();
    });

    it("provision, then hydrate from a fresh registry gives the same identity and the private keys", async () => {
      const env = await makeEnv();
      const made = await (await env.newRegistry()).provision("alpha", PASS);
      expect(made.identity.displayName).toBe("alpha");
      expect(made.identity.protocols).toEqual([2, 1]);
      expect(made.keys.my_id).toBe(made.identity.agentId);
      const again = await (await env.newRegistry()).hydrate("alpha", PASS);
      expect(again).not.toBeNull();
      expect(again!.identity.agentId).toBe(made.identity.agentId);
      expect(again!.identity.identityObjId).toBe(made.identity.identityObjId);
      expect(again!.identity.signPubB64).toBe(made.keys.sign_pub_b64);
      expect(again!.identity.kxPubB64).toBe(made.keys.kx_pub_b64);
      expect(again!.keys).toEqual(made.keys);
      expect(again!.vaultObjId).toBe(made.vaultObjId);
    });

    it("a wrong passphrase → VAULT_DECRYPT_FAILED, and the passphrase is not in the error", async () => {
      const env = await makeEnv();
      await (await env.newRegistry()).provision("beta", PASS);
      const err = await (await env.newRegistry())
        .hydrate("beta", "not-the-passphrase")
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IdentityError);
      expect((err as IdentityError).code).toBe("VAULT_DECRYPT_FAILED");
      expect(inspect(err)).not.toContain("not-the-passphrase");
    });

    it("provisioning a taken display name → DISPLAY_NAME_TAKEN", async () => {
      const env = await makeEnv();
      const reg = await env.newRegistry();
      await reg.provision("gamma", PASS);
      await expect(reg.provision("gamma", PASS)).rejects.toMatchObject({ code: "DISPLAY_NAME_TAKEN" });
    });

    it("hydrateOrProvision creates once, then hydrates", async () => {
      const env = await makeEnv();
      const first = await (await env.newRegistry()).hydrateOrProvision("delta", PASS);
      const second = await (await env.newRegistry()).hydrateOrProvision("delta", PASS);
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.identity.agentId).toBe(first.identity.agentId);
    });

    it("imports existing keys (the HSAgent_2 vault vector identity)", async () => {
      const env = await makeEnv();
      await (await env.newRegistry()).provision("imported", vector.passphrase, { identity: vector.identity });
      const back = await (await env.newRegistry()).hydrate("imported", vector.passphrase);
      expect(back!.keys).toEqual(vector.identity);
      expect(back!.identity.agentId).toBe(vector.identity.my_id);
      await expect(
        (await env.newRegistry()).hydrate("imported", vector.wrong_passphrase),
      ).rejects.toMatchObject({
        code: "VAULT_DECRYPT_FAILED",
      });
    });

    it("lookupPeer finds a peer's public identity by agentId; unknown or hostile ids → null", async () => {
      const env = await makeEnv();
      const peer = await (await env.newRegistry()).provision("peer-one", PASS);
      const reg = await env.newRegistry();
      const found = await reg.lookupPeer(peer.identity.agentId);
      expect(found).toMatchObject({
        agentId: peer.identity.agentId,
        identityObjId: peer.identity.identityObjId,
        displayName: "peer-one",
        signPubB64: peer.keys.sign_pub_b64,
        kxPubB64: peer.keys.kx_pub_b64,
        protocols: [2, 1],
      });
      expect(await reg.lookupPeer("6f9a3c1e-2b4d-4e8f-9a1b-000000000000")).toBeNull();
      for (const hostile of ["", "../etc", "a b", "x".repeat(300), "peer/one"]) {
        expect(await reg.lookupPeer(hostile)).toBeNull();
      }
      // A display name is not an agentId.
      expect(await reg.lookupPeer("peer-one")).toBeNull();
    });

    it("publishProtocols is seen by a refreshed lookup elsewhere", async () => {
      const env = await makeEnv();
      const me = await (await env.newRegistry()).provision("proto", PASS, { protocols: [1] });
      const other = await env.newRegistry();
      expect((await other.lookupPeer(me.identity.agentId))!.protocols).toEqual([1]);
      const published = await (await env.newRegistry()).publishProtocols(me.identity.agentId, [2, 1]);
      expect(published.protocols).toEqual([2, 1]);
      expect((await other.lookupPeer(me.identity.agentId, { refresh: true }))!.protocols).toEqual([2, 1]);
      expect((await (await env.newRegistry()).lookupPeer(me.identity.agentId))!.protocols).toEqual([2, 1]);
      // And the agent still hydrates.
      expect((await (await env.newRegistry()).hydrate("proto", PASS))!.identity.protocols).toEqual([2, 1]);
    });

    it.each([[[0]], [[1.5]], [[1000]], [[2, -1]]])(
      "publishProtocols(%j) → IDENTITY_MALFORMED, and the published protocols stay",
      async (protocols) => {
        const env = await makeEnv();
        const reg = await env.newRegistry();
        const me = await reg.provision("proto-bad", PASS, { protocols: [1] });
        await expect(reg.publishProtocols(me.identity.agentId, protocols)).rejects.toMatchObject({
          code: "IDENTITY_MALFORMED",
        });
        expect((await reg.lookupPeer(me.identity.agentId, { refresh: true }))!.protocols).toEqual([1]);
      },
    );

    it("rejects display names that are not URL-safe", async () => {
      const env = await makeEnv();
      const reg = await env.newRegistry();
      for (const bad of ["", "has space", "slash/name", "x".repeat(256)]) {
        await expect(reg.provision(bad, PASS)).rejects.toBeInstanceOf(StoreError);
        await expect(reg.hydrate(bad, PASS)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      }
    });
  });
}
