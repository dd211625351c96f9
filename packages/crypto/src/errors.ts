/**
 * The one error type of @hsagent/crypto.
 *
 * Every verify/open function throws only `HandshakeError`, whatever it is fed, so callers can
 * count and log rejections by `reason` without string matching. Messages never contain key
 * material or plaintext.
 */

/** Machine-readable reason a verification, decryption or parse was rejected. */
export type HandshakeErrorReason =
  /** Wrong shape, type, length or encoding of an input. */
  | "malformed"
  /** An Ed25519 signature (`sig`, `tsig`, `fin`, v1 envelope `sig`) does not verify. */
  | "bad-signature"
  /** Handshake timestamp older than the TTL. */
  | "stale"
  /** Handshake timestamp further in the future than the allowed clock skew. */
  | "future"
  /** The blob's `nonce` is not the nonce the caller expected. */
  | "nonce-mismatch"
  /** The blob's `type` is not the type the caller expected. */
  | "type-mismatch"
  /** The blob's `sign_pub` differs from the pinned identity key. */
  | "pin-mismatch"
  /** AES-GCM authentication failed (wrong key, wrong AAD, tampered ciphertext, wrong passphrase). */
  | "decrypt-failed"
  /** v1 envelope: the decrypted plaintext does not hash to the envelope's `hash`. */
  | "hash-mismatch"
  /** v2 `sec`: the `sid` is not this session's id. */
  | "sid-mismatch"
  /** v2 `sec`: `seq` is not greater than the last accepted `seq`. */
  | "replay"
  /** X25519 produced the all-zero shared secret (peer sent a low-order point). */
  | "weak-key";

/** All reasons, for exhaustive metrics tables. */
export const HANDSHAKE_ERROR_REASONS: readonly HandshakeErrorReason[] = [
  "malformed",
  "bad-signature",
  "stale",
  "future",
  "nonce-mismatch",
  "type-mismatch",
  "pin-mismatch",
  "decrypt-failed",
  "hash-mismatch",
  "sid-mismatch",
  "replay",
  "weak-key",
];

/**
 * Raised by every verify/open/parse function of this package (and by constructors given invalid
 * key material). `reason` says what failed; `message` is a short human text without secrets.
 */
export class HandshakeError extends Error {
  /** What failed, machine-readable. */
  readonly reason: HandshakeErrorReason;

  /**
   * @param reason - machine-readable reason
   * @param message - short description; MUST NOT contain key material or plaintext
   */
  constructor(reason: HandshakeErrorReason, message?: string) {
    super(message ? `${reason}: ${message}` : reason);
    this.name = "HandshakeError";
    this.reason = reason;
  }
}

/** True if `err` is a {@link HandshakeError} (optionally with the given reason). */
export function isHandshakeError(err: unknown, reason?: HandshakeErrorReason): err is HandshakeError {
  return err instanceof HandshakeError && (reason === undefined || err.reason === reason);
}

/**
 * Runs `fn`, converting anything thrown that is not a HandshakeError into `malformed`.
 * Used at the boundary of every verify/open function so no backend TypeError leaks.
 * @internal
 */
export function guard<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof HandshakeError) throw err;
    throw new HandshakeError("malformed", what);
  }
}

/** Async variant of {@link guard}. @internal */
export async function guardAsync<T>(fn: () => Promise<T>, what: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HandshakeError) throw err;
    throw new HandshakeError("malformed", what);
  }
}

/**
 * @internal `value` as a plain object (not null, not an array).
 * @throws HandshakeError `malformed` with `message` otherwise
 */
export function requireObject(value: unknown, message: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HandshakeError("malformed", message);
  }
  return value as Record<string, unknown>;
}
