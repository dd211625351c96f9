// The store interfaces (the package's seams) and their record types. Each has
// an in-memory implementation (tests, embedded use) and a substrate one; both
// pass the same contract suite.

import type { IdentityRecord } from "@hsagent/crypto";
import type { JsonValue } from "@hsagent/substrate-client";

export type { JsonValue };

/** The two roles of a handshake session. */
export type SessionRole = "initiator" | "responder";

/** An agent's public identity (AgentIdentity object, type 7001). */
export interface AgentIdentity {
  /** BOSS object id of the AgentIdentity object (the "peerIdentityObjId" of other stores). */
  readonly identityObjId: string;
  /** UUIDv4 agent id. */
  readonly agentId: string;
  /** Account (tenant) id of the owner. */
  readonly ownerId: string;
  /** Display name (unique per account). */
  readonly displayName: string;
  /** Ed25519 public key, base64. */
  readonly signPubB64: string;
  /** X25519 public key, base64. */
  readonly kxPubB64: string;
  /** Protocol versions spoken, preferred first (e.g. `[2, 1]`); `[]` when not published (HSAgent_2). */
  readonly protocols: readonly number[];
  /**
   * Key agreements offered, preferred first (e.g. `["x25519+mlkem768", "x25519"]`); absent when
   * not published (older builds): a peer then assumes classic X25519 only.
   */
  readonly keyAgreements?: readonly string[];
  /** Object version when read from the object itself; null when taken from a cached snapshot. */
  readonly version: number | null;
}

/** Our own identity with its private keys, decrypted from the vault. Keep in memory only. */
export interface HydratedAgent {
  readonly identity: AgentIdentity;
  /** BOSS object id of the AgentSecretVault object. */
  readonly vaultObjId: string;
  /** The decrypted identity (private keys). Never persist or log it. */
  readonly keys: IdentityRecord;
}

/** Options of {@link IdentityRegistry.provision}. */
export interface ProvisionOptions {
  /** Protocol versions to publish (default `[2, 1]`). */
  readonly protocols?: readonly number[];
  /** Import these keys instead of generating fresh ones. */
  readonly identity?: IdentityRecord;
}

/** Finds, creates and publishes agent identities. */
export interface IdentityRegistry {
  /** Our identity by display name, vault decrypted with `passphrase`; null if no such agent. */
  hydrate(displayName: string, passphrase: string): Promise<HydratedAgent | null>;
  /** Creates identity + vault + the four associations. Throws `DISPLAY_NAME_TAKEN` if it exists. */
  provision(displayName: string, passphrase: string, options?: ProvisionOptions): Promise<HydratedAgent>;
  /** {@link hydrate}, or {@link provision} when absent. */
  hydrateOrProvision(
    displayName: string,
    passphrase: string,
    options?: ProvisionOptions,
  ): Promise<HydratedAgent & { readonly created: boolean }>;
  /** A peer's public identity by agentId (cached; `refresh` re-reads the object). Unknown → null. */
  lookupPeer(agentId: string, options?: { readonly refresh?: boolean }): Promise<AgentIdentity | null>;
  /** Publishes the protocol versions (and, when given, the key agreements) an agent of ours offers. */
  publishProtocols(
    agentId: string,
    protocols: readonly number[],
    keyAgreements?: readonly string[],
  ): Promise<AgentIdentity>;
}

/**
 * A session's persisted milestone state: an opaque JSON record chosen by the
 * caller (state name, peer ids, protocol version, sid prefix, since,
 * updatedAt...). `role` and `peerIdentityObjId` are its key. Never keys.
 */
export interface SessionRecord {
  readonly role: SessionRole;
  readonly peerIdentityObjId: string;
  readonly [field: string]: JsonValue;
}

/** A session record as stored, with its optimistic-concurrency version. */
export interface StoredSession {
  readonly record: SessionRecord;
  /** Version of the state object after the last read or write. */
  readonly version: number;
  /** BOSS object id of the state object (memory: a synthetic id). */
  readonly objId: string;
}

/** Options of the session stores. */
export interface SessionStoreOptions {
  /**
   * Promise that this process is the only writer of this agent's sessions and
   * that it listed/purged leftover states at start-up: a first save then skips
   * the ownership check (one round-trip less). Updates stay conditional.
   */
  readonly exclusiveWriter?: boolean;
}

/** Milestone persistence of handshake sessions, one state per (role, peer). */
export interface SessionStore {
  /**
   * Creates or updates the state of `(record.role, record.peerIdentityObjId)`.
   * Updates are conditional on the version this store last saw; a lost race,
   * or a state this store neither created nor loaded, throws SessionConflictError.
   */
  save(record: SessionRecord): Promise<StoredSession>;
  /** Reads the state (and takes ownership of its current version); null if none. */
  load(role: SessionRole, peerIdentityObjId: string): Promise<StoredSession | null>;
  /** Every session state of this agent. */
  list(): Promise<StoredSession[]>;
  /** Deletes one session state; false if there was none. */
  purge(role: SessionRole, peerIdentityObjId: string): Promise<boolean>;
  /** Deletes every session state of this agent; returns how many. */
  purgeAll(): Promise<number>;
  /**
   * True if `purge` of a state this store saved also writes the audit log's buffered events, in
   * the same all-or-nothing call (a substrate with the batch extension): whoever ends a session
   * whose state is purged need not flush the audit log separately. Absent: false.
   */
  purgeCarriesAudit?(): Promise<boolean>;
}

