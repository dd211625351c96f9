/**
 * The vocabulary of the state machines: state names (§4), events fed in by the runtime, effects
 * handed back to it, and the immutable per-peer state. Secrets (ephemeral keys, session keys)
 * live only inside `Session` objects in memory; `persist` and `audit` effects never carry them.
 */
import type { Backend, KxKeyPair, MlKemEncapsulation, MlKemKeyPair, SigningKey } from "@hsagent/crypto";
import type { ProtocolConfig } from "./config.js";
import type { KeyAgreement } from "./hybrid.js";
import type { HsBlob, Intent } from "./messages.js";
import type { RejectReason } from "./reasons.js";

/** Initiator states, in the order of §4. */
export type InitiatorState = "init_ready" | "init_exchange" | "init_finalize_propose" | "init_finalize_close";
/** Responder states, in the order of §4. */
export type ResponderState = "resp_ready" | "resp_confirm" | "resp_exchange" | "resp_finalize";
/** Any machine state. */
export type StateName = InitiatorState | ResponderState;
/** Which side of the pair we are (fixed by the ids: see `shouldRespond`). */
export type Role = "initiator" | "responder";
/** The two timers a session uses. */
export type TimerName = "retransmit" | "session";

/** Why an inbound message was dropped: one of `REJECTION_REASONS` (see reasons.ts). */
export type { RejectReason } from "./reasons.js";

/** Why a session was aborted. */
export type AbortReason = "max-retransmits" | "timeout" | (string & {});

/** Milestones persisted to the substrate (§8). */
export type Milestone = "created" | "established" | "finalizing" | "ended";

/** The long-term identity of the local agent. */
export interface SelfIdentity {
  /** Our agentId (lowercase UUID). */
  agentId: string;
  /** Our long-term Ed25519 key. */
  signingKey: SigningKey;
}

/** What the runtime knows about the peer from the substrate (its AgentIdentity, §1). */
export interface PeerIdentity {
  /** The peer's agentId. */
  agentId: string;
  /** The peer's registered Ed25519 public key (base64) — the pin. */
  signPubB64: string;
  /** Protocol versions the identity advertises (absent = unknown, treated as legacy-capable). */
  protocols?: readonly number[];
  /** Key agreements the identity advertises (absent = classic only, e.g. an older build). */
  keyAgreements?: readonly string[];
}

/** Injected sources of time, randomness and cryptography, so machines are pure and replayable. */
export interface ProtocolDeps {
  /** Current time, epoch milliseconds. */
  now(): number;
  /** `n` random bytes (nonces, refs, v1 envelope IVs). */
  randomBytes(n: number): Uint8Array;
  /** A fresh ephemeral X25519 key pair (one per session); default: `backend.generateKxKeyPair()`. */
  generateKxKeyPair?(): KxKeyPair;
  /**
   * The crypto backend for handshake verification, key schedules and `sec` sealing/opening
   * (`nobleBackend`, or a wrapper around either). Default: @hsagent/crypto's default (`native`).
   */
  backend?: Backend;
  /**
   * A fresh ML-KEM-768 key pair for a hybrid offer, never handed out twice (e.g. crypto's
   * `takeMlKemKeyPair`, made ahead of time). Absent: generated on the spot from `randomBytes`.
   */
  generateMlKemKeyPair?(): MlKemKeyPair;
  /**
   * ML-KEM-768 encapsulation to a peer's offered key with fresh internal randomness (e.g. the
   * fastest implementation from crypto's `getMlKem768`). Absent: encapsulated with `randomBytes`,
   * which only the pure-JS implementation accepts.
   * @throws HandshakeError `malformed` for a key that fails the size or modulus check
   */
  encapsulateMlKem?(publicKey: Uint8Array): MlKemEncapsulation;
}

/** Everything a machine needs besides its state. */
export interface MachineContext {
  /** Our identity. */
  self: SelfIdentity;
  /** The peer this machine talks to. */
  peerId: string;
  /** Our role toward this peer. */
  role: Role;
  /** Resolved settings. */
  config: ProtocolConfig;
  /** Clock and randomness. */
  deps: ProtocolDeps;
}

/** Directional session keys (in v1 both are the one legacy key). */
export interface SessionKeys {
  /** Initiator → responder key. */
  i2r: Uint8Array;
  /** Responder → initiator key. */
  r2i: Uint8Array;
}

/** A message we send: a plain JSON object. */
export type OutboundPayload = { readonly [key: string]: unknown };

