/**
 * Input checks shared by both backends, so they reject exactly the same inputs with the same
 * `HandshakeError` reason instead of each library's own TypeError.
 */
import { b64encode } from "../encoding.js";
import { HandshakeError } from "../errors.js";
import type { Backend, BackendName, ScryptParams } from "./types.js";

/** @internal Throw `malformed` unless `value` is a Uint8Array (of `length`, if given). */
export function requireBytes(value: unknown, what: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new HandshakeError("malformed", `${what} must be bytes`);
  if (length !== undefined && value.length !== length) {
    throw new HandshakeError("malformed", `${what} must be ${length} bytes`);
  }
  return value;
}

/** @internal Throw `malformed` unless `value` is a non-negative safe integer ≤ max. */
export function requireLength(value: unknown, what: string, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new HandshakeError("malformed", `${what} out of range`);
  }
  return value;
}

/** @internal Validate scrypt parameters (N power of two > 1, r,p ≥ 1, r·p < 2^30, dkLen ≥ 1). */
export function requireScryptParams(params: unknown): ScryptParams {
  if (params === null || typeof params !== "object") throw new HandshakeError("malformed", "scrypt params");
  const { N, r, p, dkLen } = params as Record<string, unknown>;
  const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 1;
  if (!isInt(N) || !isInt(r) || !isInt(p) || !isInt(dkLen)) {
    throw new HandshakeError("malformed", "scrypt params must be positive integers");
  }
  if (N < 2 || N > 2 ** 30 || (N & (N - 1)) !== 0) throw new HandshakeError("malformed", "scrypt N");
  if (r * p >= 2 ** 30 || dkLen > 2 ** 20) throw new HandshakeError("malformed", "scrypt r/p/dkLen");
  return { N, r, p, dkLen };
}

/** @internal True if every byte is zero. */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

/** @internal A fresh copy as a plain Uint8Array (not a Buffer view). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * @internal What a backend's library supplies: a {@link Backend} whose `scrypt` also gets the
 * memory bound. {@link checkedBackend} runs every input check first, so a core sees only
 * well-formed input: 32-byte keys, a 12-byte IV, an HKDF length ≥ 1, a ciphertext at least a tag
 * long, valid scrypt parameters; its `aesGcmDecrypt` may throw anything (reported as
 * `decrypt-failed`).
 */
export type BackendCore = Omit<Backend, "scrypt"> & {
  scrypt(password: Uint8Array, salt: Uint8Array, params: ScryptParams, maxmem: number): Promise<Uint8Array>;
};

/** @internal What every key object shows: the backend that made it and its public key, raw and base64. */
export abstract class PublicHalf<N extends string = BackendName> {
  readonly backend: N;
  readonly publicKey: Uint8Array;
  readonly publicKeyB64: string;
  constructor(backend: N, publicKey: Uint8Array) {
    this.backend = backend;
    this.publicKey = publicKey;
    this.publicKeyB64 = b64encode(publicKey);
  }
}

/** @internal A {@link Backend} from its core: both backends reject the same inputs the same way. */
export function checkedBackend(core: BackendCore): Backend {
  const gcmArgs = (key: unknown, iv: unknown, data: unknown, what: string, aad: unknown): void => {
    requireBytes(key, "key", 32);
    requireBytes(iv, "iv", 12);
    requireBytes(data, what);
    if (aad !== undefined) requireBytes(aad, "aad");
  };
  return {
    name: core.name,
    randomBytes: (length) => core.randomBytes(requireLength(length, "length", 1 << 20)),
    sha256: (data) => core.sha256(requireBytes(data, "data")),
    hkdfSha256(ikm, salt, info, length) {
      requireBytes(ikm, "ikm");
      if (salt !== undefined) requireBytes(salt, "salt");
      requireBytes(info, "info");
      requireLength(length, "length", 255 * 32);
      if (length === 0) return new Uint8Array(0);
      return core.hkdfSha256(ikm, salt, info, length);
    },
    aesGcmEncrypt(key, iv, plaintext, aad) {
      gcmArgs(key, iv, plaintext, "plaintext", aad);
      return core.aesGcmEncrypt(key, iv, plaintext, aad);
    },
    aesGcmDecrypt(key, iv, ciphertext, aad) {
      gcmArgs(key, iv, ciphertext, "ciphertext", aad);
      if (ciphertext.length < 16) throw new HandshakeError("decrypt-failed", "ciphertext shorter than tag");
      try {
        return core.aesGcmDecrypt(key, iv, ciphertext, aad);
      } catch {
        throw new HandshakeError("decrypt-failed", "AES-GCM authentication failed");
      }
    },
    async scrypt(password, salt, params) {
      const { N, r, p, dkLen } = requireScryptParams(params);
      requireBytes(password, "password");
      requireBytes(salt, "salt");
      // Node refuses when 128·N·r exceeds maxmem (default 32 MiB); give it what the parameters need.
      const maxmem = 128 * N * r * 2 + 128 * r * p + 16 * 1024 * 1024;
      return core.scrypt(password, salt, { N, r, p, dkLen }, maxmem);
    },
    generateSigningKey: () => core.generateSigningKey(),
    signingKeyFromPrivate: (raw) => core.signingKeyFromPrivate(requireBytes(raw, "Ed25519 private key", 32)),
    verifyKeyFromPublic: (raw) => core.verifyKeyFromPublic(requireBytes(raw, "Ed25519 public key", 32)),
    generateKxKeyPair: () => core.generateKxKeyPair(),
    kxKeyPairFromPrivate: (raw) => core.kxKeyPairFromPrivate(requireBytes(raw, "X25519 private key", 32)),
  };
}
