/**
 * @hsagent/crypto — Ed25519/X25519/HKDF/AES-GCM/scrypt over node:crypto (`native`, default) or
 * @noble/* (`noble`), plus the HSAgent wire formats: `hs` handshake blobs (v1/v2), the v2
 * transcript and key schedule, `sec` envelopes (v1/v2), the `id.v1` identity vault, canonical
 * JSON and ISO timestamps. Every verify/open function throws only {@link HandshakeError}.
 */
export {
  getBackend,
  nativeBackend,
  nobleBackend,
} from "./backend/index.js";
export {
  BACKEND_NAMES,
  type Backend,
  type KxKeyPair,
  type SigningKey,
  type VerifyKey,
} from "./backend/types.js";
export {
  canonicalJson,
  type JsonObject,
  type JsonValue,
  parseJsonObject,
} from "./canonical.js";
export {
  type Crypto,
  createCrypto,
} from "./crypto.js";
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
  buildHandshake,
  type HandshakeBlob,
  type VerifyHandshakeOptions,
  verifyHandshake,
} from "./handshake.js";
export {
  availableMlKem768,
  getMlKem768,
  MLKEM768_CIPHERTEXT_BYTES,
  MLKEM768_ENCAPS_RANDOM_BYTES,
  MLKEM768_PUBLIC_KEY_BYTES,
  MLKEM768_SEED_BYTES,
  type MlKem768,
  type MlKemBackendName,
  type MlKemEncapsulation,
  type MlKemKeyPair,
  nobleMlKem768,
  prepareMlKem768,
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
  openSecV1,
  type SecV1,
  sealSecV1,
} from "./sec-v1.js";
export {
  openSecV2,
  type SecHeader,
  type SecV2,
  sealSecV2,
} from "./sec-v2.js";
export {
  deriveV1SessionKey,
  deriveV2SessionKeys,
  HYBRID_KEY_AGREEMENT,
  type HybridTranscriptParts,
  sessionIdFromTranscriptHash,
  signTranscript,
  type TranscriptParts,
  transcriptHash,
  verifyTranscriptSignature,
} from "./session.js";
export {
  checkFreshness,
  formatTimestamp,
  parseTimestamp,
  parseTimestampMs,
} from "./timestamp.js";
export {
  decryptIdentityVault,
  encryptIdentityVault,
  generateIdentity,
  type IdentityRecord,
  type IdentityVaultV1,
  isUuidV4,
  loadIdentityKeys,
  randomUuidV4,
  validateIdentityRecord,
} from "./vault.js";
