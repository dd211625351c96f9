/**
 * Sealing and opening the `sec` of session messages for the version in use, and mapping
 * @hsagent/crypto's `HandshakeError` reasons onto the protocol's rejection reasons.
 * v2: every message after `confirm` is sealed (`{message}` in rounds, `{}` otherwise).
 * v1: only exchange rounds are sealed, and the plain `message` field rides along as in HSAgent_2.
 */
import {
  type HandshakeErrorReason,
  isHandshakeError,
  type JsonObject,
  type JsonValue,
  openSecV1,
  openSecV2,
  type SecHeader,
  sealSecV1,
  sealSecV2,
} from "@hsagent/crypto";
import { tryCanonical } from "./common.js";
import type { AppMessage } from "./config.js";
import type { MachineContext, OutboundPayload, RejectReason, Session } from "./types.js";

/** Map a crypto failure onto a rejection reason. */
export function reasonOf(err: unknown): RejectReason {
  if (!isHandshakeError(err)) return "malformed";
  const map: Record<HandshakeErrorReason, RejectReason> = {
    malformed: "malformed",
    "bad-signature": "bad-signature",
    stale: "stale",
    future: "future",
    "nonce-mismatch": "nonce-mismatch",
    "type-mismatch": "type-mismatch",
    "pin-mismatch": "pin-mismatch",
    "decrypt-failed": "decrypt-failed",
    "hash-mismatch": "bad-sec",
    "sid-mismatch": "bad-sec",
    replay: "seq-replay",
    "weak-key": "weak-key",
  };
  return map[err.reason] ?? "malformed";
}

/**
 * What an outbound message says beside `from`/`to` (always us → the peer): its intent and the
 * nonces/refs it echoes and offers. With `from`/`to` it is the v2 AAD header (crypto's `SecHeader`).
 */
export type ReplyFields = Omit<SecHeader, "from" | "to">;

/**
 * @internal `{ ...header, ...extra, ...more }`, built with `Object.assign`: V8 (Node 20) takes ~1 µs per
 * property added after an object spread, while `Object.assign` onto a fresh `{}` gives the same
 * keys in the same order for these internally built objects. An own `__proto__` key (which
 * `Object.assign` would treat as the prototype setter) takes the spread.
 */
export function joinPayload(
  header: SecHeader,
  extra: Record<string, unknown>,
  more: Record<string, unknown>,
): OutboundPayload {
  if (
    Object.hasOwn(header, "__proto__") ||
    Object.hasOwn(extra, "__proto__") ||
    Object.hasOwn(more, "__proto__")
  ) {
    return { ...header, ...extra, ...more };
  }
  return Object.assign({}, header, extra, more);
}

/**
 * Seal a message to the peer with header `fields` for sending. v2 seals `{message}` (exchange rounds) or `{}` with the next send
 * seq; v1 seals only rounds (with a `message` beside `sec`) and leaves the rest plain.
 * @returns the full payload and the seq used (unchanged for unsealed v1 messages)
 */
export function sealOutgoing(
  ctx: MachineContext,
  session: Pick<Session, "version" | "keys" | "sid" | "sendSeq">,
  fields: ReplyFields,
  extra: Record<string, unknown>,
  message: AppMessage | undefined,
): { payload: OutboundPayload; seq: number } {
  const header: SecHeader = { from: ctx.self.agentId, to: ctx.peerId, ...fields };
  const backend = ctx.deps.backend;
  const keys = session.keys;
  if (keys === null) throw new Error("protocol bug: sealing without keys");
  const sendKey = ctx.role === "initiator" ? keys.i2r : keys.r2i;
  if (session.version === 2) {
    const seq = session.sendSeq + 1;
    const plaintext: JsonObject = message === undefined ? {} : { message: message as JsonValue };
    const sec = sealSecV2({ key: sendKey, sid: session.sid ?? "", seq, header, plaintext, backend });
    return { payload: joinPayload(header, extra, { sec }), seq };
  }
  if (message === undefined) return { payload: joinPayload(header, extra, {}), seq: session.sendSeq };
  const sec = sealSecV1({
    key: sendKey,
    signingKey: ctx.self.signingKey,
    message: message as JsonValue,
    now: ctx.deps.now(),
    nonce: ctx.deps.randomBytes(12),
    backend,
  });
  return { payload: joinPayload(header, extra, { message, sec }), seq: session.sendSeq };
}

/** Result of {@link openIncoming}. */
export type Opened = { ok: true; message: unknown; seq: number } | { ok: false; reason: RejectReason };

/**
 * Open the `sec` of an inbound message: `msg` is the parsed message (its from/to/intent and
 * nonce/ref fields are the AAD header; crypto ignores the rest), `raw` the payload as received,
 * so v1 signatures cover the envelope exactly as sent. `round` says whether a `{message}` is expected.
 */
export function openIncoming(
  ctx: MachineContext,
  session: Pick<Session, "version" | "keys" | "sid" | "recvSeq" | "peerSignPub">,
  msg: SecHeader,
  raw: Record<string, unknown>,
  round: boolean,
): Opened {
  const backend = ctx.deps.backend;
  const keys = session.keys;
  if (keys === null) return { ok: false, reason: "unexpected" };
  const recvKey = ctx.role === "initiator" ? keys.r2i : keys.i2r;
  try {
    if (session.version === 2) {
      if (raw.sec === undefined) return { ok: false, reason: "bad-sec" };
      const opened = openSecV2(raw.sec, {
        key: recvKey,
        sid: session.sid ?? "",
        header: msg,
        lastSeq: session.recvSeq,
        backend,
      });
      const pt = opened.plaintext;
      if (round ? !("message" in pt) : Object.keys(pt).length !== 0) return { ok: false, reason: "bad-sec" };
      return { ok: true, message: pt.message, seq: opened.seq };
    }
    if (!round) return { ok: true, message: undefined, seq: session.recvSeq };
    if (raw.sec === undefined || session.peerSignPub === null) return { ok: false, reason: "bad-sec" };
    const opened = openSecV1(raw.sec, { key: recvKey, pin: session.peerSignPub, backend });
    if (!("message" in opened.plaintext)) return { ok: false, reason: "bad-sec" };
    // The plain `message` beside `sec` is unauthenticated: it must say the same as the sealed one.
    if (raw.message !== undefined && tryCanonical(raw.message) !== tryCanonical(opened.message)) {
      return { ok: false, reason: "bad-sec" };
    }
    return { ok: true, message: opened.message, seq: session.recvSeq };
  } catch (err) {
    return { ok: false, reason: reasonOf(err) };
  }
}