/** Replay protection for handshake nonces (HybridNonceStore semantics). */
export interface NonceStore {
  /** True if `nonce` was recorded before (by this or an earlier process). */
  exists(nonce: string): Promise<boolean>;
  /**
   * Records `nonce` as seen from `peerIdentityObjId` unless it was seen before.
   * Resolves true only after the record is durable; false for a replay.
   */
  recordIfNew(nonce: string, peerIdentityObjId: string): Promise<boolean>;
  /**
   * Deletes the nonces recorded for a peer (session purge). With `scanJournal`
   * also those recorded by earlier processes (found through the journal), and
   * the journal itself. Recently seen nonces stay in the in-memory TTL cache,
   * so a replay inside the freshness window is still refused. Returns how many
   * markers were deleted.
   */
  purgePeer(peerIdentityObjId: string, options?: { readonly scanJournal?: boolean }): Promise<number>;
  /**
   * Optional: get ready for the next `recordIfNew` from this peer — write a spare marker now, off
   * the latency path, so that record needs one round-trip wait instead of two. The promise
   * (which callers may ignore) settles once the spare is written or given up; it never rejects.
   */
  prepare?(peerIdentityObjId: string): Promise<void>;
  /**
   * Optional: delete spare markers — this instance's, and with `scan` those left by earlier
   * processes of this agent. With `close`, `prepare` writes no more spares (agent stop).
   * Returns how many were deleted.
   */
  purgeSpares?(options?: { readonly scan?: boolean; readonly close?: boolean }): Promise<number>;
  /**
   * Replay check by the peer's durable high-water mark (PROTOCOL.md §8): resolves true only when
   * the handshake's `timestampMs` is above the peer's last accepted one and the mark has been
   * durably raised to it (a conditional write); false for a replay, with nothing written. For a
   * `wholeSecond` sender an equal timestamp passes unless the nonce was seen by this process.
   * Replaces {@link recordIfNew} (no nonce markers, spares or journal; nothing to purge).
   */
  admitHandshake?(
    peerIdentityObjId: string,
    nonce: string,
    timestampMs: number,
    options: { readonly wholeSecond: boolean },
  ): Promise<boolean>;
  /**
   * Optional, synchronous and without I/O: what this process already knows about the
   * {@link admitHandshake} answer for these arguments. `"replay"`: the nonce is in its cache, or
   * the peer's mark as last read or written here is at or above the timestamp. `"fresh"`: the
   * mark is known here (read or written by this process, or known to be absent) and the
   * timestamp is above it — the durable check is still needed (another process of the agent may
   * have raised the mark). `"unknown"`: the mark was never read here (e.g. right after a
   * restart). The agent sends a v2 handshake's answer ahead of the durable check only on
   * `"fresh"` (PROTOCOL.md §8).
   */
  localVerdict?(
    peerIdentityObjId: string,
    nonce: string,
    timestampMs: number,
    options: { readonly wholeSecond: boolean },
  ): LocalVerdict;
}

/** See {@link NonceStore.localVerdict}. */
export type LocalVerdict = "replay" | "fresh" | "unknown";

/** Audit event types (PROTOCOL.md §7–§8); other UPPER_SNAKE names are accepted too. */
export type AuditEventType =
  | "SESSION_STARTED"
  | "HANDSHAKE_OK"
  | "NONCE_SEEN"
  | "SESSION_CLOSED"
  | "SESSION_ABORTED"
  | "HANDSHAKE_REJECTED"
  | "MESSAGE_REJECTED"
  | (string & { readonly __auditType?: never });

/** Scalar detail values of an audit event. */
export type AuditScalar = string | number | boolean | null;

/** An event as given to {@link AuditLog.append}. No secrets: fields named like secrets are refused. */
export interface AuditEventInput {
  readonly type: AuditEventType;
  /** ISO time; default now. */
  readonly at?: string;
  /** Peer agentId. */
  readonly peer?: string;
  readonly sid?: string;
  readonly reason?: string;
  readonly protocolVersion?: number;
  readonly detail?: { readonly [key: string]: AuditScalar };
}

/** An event as stored and read back. */
export interface AuditEvent extends AuditEventInput {
  readonly at: string;
}

/** Counters of an audit log. */
export interface AuditStats {
  /** Events accepted by append(). */
  appended: number;
  /** Events written to the chain. */
  persisted: number;
  /** Blocks written. */
  blocks: number;
  /** Rejection events dropped because the buffer was full. */
  dropped: number;
  /** Flush attempts that failed (events kept for the next one). */
  failedFlushes: number;
}

/** Result of validating the audit chain. */
export interface AuditValidation {
  readonly isValid: boolean;
  readonly errorMessage: string | null;
}

/** Append-only, batched audit log of one agent. */
export interface AuditLog {
  /** Accepts an event (acknowledged: it will be written by the next flush, at the latest on close()). */
  append(event: AuditEventInput): void;
  /** Writes every buffered event; rejects if the substrate refused (events are kept). */
  flush(): Promise<void>;
  /** Flushes and stops; later append() calls throw. */
  close(): Promise<void>;
  /** The most recent `limit` events (default 100), oldest first; flushes first. */
  recent(limit?: number): Promise<AuditEvent[]>;
  /** Validates the chain (server-side hash-link validation for the substrate log). */
  validate(): Promise<AuditValidation>;
  /** Live counters. */
  readonly stats: AuditStats;
}

/** The four stores of one agent. */
export interface AgentStores {
  readonly identity: IdentityRegistry;
  readonly sessions: SessionStore;
  readonly nonces: NonceStore;
  readonly audit: AuditLog;
}
