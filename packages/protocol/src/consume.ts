/**
 * The consume steps both roles share (PROTOCOL.md §4): verifying the peer's `hs` blob and the
 * version policy, the transcript and key schedule, opening an inbound `sec`, announcing the
 * established channel, and parking a fresh handshake on its nonce check. initiator.ts and
 * responder.ts keep only what differs between the roles. Every crypto call goes through the
 * injected backend (`deps.backend`).
 */
import {
  deriveV1SessionKey,
  deriveV2SessionKeys,
  type HybridTranscriptParts,
  type KxKeyPair,
  transcriptHash,
  type VerifyHandshakeOptions,
  verifyHandshake,
} from "@hsagent/crypto";
import { persist, reject } from "./common.js";
import { KEY_AGREEMENT_CLASSIC } from "./hybrid.js";
import type { ConfirmMsg, HsBlob, Message, RequestMsg } from "./messages.js";
import { openIncoming, reasonOf } from "./secure.js";
import type {
  Effect,
  MachineContext,
  MachineState,
  OutboundPayload,
  PeerIdentity,
  Session,
  SessionKeys,
  Transition,
} from "./types.js";
import { decideVersion, legacySid } from "./version.js";

/** Input of a consume step: the parsed message, the raw payload and the peer's pinned identity. */
export interface Inbound<M> {
  msg: M;
  raw: Record<string, unknown>;
  peer: PeerIdentity;
}

/** A check that passed with its result, or the rejection to return unchanged. */
export type Checked<T> = ({ ok: true } & T) | { ok: false; rejected: Transition };

/** The part of an `hs` blob the transcript binds (known before our own blob is signed). */
export type TranscriptSide = Pick<HsBlob, "nonce" | "kx_pub" | "timestamp">;

/**
 * The live session a consume step works on, once the message echoes what we sent (`echoes`), or
 * the rejection: `unexpected` without a session, `bad-echo` on a wrong nonce/ref echo.
 */
export function liveSession(
  st: MachineState,
  intent: Message["intent"],
  echoes: (s: Session) => boolean,
): Checked<{ s: Session }> {
  const s = st.session;
  if (s === null) return { ok: false, rejected: reject(st, "unexpected", intent) };
  if (!echoes(s)) return { ok: false, rejected: reject(st, "bad-echo", intent) };
  return { ok: true, s };
}

/** A fresh ephemeral X25519 key pair from the injected source (default: the injected backend). */
export function freshEphemeral(ctx: MachineContext): KxKeyPair {
  const { deps } = ctx;
  if (deps.generateKxKeyPair) return deps.generateKxKeyPair();
  if (deps.backend) return deps.backend.generateKxKeyPair();
  throw new Error("protocol deps: neither generateKxKeyPair nor backend given");
}

/**
 * Verify the peer's `hs` blob (type, nonce = the message's `my_nonce`, pin, `sig`, `tsig` when a
 * transcript is given, freshness), then the version policy.
 */
export function verifyPeerHandshake(
  ctx: MachineContext,
  st: MachineState,
  input: Inbound<ConfirmMsg | RequestMsg>,
  extra: Pick<VerifyHandshakeOptions, "expectedType" | "transcriptHashFor">,
): Checked<{ blob: HsBlob; version: 1 | 2 }> {
  const { msg, raw, peer } = input;
  const { config, deps } = ctx;
  let verified: ReturnType<typeof verifyHandshake>;
  try {
    verified = verifyHandshake(raw.hs, {
      ...extra,
      expectedNonce: msg.my_nonce,
      pin: peer.signPubB64,
      now: deps.now(),
      ttlSeconds: config.nonceTtlSeconds,
      maxSkewSeconds: config.maxClockSkewSeconds,
      backend: deps.backend,
    });
  } catch (err) {
    return { ok: false, rejected: reject(st, reasonOf(err), msg.intent) };
  }
  const decided = decideVersion(ctx, verified.version, peer);
  if (!decided.ok) return { ok: false, rejected: reject(st, decided.reason, msg.intent) };
  return { ok: true, blob: verified.blob, version: decided.version };
}

/** TH over our side and the peer's, ordered initiator first whatever our role. */
export function transcriptOf(
  ctx: MachineContext,
  mine: TranscriptSide,
  theirs: TranscriptSide,
  hybrid: HybridTranscriptParts | null,
): Uint8Array {
  const [ini, res] = ctx.role === "initiator" ? [mine, theirs] : [theirs, mine];
  const [initiatorId, responderId] =
    ctx.role === "initiator" ? [ctx.self.agentId, ctx.peerId] : [ctx.peerId, ctx.self.agentId];
  return transcriptHash(
    {
      initiatorId,
      responderId,
      initiatorNonce: ini.nonce,
      responderNonce: res.nonce,
      initiatorKxPub: ini.kx_pub,
      responderKxPub: res.kx_pub,
      initiatorTimestamp: ini.timestamp,
      responderTimestamp: res.timestamp,
      ...(hybrid ? { hybrid } : {}),
    },
    ctx.deps.backend,
  );
}

