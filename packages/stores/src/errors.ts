// Typed errors of @hsagent/stores. Each carries a machine-readable `code` so
// the agent can act on it (abort a session on SESSION_CONFLICT, refuse to start
// on VAULT_DECRYPT_FAILED...). Messages never contain passphrases or keys.

/** Base class of every error thrown by the stores. */
export class StoreError extends Error {
  /** Machine-readable reason. */
  readonly code: string;

  constructor(message: string, code: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Identity problems: `VAULT_DECRYPT_FAILED`, `DISPLAY_NAME_TAKEN`, `IDENTITY_MISMATCH`, `IDENTITY_MALFORMED`, `UNKNOWN_AGENT`. */
export class IdentityError extends StoreError {}

/**
 * Another process owns (or has changed) the session state for this
 * (role, peer): the optimistic-concurrency check failed, or a state exists
 * that this store did not create or load. Re-read with `load()` and abort the
 * session if the state is not ours.
 */
export class SessionConflictError extends StoreError {
  /** Role of the conflicting session. */
  readonly role: string;
  /** Peer identity object id of the conflicting session. */
  readonly peerIdentityObjId: string;

  constructor(role: string, peerIdentityObjId: string, detail: string) {
    super(`session ${role}/${peerIdentityObjId} is owned by another writer: ${detail}`, "SESSION_CONFLICT");
    this.role = role;
    this.peerIdentityObjId = peerIdentityObjId;
  }
}
