/**
 * The responder's create/consume steps (PROTOCOL.md §4 steps 1, 3, 4, 5, 7), in the same
 * check-then-commit style as the initiator's.
 */
import { buildHandshake, signTranscript } from "@hsagent/crypto";
import { bindFieldsOf, signConfirmBind } from "./bindings.js";
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
import { speaksV2 } from "./config.js";
import {
  announceEstablished,
  awaitNonceCheck,
  deriveSession,
  freshEphemeral,
  type Inbound,
  liveSession,
  nonceSeen,
  openInbound,
  transcriptOf,
  verifyPeerHandshake,
} from "./consume.js";
import {
  createKemOffer,
  decapsulateAnswer,
  KEY_AGREEMENT_CLASSIC,
  KEY_AGREEMENT_HYBRID,
  kemOfferFields,
  matchKemAnswer,
} from "./hybrid.js";
import type { CloseMsg, ConcludeMsg, HsBlob, RegisterMsg, RequestMsg } from "./messages.js";
import { sealOutgoing } from "./secure.js";
import type { Effect, MachineContext, MachineState, Session, Transition } from "./types.js";

/**
 * `resp_ready` + `register` → `resp_confirm`: a fresh ephemeral key and nonce, our signed `hs`
 * (type `response`; v2 unless we speak only v1), sent in `confirm`.
 */
export function createConfirm(
  ctx: MachineContext,
  st: MachineState,
  _input: Inbound<RegisterMsg>,
): Transition {
  const { deps } = ctx;
  const version = speaksV2(ctx.config) ? 2 : 1;
  const eph = freshEphemeral(ctx);
  const nR = freshNonce(ctx);
  const kem = version === 2 && ctx.config.pq ? createKemOffer(ctx) : null;
  const myHs = buildHandshake({
    version,
    type: "response",
    nonce: nR,
    kxPub: eph,
    signingKey: ctx.self.signingKey,
    timestamp: nowTimestamp(ctx),
  });
  const session: Session = {
    version,
    startedAt: deps.now(),
    eph,
    myHs,
    peerHs: null,
    peerSignPub: null,
    th: null,
    keys: null,
    sid: null,
    kem,
    established: false,
    round: 0,
    myNonce: nR,
    myRef: null,
    peerRef: null,
    sendSeq: 0,
    recvSeq: 0,
    lastSent: {},
    lastAccepted: null,
    retransmits: 0,
    closeSends: 0,
  };
  const payload: Record<string, unknown> = {
    from: ctx.self.agentId,
    to: ctx.peerId,
    intent: "confirm",
    my_nonce: nR,
    hs: myHs,
    ...(kem ? kemOfferFields(ctx, kem, nR) : {}),
  };
  if (version === 2)
    payload.bind = signConfirmBind(ctx.self.signingKey, bindFieldsOf(ctx.self.agentId, ctx.peerId, myHs));
  const effects: Effect[] = [];
  persist(ctx, "created", "resp_confirm", session, effects);
  effects.push({ type: "audit", event: { type: "SESSION_STARTED", peer: ctx.peerId, role: "responder" } });
  const timed = armTimer(ctx, st, "session", effects);
  return { state: sendNew(ctx, timed, "resp_confirm", session, payload, effects), effects };
}

/**
 * `resp_confirm` + first `request` → (nonce check) → `resp_exchange`. Verifies the initiator's
 * blob (type `init`, nonce = `my_nonce`, pin, `sig`, v2 `tsig` over TH, freshness), the version
 * policy, the echo of our nonce and the sealed round; answers with `respond` (+`fin` in v2).
 */
export function consumeFirstRequest(
  ctx: MachineContext,
  st: MachineState,
  input: Inbound<RequestMsg>,
): Transition {
  const { msg, raw, peer } = input;
  const s = st.session;
  if (s === null) return reject(st, "unexpected", "request");
  if (raw.hs === undefined) return reject(st, "malformed", "request", "hs");
  if (msg.your_nonce !== s.myNonce) return reject(st, "bad-echo", "request");
  const offer = s.version === 2 ? (s.kem ?? null) : null;
  const kem = matchKemAnswer(ctx, offer, msg, peer);
  if (!kem.ok) return reject(st, kem.reason, "request");
  const transcriptFor = (blob: HsBlob): Uint8Array => transcriptOf(ctx, s.myHs, blob, kem.hybrid);
  const verified = verifyPeerHandshake(ctx, st, input, {
    expectedType: "init",
    ...(speaksV2(ctx.config) && s.version === 2 ? { transcriptHashFor: transcriptFor } : {}),
  });
  if (!verified.ok) return verified.rejected;
  // We offered v1 (v1-only agent): the session is v1 whatever the initiator wrote.
  const version = s.version === 1 ? 1 : verified.version;
  const peerHs = verified.blob;
  const hybrid = kem.hybrid;
  const derived = deriveSession(ctx, st, "request", {
    version,
    eph: s.eph,
    mine: s.myHs,
    peerHs,
    hybrid,
    ...(hybrid && offer ? { kemSecret: () => decapsulateAnswer(offer, hybrid) } : {}),
  });
  if (!derived.ok) return derived.rejected;
  const { th, keys, sid } = derived;
  const keyAgreement = version === 2 && hybrid ? KEY_AGREEMENT_HYBRID : KEY_AGREEMENT_CLASSIC;
  const keyed: Session = {
    ...s,
    version,
    peerHs,
    peerSignPub: peer.signPubB64,
    th,
    keys,
    sid,
    kem: null,
    keyAgreement,
  };
  const opened = openInbound(ctx, st, keyed, input, true);
  if (!opened.ok) return opened.rejected;

  const effects: Effect[] = [nonceSeen(ctx, peerHs)];
  const established: Session = {
    ...keyed,
    established: true,
    recvSeq: opened.seq,
    lastAccepted: tryCanonical(raw),
  };
  announceEstablished(ctx, "resp_exchange", established, effects);
  const fin = version === 2 && th !== null ? { fin: signTranscript(ctx.self.signingKey, th) } : {};
  const next = createRespond(ctx, st, established, msg, opened.message, fin, effects);
  return awaitNonceCheck(st, peerHs, "request", next, effects, version === 2);
}

