/**
 * @hsagent/crypto — Ed25519/X25519/HKDF/AES-GCM/scrypt over node:crypto (`native`, default) or
 * @noble/* (`noble`), plus the HSAgent wire formats: `hs` handshake blobs (v1/v2), the v2
 * transcript and key schedule, `sec` envelopes (v1/v2), the `id.v1` identity vault, canonical
 * JSON and ISO timestamps. Every verify/open function throws only {@link HandshakeError}.
 */
export { type BackendChoice, getBackend, nativeBackend, nobleBackend } from "./backend/index.js";
export {
  BACKEND_NAMES,
  type Backend,
  type BackendName,
  type KxKeyPair,
  type ScryptParams,
  type SigningKey,
  type VerifyKey,
} from "./backend/types.js";
export {
  type CanonicalJsonOptions,
  canonicalJson,
  type JsonObject,
  type JsonValue,
  parseJsonObject,
} from "./canonical.js";
export { type CreateCryptoOptions, type Crypto, createCrypto } from "./crypto.js";
export {
  b64decode,
  b64encode,
  bytesEqual,
  concatBytes,
  hexDecode,
  hexEncode,
  isB64OfLength,
  isNonceHex,
  utf8Decode,
  utf8Encode,
} from "./encoding.js";
export {
  HANDSHAKE_ERROR_REASONS,
  HandshakeError,
  type HandshakeErrorReason,
  isHandshakeError,
} from "./errors.js";
export {
  type BuildHandshakeOptions,
  buildHandshake,
  type HandshakeBlob,
  type HandshakeType,
  type HandshakeVersion,
  handshakeSignedBytes,
  type VerifiedHandshake,
  type VerifyHandshakeOptions,
  verifyHandshake,
} from "./handshake.js";
export {
  availableMlKem768,
  getMlKem768,
  MLKEM768_CIPHERTEXT_BYTES,
  MLKEM768_ENCAPS_RANDOM_BYTES,
  MLKEM768_PUBLIC_KEY_BYTES,
  MLKEM768_SECRET_KEY_BYTES,
  MLKEM768_SEED_BYTES,
  MLKEM768_SHARED_SECRET_BYTES,
  type MlKem768,
  type MlKemEncapsulation,
  type MlKemKeyPair,
  nativeMlKem768,
  nativeMlKem768Available,
  nobleMlKem768,
} from "./kem/index.js";
export { MlKemSpare, type MlKemSpareOptions, takeMlKemKeyPair } from "./kem/spare.js";
export {
  aesGcmDecrypt,
  aesGcmEncrypt,
  generateKxKeyPair,
  generateSigningKey,
  hkdfSha256,
  type KeyInput,
  kxKeyPairFromPrivate,
  randomBytes,
  randomNonceHex,
  scrypt,
  sha256,
  sign,
  signingKeyFromPrivate,
  verify,
  verifyKeyFromPublic,
  x25519,
} from "./primitives.js";
export {
  type OpenedSecV1,
  type OpenSecV1Options,
  openSecV1,
  type SealSecV1Options,
  type SecV1,
  type SecV1Envelope,
  sealSecV1,
} from "./sec-v1.js";
export {
  type OpenedSecV2,
  type OpenSecV2Options,
  openSecV2,
  type SealSecV2Options,
  type SecHeader,
  type SecV2,
  sealSecV2,
  secV2Aad,
  secV2Iv,
} from "./sec-v2.js";
export {
  buildTranscript,
  type DeriveV2Options,
  deriveV1SessionKey,
  deriveV2SessionKeys,
  HYBRID_KEY_AGREEMENT,
  type HybridTranscriptParts,
  type SessionRole,
  sessionIdFromTranscriptHash,
  signTranscript,
  type TranscriptParts,
  transcriptHash,
  transcriptPartsFromBlobs,
  V1_KEY_INFO,
  V2_KEYS_INFO,
  V2_SID_LABEL,
  V2_TRANSCRIPT_LABEL,
  type V2SessionKeys,
  verifyTranscriptSignature,
} from "./session.js";
export {
  checkFreshness,
  DEFAULT_MAX_SKEW_SECONDS,
  DEFAULT_TTL_SECONDS,
  type FreshnessOptions,
  formatTimestamp,
  parseTimestamp,
  parseTimestampMs,
} from "./timestamp.js";
export {
  decryptIdentityVault,
  type EncryptVaultOptions,
  encryptIdentityVault,
  type GenerateIdentityOptions,
  generateIdentity,
  type IdentityKeys,
  type IdentityRecord,
  type IdentityVaultV1,
  isUuidV4,
  loadIdentityKeys,
  randomUuidV4,
  VAULT_AAD,
  VAULT_SCRYPT_PARAMS,
  validateIdentityRecord,
} from "./vault.js";
