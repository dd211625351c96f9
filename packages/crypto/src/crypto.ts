/**
 * `createCrypto({ backend })`: every operation of this package with the backend bound once, for
 * callers that pick a backend per instance instead of per call.
 */
import { type BackendChoice, getBackend } from "./backend/index.js";
import type {
  Backend,
  BackendName,
  KxKeyPair,
  ScryptParams,
  SigningKey,
  VerifyKey,
} from "./backend/types.js";
import type { HandshakeBlob, VerifiedHandshake } from "./handshake.js";
import {
  type BuildHandshakeOptions,
  buildHandshake,
  type VerifyHandshakeOptions,
  verifyHandshake,
} from "./handshake.js";
import type { KeyInput } from "./primitives.js";
import * as p from "./primitives.js";
import {
  type OpenedSecV1,
  type OpenSecV1Options,
  openSecV1,
  type SealSecV1Options,
  type SecV1,
  sealSecV1,
} from "./sec-v1.js";
import {
  type OpenedSecV2,
  type OpenSecV2Options,
  openSecV2,
  type SealSecV2Options,
  type SecV2,
  sealSecV2,
} from "./sec-v2.js";
import {
  type DeriveV2Options,
  deriveV1SessionKey,
  deriveV2SessionKeys,
  sessionIdFromTranscriptHash,
  type TranscriptParts,
  transcriptHash,
  type V2SessionKeys,
  verifyTranscriptSignature,
} from "./session.js";
import {
  decryptIdentityVault,
  type EncryptVaultOptions,
  encryptIdentityVault,
  type GenerateIdentityOptions,
  generateIdentity,
  type IdentityKeys,
  type IdentityRecord,
  type IdentityVaultV1,
  loadIdentityKeys,
  randomUuidV4,
} from "./vault.js";

/** Options for {@link createCrypto}. */
export interface CreateCryptoOptions {
  /** `"native"` (default) or `"noble"`. */
  backend?: BackendName | Backend;
}

/** Every operation with a fixed backend. Same semantics as the free functions of the same name. */
export interface Crypto {
  readonly backend: BackendName;
  randomBytes(length: number): Uint8Array;
  randomNonceHex(): string;
  randomUuidV4(): string;
  sha256(data: Uint8Array | string): Uint8Array;
  hkdfSha256(
    ikm: Uint8Array,
    salt: Uint8Array | undefined,
    info: Uint8Array | string,
    length: number,
  ): Uint8Array;
  aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array;
  scrypt(password: Uint8Array | string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array>;
  generateSigningKey(): SigningKey;
  signingKeyFromPrivate(raw: KeyInput): SigningKey;
  verifyKeyFromPublic(raw: KeyInput): VerifyKey;
  verify(key: VerifyKey | KeyInput, message: Uint8Array | string, signature: Uint8Array): boolean;
  generateKxKeyPair(): KxKeyPair;
  kxKeyPairFromPrivate(raw: KeyInput): KxKeyPair;
  x25519(privateKey: KxKeyPair | KeyInput, peerPublicKey: KeyInput): Uint8Array;
  buildHandshake(options: BuildHandshakeOptions): HandshakeBlob;
  verifyHandshake(input: unknown, options: Omit<VerifyHandshakeOptions, "backend">): VerifiedHandshake;
  transcriptHash(transcript: TranscriptParts | string): Uint8Array;
  sessionIdFromTranscriptHash(th: Uint8Array): string;
  verifyTranscriptSignature(key: VerifyKey | KeyInput, th: Uint8Array, signature: unknown): void;
  deriveV2SessionKeys(options: Omit<DeriveV2Options, "backend">): V2SessionKeys;
  deriveV1SessionKey(own: KxKeyPair | KeyInput, peerKxPub: KeyInput): Uint8Array;
  sealSecV2(options: Omit<SealSecV2Options, "backend">): SecV2;
  openSecV2(sec: unknown, options: Omit<OpenSecV2Options, "backend">): OpenedSecV2;
  sealSecV1(options: Omit<SealSecV1Options, "backend">): SecV1;
  openSecV1(sec: unknown, options: Omit<OpenSecV1Options, "backend">): OpenedSecV1;
  generateIdentity(options?: Omit<GenerateIdentityOptions, "backend">): IdentityRecord;
  loadIdentityKeys(identity: IdentityRecord): IdentityKeys;
  encryptIdentityVault(
    identity: IdentityRecord,
    passphrase: string,
    options?: Omit<EncryptVaultOptions, "backend">,
  ): Promise<IdentityVaultV1>;
  decryptIdentityVault(vault: unknown, passphrase: string): Promise<IdentityRecord>;
}

/**
 * Bind every operation to one backend.
 * @example
 * const c = createCrypto({ backend: "noble" });
 * const key = c.generateSigningKey();
 */
export function createCrypto(options: CreateCryptoOptions = {}): Crypto {
  const b: BackendChoice = getBackend(options.backend);
  return {
    backend: getBackend(b).name,
    randomBytes: (length) => p.randomBytes(length, b),
    randomNonceHex: () => p.randomNonceHex(b),
    randomUuidV4: () => randomUuidV4(b),
    sha256: (data) => p.sha256(data, b),
    hkdfSha256: (ikm, salt, info, length) => p.hkdfSha256(ikm, salt, info, length, b),
    aesGcmEncrypt: (key, iv, pt, aad) => p.aesGcmEncrypt(key, iv, pt, aad, b),
    aesGcmDecrypt: (key, iv, ct, aad) => p.aesGcmDecrypt(key, iv, ct, aad, b),
    scrypt: (password, salt, params) => p.scrypt(password, salt, params, b),
    generateSigningKey: () => p.generateSigningKey(b),
    signingKeyFromPrivate: (raw) => p.signingKeyFromPrivate(raw, b),
    verifyKeyFromPublic: (raw) => p.verifyKeyFromPublic(raw, b),
    verify: (key, message, signature) => p.verify(key, message, signature, b),
    generateKxKeyPair: () => p.generateKxKeyPair(b),
    kxKeyPairFromPrivate: (raw) => p.kxKeyPairFromPrivate(raw, b),
    x25519: (priv, pub) => p.x25519(priv, pub, b),
    buildHandshake: (o) => buildHandshake(o),
    verifyHandshake: (input, o) => verifyHandshake(input, { ...o, backend: b }),
    transcriptHash: (t) => transcriptHash(t, b),
    sessionIdFromTranscriptHash: (th) => sessionIdFromTranscriptHash(th, b),
    verifyTranscriptSignature: (key, th, sig) => verifyTranscriptSignature(key, th, sig, b),
    deriveV2SessionKeys: (o) => deriveV2SessionKeys({ ...o, backend: b }),
    deriveV1SessionKey: (own, peer) => deriveV1SessionKey(own, peer, b),
    sealSecV2: (o) => sealSecV2({ ...o, backend: b }),
    openSecV2: (sec, o) => openSecV2(sec, { ...o, backend: b }),
    sealSecV1: (o) => sealSecV1({ ...o, backend: b }),
    openSecV1: (sec, o) => openSecV1(sec, { ...o, backend: b }),
    generateIdentity: (o) => generateIdentity({ ...o, backend: b }),
    loadIdentityKeys: (identity) => loadIdentityKeys(identity, b),
    encryptIdentityVault: (identity, passphrase, o) =>
      encryptIdentityVault(identity, passphrase, { ...o, backend: b }),
    decryptIdentityVault: (vault, passphrase) => decryptIdentityVault(vault, passphrase, { backend: b }),
  };
}
