/**
 * The initiator's create/consume steps (PROTOCOL.md §4 steps 2, 4, 6, 8). Each `consume…`
 * checks the state first, verifies into local temporaries, and builds the next state only when
 * every check passed (wireguard-go's noise-protocol.go pattern); a failed check returns the
 * untouched state with a `rejected` effect.
 */
import {
  buildHandshake,
  deriveV1SessionKey,
  deriveV2SessionKeys,
  signTranscript,
  transcriptHash,
  verifyHandshake,
  verifyTranscriptSignature,
} from "@hsagent/crypto";
import { verifyConfirmBind } from "./bindings.js";
import {
  armTimer,
  endSession,
  freshNonce,
  freshRef,
  nowTimestamp,
  persist,
  reject,
  sendNew,
  tryCanonical,
} from "./common.js";
import { acceptKemOffer, KEY_AGREEMENT_CLASSIC, KEY_AGREEMENT_HYBRID } from "./hybrid.js";
import type { ConfirmMsg, FinishMsg, HsBlob, RespondMsg } from "./messages.js";
import { type Header, openIncoming, reasonOf, sealOutgoing } from "./secure.js";
import type { Effect, MachineContext, MachineState, PeerIdentity, Session, Transition } from "./types.js";
import { decideVersion, legacySid } from "./version.js";

/** Input of a consume step: the parsed message, the raw payload and the peer's pinned identity. */
export interface Inbound<M> {
  msg: M;
  raw: Record<string, unknown>;
  peer: PeerIdentity;
}

/**
 * `init_ready` + `confirm` → (nonce check) → `init_exchange`, sending `request` #1 with our `hs`
 * (and `tsig` in v2). Verifies the responder's blob: type `response`, nonce = `my_nonce`, pinned
 * `sign_pub`, `sig`, freshness; then the version policy.
 */
