/**
 * The initiator's create/consume steps (PROTOCOL.md §4 steps 2, 4, 6, 8). Each `consume…`
 * checks the state first, verifies into local temporaries, and builds the next state only when
 * every check passed (wireguard-go's noise-protocol.go pattern); a failed check returns the
 * untouched state with a `rejected` effect. The steps both roles share live in consume.ts.
 */
import { buildHandshake, signTranscript, verifyTranscriptSignature } from "@hsagent/crypto";
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
import {
  announceEstablished,
  awaitNonceCheck,
  deriveSession,
  freshEphemeral,
  type Inbound,
  liveSession,
  nonceSeen,
  openInbound,
  verifyPeerHandshake,
} from "./consume.js";
import { acceptKemOffer, KEY_AGREEMENT_CLASSIC, KEY_AGREEMENT_HYBRID } from "./hybrid.js";
import type { ConfirmMsg, FinishMsg, HsBlob, RespondMsg } from "./messages.js";
import { reasonOf, sealOutgoing } from "./secure.js";
import type { Effect, MachineContext, MachineState, Session, Transition } from "./types.js";

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
  const verified = verifyPeerHandshake(ctx, st, input, { expectedType: "response" });
  if (!verified.ok) return verified.rejected;
  const { version, blob: peerHs } = verified;
  // v2: the confirm must be bound to us (a confirm re-addressed from another pair fails here).
  if (version === 2 && !verifyConfirmBind(msg, peer.signPubB64, deps.backend))
    return reject(st, "bad-signature", "confirm", "bind");
  const kem = version === 2 ? acceptKemOffer(ctx, msg, peer) : ({ ok: true, hybrid: null } as const);
  if (!kem.ok) return reject(st, kem.reason, "confirm");
  const hybrid = "sharedSecret" in kem ? kem : null;

  // Everything below is local temporaries until the nonce check commits them.
  const eph = freshEphemeral(ctx);
  const mine = { nonce: freshNonce(ctx), kx_pub: eph.publicKeyB64, timestamp: nowTimestamp(ctx) };
  const derived = deriveSession(ctx, st, "confirm", {
    version,
    eph,
    mine,
    peerHs,
    hybrid: hybrid ? hybrid.hybrid : null,
    ...(hybrid ? { kemSecret: () => hybrid.sharedSecret } : {}),
  });
  if (!derived.ok) return derived.rejected;
  const { th, keys, sid } = derived;
  let myHs: HsBlob;
  try {
    myHs = buildHandshake({
      version,
      type: "init",
      nonce: mine.nonce,
      kxPub: eph,
      signingKey: ctx.self.signingKey,
      timestamp: mine.timestamp,
      ...(th !== null ? { tsig: signTranscript(ctx.self.signingKey, th) } : {}),
    });
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
    myNonce: mine.nonce,
    myRef: null,
    peerRef: null,
    sendSeq: 0,
    recvSeq: 0,
    lastSent: {},
    lastAccepted: tryCanonical(raw),
    retransmits: 0,
    closeSends: 0,
  };
  const fields = { intent: "request", your_nonce: msg.my_nonce, my_nonce: mine.nonce };
  const extra = { hs: myHs, ...(hybrid ? hybrid.fields : {}) };
  const sealed = sealOutgoing(ctx, session, fields, extra, config.initiatorMessage(1, ctx.peerId));
  const sent: Session = { ...session, sendSeq: sealed.seq };

  const effects: Effect[] = [nonceSeen(ctx, peerHs)];
  persist(ctx, "created", "init_exchange", sent, effects);
  effects.push({ type: "audit", event: { type: "SESSION_STARTED", peer: ctx.peerId, role: "initiator" } });
  if (version === 1) announceEstablished(ctx, "init_exchange", sent, effects);
  let next = armTimer(ctx, st, "session", effects);
  next = sendNew(ctx, next, "init_exchange", sent, sealed.payload, effects);
  return awaitNonceCheck(st, peerHs, "confirm", next, effects, version === 2);
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
  const live = liveSession(st, "respond", (s) => msg.your_nonce === s.myNonce);
  if (!live.ok) return live.rejected;
  const { s } = live;
  const confirmsKey = s.version === 2 && !s.established;
  if (confirmsKey) {
    if (msg.fin === undefined || s.th === null || s.peerSignPub === null)
      return reject(st, "bad-signature", "respond");
    try {
      verifyTranscriptSignature(s.peerSignPub, s.th, msg.fin, ctx.deps.backend);
    } catch (err) {
      return reject(st, reasonOf(err), "respond");
    }
  }
  const opened = openInbound(ctx, st, s, input, true);
  if (!opened.ok) return opened.rejected;

  // Commit.
  const effects: Effect[] = [];
  let session: Session = { ...s, established: true, recvSeq: opened.seq, lastAccepted: tryCanonical(raw) };
  if (confirmsKey) announceEstablished(ctx, "init_exchange", session, effects);
  effects.push({ type: "deliver", message: opened.message, round: s.round });
  const rounds = ctx.config.exchangeLimit + 1;
  if (s.round < rounds) {
    const round = s.round + 1;
    const nI = freshNonce(ctx);
    const out = { intent: "request", your_nonce: msg.my_nonce, my_nonce: nI };
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
  const sealed = sealOutgoing(
    ctx,
    s,
    { intent: "conclude", your_nonce: yourNonce, my_ref: myRef },
    {},
    undefined,
  );
  const session: Session = { ...s, myRef, sendSeq: sealed.seq };
  persist(ctx, "finalizing", "init_finalize_propose", session, effects);
  return sendNew(ctx, st, "init_finalize_propose", session, sealed.payload, effects);
}

/** `init_finalize_propose` + `finish` → `init_finalize_close`, sending the first `close`. */
export function consumeFinish(ctx: MachineContext, st: MachineState, input: Inbound<FinishMsg>): Transition {
  const { msg, raw } = input;
  const live = liveSession(st, "finish", (s) => msg.your_ref === s.myRef);
  if (!live.ok) return live.rejected;
  const { s } = live;
  const opened = openInbound(ctx, st, s, input, false);
  if (!opened.ok) return opened.rejected;

  const effects: Effect[] = [];
  const sealed = sealOutgoing(
    ctx,
    s,
    { intent: "close", your_ref: msg.my_ref, my_ref: msg.your_ref /* = s.myRef */ },
    {},
    undefined,
  );
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
