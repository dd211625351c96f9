// Check `vault`: the encrypted identity vault (id.v1) the agent decrypts at
// start-up. A known vault produced by HSAgent_2's format decrypts to the known
// identity; a fresh identity sealed on the first backend opens on the second
// to the same record; and a wrong passphrase is refused (decrypt-failed).
// Four scrypt runs in all (N = 2^14 is part of the format), one on noble.

import { randomBytes } from "node:crypto";
import {
  type Backend,
  decryptIdentityVault,
  encryptIdentityVault,
  generateIdentity,
  HandshakeError,
  type IdentityRecord,
} from "@hsagent/crypto";
import { CheckFailure, expect } from "../errors.js";
import { VAULT_VECTOR } from "../vectors.js";
import type { CheckFn } from "./types.js";

function sameRecord(a: IdentityRecord, b: IdentityRecord): boolean {
  const keys: Array<keyof IdentityRecord> = [
    "my_id",
    "created_at",
    "kx_priv_b64",
    "kx_pub_b64",
    "sign_priv_b64",
    "sign_pub_b64",
  ];
  return keys.every((k) => a[k] === b[k]);
}

async function refusesWrongPassphrase(
  vault: unknown,
  passphrase: string,
  backend: Backend,
): Promise<boolean> {
  try {
    await decryptIdentityVault(vault, passphrase, { backend });
    return false;
  } catch (error) {
    return error instanceof HandshakeError && error.reason === "decrypt-failed";
  }
}

/** The `vault` check. */
export const vaultCheck: CheckFn = async (ctx) => {
  const { native, noble } = ctx.backends;
  try {
    const known = await decryptIdentityVault(VAULT_VECTOR.vault, VAULT_VECTOR.passphrase, {
      backend: native,
    });
    expect(sameRecord(known, VAULT_VECTOR.identity), "the known id.v1 vault decrypted to another identity");
  } catch (error) {
    if (error instanceof CheckFailure) throw error;
    throw new CheckFailure("the known id.v1 vault (HSAgent_2 format) does not decrypt");
  }
  const identity = generateIdentity({ backend: native });
  const passphrase = randomBytes(18).toString("base64url");
  ctx.redactor.add(passphrase);
  const vault = await encryptIdentityVault(identity, passphrase, { backend: native });
  const text = JSON.stringify(vault);
  expect(
    !text.includes(identity.sign_priv_b64) && !text.includes(identity.kx_priv_b64),
    "the vault holds a private key in clear",
  );
  const opened = await decryptIdentityVault(JSON.parse(text), passphrase, { backend: noble });
  expect(
    sameRecord(opened, identity),
    `a vault sealed on ${native.name} opened on ${noble.name} to another identity`,
  );
  expect(
    await refusesWrongPassphrase(vault, VAULT_VECTOR.wrong_passphrase, native),
    "a fresh vault opened with a wrong passphrase",
  );
};