export function consumeConfirm(
  ctx: MachineContext,
  st: MachineState,
  input: Inbound<ConfirmMsg>,
): Transition {
  const { msg, raw, peer } = input;
  const { config, deps } = ctx;
  let verified: ReturnType<typeof verifyHandshake>;
  try {
    verified = verifyHandshake(raw.hs, {
      expectedType: "response",
      expectedNonce: msg.my_nonce,
      pin: peer.signPubB64,
      now: deps.now(),
      ttlSeconds: config.nonceTtlSeconds,
      maxSkewSeconds: config.maxClockSkewSeconds,
    });
  } catch (err) {
    return reject(st, reasonOf(err), "confirm");
  }
  const decided = decideVersion(ctx, verified.version, peer);
  if (!decided.ok) return reject(st, decided.reason, "confirm");
  const version = decided.version;
  // v2: the confirm must be bound to us (a confirm re-addressed from another pair fails here).
  if (version === 2 && !verifyConfirmBind(msg, peer.signPubB64))
    return reject(st, "bad-signature", "confirm", "bind");
  const peerHs = verified.blob;
  const kem = version === 2 ? acceptKemOffer(ctx, msg, peer) : ({ ok: true, hybrid: null } as const);
  if (!kem.ok) return reject(st, kem.reason, "confirm");
  const hybrid = "sharedSecret" in kem ? kem : null;

  // Everything below is local temporaries until the nonce check commits them.
  const eph = deps.generateKxKeyPair();
  const nI = freshNonce(ctx);
  const tsI = nowTimestamp(ctx);
  let myHs: HsBlob;
  let th: Uint8Array | null = null;
  let keys: Session["keys"];
  let sid: string;
  try {
    if (version === 2) {
      th = transcriptHash({
        initiatorId: ctx.self.agentId,
        responderId: ctx.peerId,
        initiatorNonce: nI,
        responderNonce: peerHs.nonce,
        initiatorKxPub: eph.publicKeyB64,
        responderKxPub: peerHs.kx_pub,
        initiatorTimestamp: tsI,
        responderTimestamp: peerHs.timestamp,
        ...(hybrid ? { hybrid: hybrid.hybrid } : {}),
      });
      const k = deriveV2SessionKeys({
        ephemeral: eph,
        peerKxPub: peerHs.kx_pub,
        transcriptHash: th,
        role: "initiator",
        ...(hybrid ? { kemSharedSecret: hybrid.sharedSecret } : {}),
      });
      keys = { i2r: k.kI2r, r2i: k.kR2i };
      sid = k.sid;
      myHs = buildHandshake({
        version: 2,
        type: "init",
        nonce: nI,
        kxPub: eph,
        signingKey: ctx.self.signingKey,
        timestamp: tsI,
        tsig: signTranscript(ctx.self.signingKey, th),
      });
    } else {
      const key = deriveV1SessionKey(eph, peerHs.kx_pub);
      keys = { i2r: key, r2i: key };
      sid = legacySid(nI, peerHs.nonce);
      myHs = buildHandshake({
        version: 1,
        type: "init",
        nonce: nI,
        kxPub: eph,
        signingKey: ctx.self.signingKey,
        timestamp: tsI,
      });
    }
  } catch (err) {
    return reject(st, reasonOf(err), "confirm");
  }

  const session: Session = {
    version,
    startedAt: deps.now(),
    eph,
    myHs,
    peerHs,
    peerSignPub: peer.signPubB64,
    th,
    keys,
    sid,
    keyAgreement: hybrid ? KEY_AGREEMENT_HYBRID : KEY_AGREEMENT_CLASSIC,
    established: version === 1,
    round: 1,
    myNonce: nI,
    myRef: null,
    peerRef: null,
    sendSeq: 0,
    recvSeq: 0,
    lastSent: {},
    lastAccepted: tryCanonical(raw),
    retransmits: 0,
    closeSends: 0,
  };
  const header: Header = {
    from: ctx.self.agentId,
    to: ctx.peerId,
    intent: "request",
    your_nonce: msg.my_nonce,
    my_nonce: nI,
  };
  const extra = { hs: myHs, ...(hybrid ? hybrid.fields : {}) };
  const sealed = sealOutgoing(ctx, session, header, extra, config.initiatorMessage(1, ctx.peerId));
  const sent: Session = { ...session, sendSeq: sealed.seq };

  const effects: Effect[] = [
    { type: "audit", event: { type: "NONCE_SEEN", peer: ctx.peerId, nonce: peerHs.nonce } },
  ];
  persist(ctx, "created", "init_exchange", sent, effects);
  effects.push({ type: "audit", event: { type: "SESSION_STARTED", peer: ctx.peerId, role: "initiator" } });
  if (version === 1) announceEstablished(ctx, "init_exchange", sent, effects);
  let next = armTimer(ctx, st, "session", effects);
  next = sendNew(ctx, next, "init_exchange", sent, sealed.payload, effects);
  return {
    state: { ...st, pending: { nonce: peerHs.nonce, intent: "confirm", next, effects } },
    effects: [{ type: "checkNonce", nonce: peerHs.nonce, timestamp: peerHs.timestamp }],
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

/**
 * `init_exchange` + `respond` → `init_exchange` (next `request`) or, after round
 * EXCHANGE_LIMIT+1, `init_finalize_propose` (sending `conclude`). The first v2 `respond` must carry
 * a valid `fin` over TH: only then is the channel established (mutual, key-confirmed).
 */
export function consumeRespond(
  ctx: MachineContext,
  st: MachineState,
  input: Inbound<RespondMsg>,
): Transition {
  const { msg, raw } = input;
  const s = st.session;
  if (s === null) return reject(st, "unexpected", "respond");
  if (msg.your_nonce !== s.myNonce) return reject(st, "bad-echo", "respond");
  const confirmsKey = s.version === 2 && !s.established;
  if (confirmsKey) {
    if (msg.fin === undefined || s.th === null || s.peerSignPub === null)
      return reject(st, "bad-signature", "respond");
    try {
      verifyTranscriptSignature(s.peerSignPub, s.th, msg.fin);
    } catch (err) {
      return reject(st, reasonOf(err), "respond");
    }
  }
  const header: Header = {
    from: msg.from,
    to: msg.to,
    intent: "respond",
    your_nonce: msg.your_nonce,
    my_nonce: msg.my_nonce,
  };
  const opened = openIncoming(ctx, s, header, raw, true);
  if (!opened.ok) return reject(st, opened.reason, "respond");

  // Commit.
  const effects: Effect[] = [];
  let session: Session = { ...s, established: true, recvSeq: opened.seq, lastAccepted: tryCanonical(raw) };
  if (confirmsKey) announceEstablished(ctx, "init_exchange", session, effects);
  effects.push({ type: "deliver", message: opened.message, round: s.round });
  const rounds = ctx.config.exchangeLimit + 1;
  if (s.round < rounds) {
    const round = s.round + 1;
    const nI = freshNonce(ctx);
    const out: Header = {
      from: ctx.self.agentId,
      to: ctx.peerId,
      intent: "request",
      your_nonce: msg.my_nonce,
      my_nonce: nI,
    };
    const sealed = sealOutgoing(ctx, session, out, {}, ctx.config.initiatorMessage(round, ctx.peerId));
    session = { ...session, round, myNonce: nI, sendSeq: sealed.seq };
    return { state: sendNew(ctx, st, "init_exchange", session, sealed.payload, effects), effects };
  }
  return { state: createConclude(ctx, st, session, msg.my_nonce, effects), effects };
}

/** Send `conclude` (sealed `{}` in v2) and move to `init_finalize_propose`. */
function createConclude(
  ctx: MachineContext,
  st: MachineState,
  s: Session,
  yourNonce: string,
  effects: Effect[],
): MachineState {
  const myRef = freshRef(ctx);
  const header: Header = {
    from: ctx.self.agentId,
    to: ctx.peerId,
    intent: "conclude",
    your_nonce: yourNonce,
    my_ref: myRef,
  };
  const sealed = sealOutgoing(ctx, s, header, {}, undefined);
  const session: Session = { ...s, myRef, sendSeq: sealed.seq };
  persist(ctx, "finalizing", "init_finalize_propose", session, effects);
  return sendNew(ctx, st, "init_finalize_propose", session, sealed.payload, effects);
}

/** `init_finalize_propose` + `finish` → `init_finalize_close`, sending the first `close`. */
export function consumeFinish(ctx: MachineContext, st: MachineState, input: Inbound<FinishMsg>): Transition {
  const { msg, raw } = input;
  const s = st.session;
  if (s === null) return reject(st, "unexpected", "finish");
  if (msg.your_ref !== s.myRef) return reject(st, "bad-echo", "finish");
  const header: Header = {
    from: msg.from,
    to: msg.to,
    intent: "finish",
    your_ref: msg.your_ref,
    my_ref: msg.my_ref,
  };
  const opened = openIncoming(ctx, s, header, raw, false);
  if (!opened.ok) return reject(st, opened.reason, "finish");

  const effects: Effect[] = [];
  const out: Header = {
    from: ctx.self.agentId,
    to: ctx.peerId,
    intent: "close",
    your_ref: msg.my_ref,
    my_ref: s.myRef,
  };
  const sealed = sealOutgoing(ctx, s, out, {}, undefined);
  const session: Session = {
    ...s,
    peerRef: msg.my_ref,
    recvSeq: opened.seq,
    sendSeq: sealed.seq,
    lastAccepted: tryCanonical(raw),
    closeSends: 1,
  };
  const next = sendNew(ctx, st, "init_finalize_close", session, sealed.payload, effects);
  if (ctx.config.finalLimit <= 1) return { state: endSession(ctx, next, { closed: true }, effects), effects };
  return { state: next, effects };
}

/**
 * `init_finalize_close` + retransmit tick (the dispatcher has already cleared the fired timer): re-send `close` (FINAL_LIMIT sends in all; no ack
 * exists, as in HSAgent_2), then purge and return to `init_ready`.
 */
export function closeTick(ctx: MachineContext, st: MachineState): Transition {
  const s = st.session;
  if (s === null) return { state: st, effects: [] };
  const effects: Effect[] = [{ type: "send", payload: s.lastSent }];
  const session: Session = { ...s, closeSends: s.closeSends + 1 };
  const sent: MachineState = { ...st, session };
  if (session.closeSends >= ctx.config.finalLimit) {
    return {
      state: endSession(ctx, sent, { closed: true }, effects),
      effects,
    };
  }
  return { state: armTimer(ctx, sent, "retransmit", effects), effects };
}