/** Live session data; exists only outside the `*_ready` states. Never persisted as is. */
export interface Session {
  /** Protocol version in use (for a responder in `resp_confirm`: the version offered). */
  readonly version: 1 | 2;
  /** When the session left `*_ready` (epoch ms). */
  readonly startedAt: number;
  /** Our ephemeral X25519 key pair. */
  readonly eph: KxKeyPair;
  /** Our `hs` blob (responder: the confirm's; initiator: request #1's). */
  readonly myHs: HsBlob;
  /** The peer's `hs` blob once accepted. */
  readonly peerHs: HsBlob | null;
  /** The peer's pinned Ed25519 key once the handshake verified it. */
  readonly peerSignPub: string | null;
  /** v2 transcript hash. */
  readonly th: Uint8Array | null;
  /** Session keys once derived. */
  readonly keys: SessionKeys | null;
  /** Session id (v2: from TH; v1: from both handshake nonces). */
  readonly sid: string | null;
  /** Responder with a hybrid offer out: our ML-KEM key pair until request #1 (else absent/null). */
  readonly kem?: MlKemKeyPair | null;
  /** How the keys were agreed, once they are (absent before). */
  readonly keyAgreement?: KeyAgreement;
  /** True once the channel is mutually authenticated (initiator v2: after `fin`). */
  readonly established: boolean;
  /** Exchange rounds completed from our side. */
  readonly round: number;
  /** The last `my_nonce` we sent. */
  readonly myNonce: string;
  /** Our finalization ref. */
  readonly myRef: string | null;
  /** The peer's finalization ref. */
  readonly peerRef: string | null;
  /** Last `sec.seq` we sent (v2). */
  readonly sendSeq: number;
  /** Last `sec.seq` we accepted (v2). */
  readonly recvSeq: number;
  /** The last message we sent (re-sent unchanged on retransmit / duplicates). */
  readonly lastSent: OutboundPayload;
  /** Canonical JSON of the last message we accepted from the peer (duplicate detection). */
  readonly lastAccepted: string | null;
  /** Re-sends of `lastSent` so far. */
  readonly retransmits: number;
  /** `close` sends so far (initiator, `init_finalize_close`). */
  readonly closeSends: number;
}

/** A verified handshake waiting for the durable nonce check (§7) before it commits. */
export interface Pending {
  /** The handshake nonce being checked. */
  readonly nonce: string;
  /** The message that is waiting (`confirm` or `request`). */
  readonly intent: Intent;
  /** The state to commit if the nonce is fresh. */
  readonly next: MachineState;
  /** The effects to emit if the nonce is fresh. */
  readonly effects: readonly Effect[];
}

/** The immutable state of one (self, peer) machine. */
export interface MachineState {
  /** §4 state name. */
  readonly name: StateName;
  /** Live session, null in `*_ready`. */
  readonly session: Session | null;
  /** Parked handshake awaiting `nonce-checked`, else null. */
  readonly pending: Pending | null;
  /** Generation of each armed timer (null = not armed); stale timer events are ignored. */
  readonly timers: { readonly retransmit: number | null; readonly session: number | null };
  /** Last timer generation handed out. */
  readonly timerGen: number;
}

/** Events the runtime feeds into a machine. */
export type MachineEvent =
  /** A payload from the relay whose `from` is this machine's peer (validated here). */
  | { type: "receive"; payload: unknown; peer: PeerIdentity }
  /** A timer armed by an `armTimer` effect fired. */
  | { type: "timer"; timer: TimerName; gen: number }
  /** Result of a `checkNonce` effect: `fresh` means unseen and now durably recorded. */
  | { type: "nonce-checked"; nonce: string; fresh: boolean }
  /**
   * The runtime starts a session without waiting for the peer's `register` (it knows the peer
   * from the registry). A responder in `resp_ready` sends `confirm`; anything else ignores it
   * (an initiator waits for the peer's `confirm`).
   */
  | { type: "start" }
  /** The runtime ends the session (shutdown, lost ownership, restart). */
  | { type: "abort"; reason: string };

/** Audit records (§8), without secrets. */
export type AuditEvent =
  | { type: "SESSION_STARTED"; peer: string; role: Role }
  | { type: "NONCE_SEEN"; peer: string; nonce: string }
  | { type: "HANDSHAKE_OK"; peer: string; version: 1 | 2; sid: string; keyAgreement: KeyAgreement }
  | { type: "SESSION_CLOSED"; peer: string; sid: string | null }
  | { type: "SESSION_ABORTED"; peer: string; reason: string; state: StateName };

/** What `persist` writes: session metadata only, never keys, nonces' secrets or plaintext. */
export interface SessionRecord {
  selfId: string;
  peerId: string;
  role: Role;
  state: StateName;
  version: 1 | 2 | null;
  sid: string | null;
  /** How the session's keys were agreed, once they are (else null). */
  keyAgreement?: KeyAgreement | null;
  startedAt: number | null;
  updatedAt: number;
}

/** Effects the runtime carries out, in order. */
export type Effect =
  | { type: "send"; payload: OutboundPayload }
  | { type: "persist"; milestone: Milestone; record: SessionRecord }
  | { type: "audit"; event: AuditEvent }
  | { type: "armTimer"; timer: TimerName; ms: number; gen: number }
  | { type: "cancelTimer"; timer: TimerName }
  /**
   * Replay check of the peer's handshake: its nonce and its signed timestamp (the high-water
   * mark's input). `early` (v2 only) holds the answer the machine has already built, which
   * `nonce-checked` will also emit as `send` effects (the very same payload objects). A runtime
   * may send it as soon as the check has started instead of after the durable write
   * (PROTOCOL.md §8, optimistic check), and then skips those sends among the verdict's effects;
   * a runtime that ignores `early` keeps the strict order. Everything else the handshake commits
   * (`established`, `deliver`, timers, persist) waits for `nonce-checked` either way.
   */
  | { type: "checkNonce"; nonce: string; timestamp: string; early?: readonly OutboundPayload[] }
  | { type: "purge" }
  | { type: "deliver"; message: unknown; round: number }
  | { type: "established"; sid: string; version: 1 | 2; keys: SessionKeys; keyAgreement: KeyAgreement }
  | { type: "closed"; sid: string | null }
  | { type: "aborted"; reason: string }
  | { type: "rejected"; reason: RejectReason; intent: Intent | null; detail?: string };

/** The result of one step. */
export interface Transition {
  /** The new state (the same object when nothing changed). */
  readonly state: MachineState;
  /** Effects to carry out, in order. */
  readonly effects: readonly Effect[];
}
