/**
 * The backend-selection surface: `createCrypto` binds every operation to its backend, key objects
 * remember theirs, and verify keys given as base64 are cached (the native speed path).
 */
import { describe, expect, it } from "vitest";
import {
  BACKEND_NAMES,
  b64encode,
  createCrypto,
  generateSigningKey,
  getBackend,
  HANDSHAKE_ERROR_REASONS,
  HandshakeError,
  isHandshakeError,
  randomNonceHex,
  verify,
  verifyKeyFromPublic,
} from "../src/index.js";
import { reasonOf, reasonOfAsync } from "./fixtures.js";

describe.each(BACKEND_NAMES)("createCrypto({ backend: %s })", (backend) => {
  const c = createCrypto({ backend });

  it("creates key objects on its backend and round-trips every operation", async () => {
    expect(c.backend).toBe(backend);
    const sk = c.generateSigningKey();
    const kx = c.generateKxKeyPair();
    expect(sk.backend).toBe(backend);
    expect(kx.backend).toBe(backend);
    expect(c.signingKeyFromPrivate(sk.exportPrivateKey()).publicKeyB64).toBe(sk.publicKeyB64);
    expect(c.kxKeyPairFromPrivate(b64encode(kx.exportPrivateKey())).backend).toBe(backend);
    expect(c.verifyKeyFromPublic(sk.publicKey).backend).toBe(backend);
    const sig = sk.sign(new TextEncoder().encode("m"));
    expect(c.verify(sk.publicKeyB64, "m", sig)).toBe(true);
    expect(c.verify(sk.publicKeyB64, "n", sig)).toBe(false);
    const other = c.generateKxKeyPair();
    expect(b64encode(c.x25519(kx, other.publicKey))).toBe(b64encode(other.deriveSharedSecret(kx.publicKey)));
    expect(b64encode(c.deriveV1SessionKey(kx, other.publicKeyB64))).toBe(
      b64encode(c.deriveV1SessionKey(other, kx.publicKeyB64)),
    );
    const key = c.randomBytes(32);
    const iv = c.randomBytes(12);
    const ct = c.aesGcmEncrypt(key, iv, new Uint8Array([1, 2, 3]), c.sha256("aad"));
    expect([...c.aesGcmDecrypt(key, iv, ct, c.sha256("aad"))]).toEqual([1, 2, 3]);
    expect(reasonOf(() => c.aesGcmDecrypt(key, iv, ct, c.sha256("other")))).toBe("decrypt-failed");
    expect(c.hkdfSha256(key, undefined, "info", 48)).toHaveLength(48);
    expect(await c.scrypt("pw", c.randomBytes(16), { N: 16, r: 1, p: 1, dkLen: 16 })).toHaveLength(16);
    expect(c.randomNonceHex()).toMatch(/^[0-9a-f]{32}$/);
    expect(c.randomUuidV4()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const id = c.generateIdentity();
    expect(c.loadIdentityKeys(id).signingKey.backend).toBe(backend);
    const vault = await c.encryptIdentityVault(id, "pw");
    expect(await c.decryptIdentityVault(vault, "pw")).toEqual(id);
    expect(await reasonOfAsync(() => c.decryptIdentityVault(vault, "pW"))).toBe("decrypt-failed");
  });
});

describe("backend selection and errors", () => {
  it("defaults to native and rejects unknown backends with malformed", () => {
    expect(getBackend().name).toBe("native");
    expect(createCrypto().backend).toBe("native");
    expect(reasonOf(() => getBackend("openssl" as never))).toBe("malformed");
    expect(reasonOf(() => randomNonceHex("wasm" as never))).toBe("malformed");
  });

  it("verify keys given as base64 are cached per backend", () => {
    const pub = generateSigningKey().publicKeyB64;
    expect(verifyKeyFromPublic(pub)).toBe(verifyKeyFromPublic(pub, "native"));
    expect(verifyKeyFromPublic(pub, "noble")).toBe(verifyKeyFromPublic(pub, "noble"));
    expect(verifyKeyFromPublic(pub, "noble")).not.toBe(verifyKeyFromPublic(pub));
  });

  it("verify never throws, even for garbage keys", () => {
    expect(verify("not base64", "m", new Uint8Array(64))).toBe(false);
    expect(verify(new Uint8Array(3), "m", new Uint8Array(64), "noble")).toBe(false);
  });

  it("HandshakeError carries a machine-readable reason", () => {
    const e = new HandshakeError("replay", "sec seq");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("HandshakeError");
    expect(e.reason).toBe("replay");
    expect(isHandshakeError(e, "replay")).toBe(true);
    expect(isHandshakeError(e, "stale")).toBe(false);
    expect(isHandshakeError(new Error("x"))).toBe(false);
    expect(HANDSHAKE_ERROR_REASONS).toContain("weak-key");
    expect(new Set(HANDSHAKE_ERROR_REASONS).size).toBe(HANDSHAKE_ERROR_REASONS.length);
  });
});

describe("native key generation never JWK-exports a generated key (Node 20 deadlock guard)", () => {
  it("generateKxKeyPair / generateSigningKey / generateIdentity make no export({format:'jwk'}) call", async () => {
    const nodeCrypto = await import("node:crypto");
    const sample = nodeCrypto.generateKeyPairSync("x25519");
    type Exporter = { export: (...args: unknown[]) => unknown };
    const protos = [sample.privateKey, sample.publicKey].map((k) => Object.getPrototypeOf(k) as Exporter);
    const originals = protos.map((p) => p.export);
    const formats: unknown[] = [];
    protos.forEach((p, i) => {
      p.export = function (this: unknown, ...args: unknown[]) {
        formats.push((args[0] as { format?: unknown } | undefined)?.format);
        return originals[i]!.apply(this, args);
      };
    });
    let spyWorks = false;
    try {
      // the spy sees the hazardous call pattern (so the assertion below can fail)
      nodeCrypto.generateKeyPairSync("x25519").publicKey.export({ format: "jwk" });
      spyWorks = formats.includes("jwk");
      formats.length = 0;
      for (let i = 0; i < 5; i++) {
        createCrypto().generateKxKeyPair();
        createCrypto().generateSigningKey();
      }
      createCrypto().generateIdentity();
    } finally {
      protos.forEach((p, i) => {
        p.export = originals[i]!;
      });
    }
    expect(spyWorks).toBe(true);
    expect(formats).not.toContain("jwk");
  });
});