/** Deliver a round's message and answer it with `respond`; stays in (or enters) `resp_exchange`. */
function createRespond(
  ctx: MachineContext,
  st: MachineState,
  s: Session,
  msg: RequestMsg,
  received: unknown,
  extra: Record<string, unknown>,
  effects: Effect[],
): MachineState {
  const round = s.round + 1;
  effects.push({ type: "deliver", message: received, round });
  const nR = freshNonce(ctx);
  const fields = { intent: "respond", your_nonce: msg.my_nonce, my_nonce: nR };
  const sealed = sealOutgoing(
    ctx,
    s,
    fields,
    extra,
    ctx.config.responderMessage(round, received, ctx.peerId),
  );
  const session: Session = { ...s, round, myNonce: nR, sendSeq: sealed.seq };
  return sendNew(ctx, st, "resp_exchange", session, sealed.payload, effects);
}

/** `resp_exchange` + later `request` → `resp_exchange` (one `respond` per `request`, at most EXCHANGE_LIMIT+1). */
export function consumeRequest(
  ctx: MachineContext,
  st: MachineState,
  input: Inbound<RequestMsg>,
): Transition {
  const { msg, raw } = input;
  const s = st.session;
  if (s === null) return reject(st, "unexpected", "request");
  if (s.round >= ctx.config.exchangeLimit + 1)
    return reject(st, "unexpected", "request", "exchange limit reached");
  if (msg.your_nonce !== s.myNonce) return reject(st, "bad-echo", "request");
  const opened = openInbound(ctx, st, s, input, true);
  if (!opened.ok) return opened.rejected;
  const effects: Effect[] = [];
  const accepted: Session = { ...s, recvSeq: opened.seq, lastAccepted: tryCanonical(raw) };
  return { state: createRespond(ctx, st, accepted, msg, opened.message, {}, effects), effects };
}

/** `resp_exchange` + `conclude` → `resp_finalize`, sending `finish`. */
export function consumeConclude(
  ctx: MachineContext,
  st: MachineState,
  input: Inbound<ConcludeMsg>,
): Transition {
  const { msg, raw } = input;
  const live = liveSession(st, "conclude", (s) => msg.your_nonce === s.myNonce);
  if (!live.ok) return live.rejected;
  const { s } = live;
  const opened = openInbound(ctx, st, s, input, false);
  if (!opened.ok) return opened.rejected;
  const effects: Effect[] = [];
  const myRef = freshRef(ctx);
  const sealed = sealOutgoing(
    ctx,
    s,
    { intent: "finish", your_ref: msg.my_ref, my_ref: myRef },
    {},
    undefined,
  );
  const session: Session = {
    ...s,
    myRef,
    peerRef: msg.my_ref,
    recvSeq: opened.seq,
    sendSeq: sealed.seq,
    lastAccepted: tryCanonical(raw),
  };
  persist(ctx, "finalizing", "resp_finalize", session, effects);
  return { state: sendNew(ctx, st, "resp_finalize", session, sealed.payload, effects), effects };
}

/** `resp_finalize` + `close` → purge → `resp_ready`. Both refs must echo. */
export function consumeClose(ctx: MachineContext, st: MachineState, input: Inbound<CloseMsg>): Transition {
  const live = liveSession(
    st,
    "close",
    (s) => input.msg.your_ref === s.myRef && input.msg.my_ref === s.peerRef,
  );
  if (!live.ok) return live.rejected;
  const { s } = live;
  const opened = openInbound(ctx, st, s, input, false);
  if (!opened.ok) return opened.rejected;
  const effects: Effect[] = [];
  return { state: endSession(ctx, st, { closed: true }, effects), effects };
}