/** What the key schedule needs: the version, our ephemeral key and blob fields, the peer's blob. */
export interface KeyScheduleInput {
  version: 1 | 2;
  eph: KxKeyPair;
  mine: TranscriptSide;
  peerHs: HsBlob;
  /** Hybrid transcript parts (v2 hybrid sessions). */
  hybrid: HybridTranscriptParts | null;
  /** The ML-KEM shared secret (called only for v2 hybrid sessions; may throw). */
  kemSecret?: () => Uint8Array;
}

/** Session keys, sid and (v2) TH, or a rejection (`malformed`, `weak-key`, …) in `intent`. */
export function deriveSession(
  ctx: MachineContext,
  st: MachineState,
  intent: Message["intent"],
  k: KeyScheduleInput,
): Checked<{ th: Uint8Array | null; keys: SessionKeys; sid: string }> {
  const backend = ctx.deps.backend;
  try {
    if (k.version === 2) {
      const th = transcriptOf(ctx, k.mine, k.peerHs, k.hybrid);
      const kemSharedSecret = k.hybrid && k.kemSecret ? k.kemSecret() : undefined;
      const d = deriveV2SessionKeys({
        ephemeral: k.eph,
        peerKxPub: k.peerHs.kx_pub,
        transcriptHash: th,
        role: ctx.role,
        backend,
        ...(kemSharedSecret ? { kemSharedSecret } : {}),
      });
      return { ok: true, th, keys: { i2r: d.kI2r, r2i: d.kR2i }, sid: d.sid };
    }
    const key = deriveV1SessionKey(k.eph, k.peerHs.kx_pub, backend);
    const [nI, nR] =
      ctx.role === "initiator" ? [k.mine.nonce, k.peerHs.nonce] : [k.peerHs.nonce, k.mine.nonce];
    return { ok: true, th: null, keys: { i2r: key, r2i: key }, sid: legacySid(nI, nR) };
  } catch (err) {
    return { ok: false, rejected: reject(st, reasonOf(err), intent) };
  }
}

/** Open the `sec` of an inbound message against `session`, or reject it in the message's intent. */
export function openInbound(
  ctx: MachineContext,
  st: MachineState,
  session: Session,
  input: Inbound<Exclude<Message, { intent: "register" | "confirm" | "reconnect" }>>,
  round: boolean,
): Checked<{ message: unknown; seq: number }> {
  const opened = openIncoming(ctx, session, input.msg, input.raw, round);
  return opened.ok ? opened : { ok: false, rejected: reject(st, opened.reason, input.msg.intent) };
}

/** The audit effect for a peer handshake nonce we are about to record. */
export function nonceSeen(ctx: MachineContext, peerHs: HsBlob): Effect {
  return { type: "audit", event: { type: "NONCE_SEEN", peer: ctx.peerId, nonce: peerHs.nonce } };
}

/**
 * Park a verified handshake on its durable nonce check: `next`/`effects` apply once the runtime
 * reports the nonce fresh (§4: a replayed blob must not start a second session).
 *
 * With `early` (v2), the answer's sends also ride on the `checkNonce` effect: a runtime may put
 * them on the wire while the durable write is in flight, so the write is off the handshake's
 * critical path, and then skips the same payload objects among the effects of the verdict (a
 * runtime that ignores `early` sends them there, in the strict order). That reveals nothing to a replayer: the answer is sealed
 * under keys from our fresh ephemeral secret and the blob's ephemeral key, whose secret a
 * replayer does not hold, and the genuine peer refuses an answer that echoes a nonce it is not
 * waiting for. What the peer could act on — `established`, `deliver`, timers, the persisted
 * session — still waits for the answer, and a replay verdict restores the state untouched.
 * v1 (HSAgent_2) keeps the strict order.
 */
export function awaitNonceCheck(
  st: MachineState,
  peerHs: HsBlob,
  intent: "confirm" | "request",
  next: MachineState,
  effects: Effect[],
  early: boolean,
): Transition {
  const check: Effect & { type: "checkNonce" } = {
    type: "checkNonce",
    nonce: peerHs.nonce,
    timestamp: peerHs.timestamp,
  };
  if (early) {
    const sends: OutboundPayload[] = [];
    for (const e of effects) if (e.type === "send") sends.push(e.payload);
    if (sends.length > 0) check.early = sends;
  }
  return {
    state: { ...st, pending: { nonce: peerHs.nonce, intent, next, effects } },
    effects: [check],
  };
}

/** Persist + audit + report an established channel. */
export function announceEstablished(
  ctx: MachineContext,
  name: MachineState["name"],
  session: Session,
  effects: Effect[],
): void {
  const sid = session.sid ?? "";
  const keyAgreement = session.keyAgreement ?? KEY_AGREEMENT_CLASSIC;
  persist(ctx, "established", name, session, effects);
  effects.push({
    type: "audit",
    event: { type: "HANDSHAKE_OK", peer: ctx.peerId, version: session.version, sid, keyAgreement },
  });
  if (session.keys) {
    const { version, keys } = session;
    effects.push({ type: "established", sid, version, keys, keyAgreement });
  }
}
