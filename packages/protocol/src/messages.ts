/**
 * Wire messages of PROTOCOL.md §3 and their validator. `parseMessage` is total: any input gives
 * `{ok:true,msg}` or `{ok:false,reason}` and never throws, because everything on the relay is
 * attacker-controlled. Unknown fields are ignored (and not copied into `msg`); known fields must
 * have the exact type and format of the spec.
 */
import {
  type SecV1 as CryptoSecV1,
  type SecV2 as CryptoSecV2,
  type HandshakeBlob,
  isB64OfLength,
} from "@hsagent/crypto";
import {
  isAgentId,
  isB64,
  isKeyB64,
  isNonce,
  isPlainObject,
  isRef,
  isSeq,
  isSid,
  isSigB64,
  isTimestamp,
} from "./formats.js";
import { isKaList, isKemCtB64, isKemPubB64 } from "./hybrid.js";

/** Every intent of §3. */
export type Intent =
  | "register"
  | "confirm"
  | "request"
  | "respond"
  | "conclude"
  | "finish"
  | "close"
  | "reconnect";

/** The intents of §3 in spec order. */
export const INTENTS: readonly Intent[] = [
  "register",
  "confirm",
  "request",
  "respond",
  "conclude",
  "finish",
  "close",
  "reconnect",
];

/** The handshake blob `hs` (v1 has no `v`; the initiator's v2 blob adds `tsig`): crypto's `HandshakeBlob`. */
export type HsBlob = HandshakeBlob;

/** v2 sealed payload: crypto's `SecV2`. */
export type SecV2 = CryptoSecV2;

/** v1 (HSAgent_2) signed envelope: crypto's `SecV1`. */
export type SecV1 = CryptoSecV1;

/** Either kind of `sec`. */
export type Sec = SecV1 | SecV2;

/** Fields every message carries. */
interface Base {
  from: string;
  to: string | null;
}

/** `register`: broadcast discovery (v2 adds `ts` and `sig`, see bindings.ts). */
export interface RegisterMsg extends Base {
  intent: "register";
  proto?: number[];
  /** v2: when it was made. */
  ts?: string;
  /** v2: Ed25519 signature of `registerSignedBytes(from, ts, proto)`. */
  sig?: string;
  /** Key agreements offered, preferred first (hybrid key agreement). */
  ka?: string[];
}
/** `confirm`: responder → initiator, opens the handshake. */
export interface ConfirmMsg extends Base {
  intent: "confirm";
  my_nonce: string;
  hs: HsBlob;
  /** v2: signature binding the blob to `from` and `to` (see bindings.ts). */
  bind?: string;
  /** Hybrid offer: the responder's ML-KEM-768 public key (base64). */
  kem_pub?: string;
  /** The responder's offered key agreements (bound in a hybrid transcript). */
  ka?: string[];
  /** Hybrid offer: the responder's Ed25519 signature over its offer (see `kemOfferSignedBytes`). */
  kem_sig?: string;
}
/** `request`: initiator exchange round (the first carries `hs`). */
export interface RequestMsg extends Base {
  intent: "request";
  your_nonce: string;
  my_nonce: string;
  hs?: HsBlob;
  sec?: Sec;
  /** v1 only: the plaintext message, as HSAgent_2 sent it beside `sec`. */
  message?: unknown;
  /** Hybrid, request #1 only: the ML-KEM-768 ciphertext to the confirm's `kem_pub` (base64). */
  kem_ct?: string;
  /** Hybrid, request #1 only: the initiator's offered key agreements. */
  ka?: string[];
}
/** `respond`: responder exchange round (the first carries `fin` in v2). */
export interface RespondMsg extends Base {
  intent: "respond";
  your_nonce: string;
  my_nonce: string;
  fin?: string;
  sec?: Sec;
  message?: unknown;
}
/** `conclude`: initiator proposes the end. */
export interface ConcludeMsg extends Base {
  intent: "conclude";
  your_nonce: string;
  my_ref: string;
  sec?: Sec;
}
/** `finish`: responder agrees to end. */
export interface FinishMsg extends Base {
  intent: "finish";
  your_ref: string;
  my_ref: string;
  sec?: Sec;
}
/** `close`: initiator's last word (sent FINAL_LIMIT times). */
export interface CloseMsg extends Base {
  intent: "close";
  your_ref: string;
  my_ref: string;
  sec?: Sec;
}
/** `reconnect`: legacy; never sent, ignored on receipt. */
export interface ReconnectMsg extends Base {
  intent: "reconnect";
}

/** Any valid message. */
export type Message =
  | RegisterMsg
  | ConfirmMsg
  | RequestMsg
  | RespondMsg
  | ConcludeMsg
  | FinishMsg
  | CloseMsg
  | ReconnectMsg;

/** Result of {@link parseMessage}. */
export type ParseResult = { ok: true; msg: Message } | { ok: false; reason: "malformed"; detail: string };

/** Internal: thrown by field readers, caught in parseMessage. */
class Bad {
  constructor(readonly detail: string) {}
}

function need<T>(obj: Record<string, unknown>, key: string, check: (v: unknown) => v is T): T {
  const v = obj[key];
  if (!check(v)) throw new Bad(key);
  return v;
}

function opt<T>(obj: Record<string, unknown>, key: string, check: (v: unknown) => v is T): T | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (!check(v)) throw new Bad(key);
  return v;
}

const isString = (v: unknown): v is string => typeof v === "string";

/** Validate an `hs` blob's shape and formats (signatures are checked by the state machine). */
export function parseHs(v: unknown): HsBlob {
  if (!isPlainObject(v)) throw new Bad("hs");
  const out: HsBlob = {
    type: need(v, "type", (t): t is "response" | "init" => t === "response" || t === "init"),
    nonce: need(v, "nonce", isNonce),
    kx_pub: need(v, "kx_pub", isKeyB64),
    sign_pub: need(v, "sign_pub", isKeyB64),
    timestamp: need(v, "timestamp", isTimestamp),
    sig: need(v, "sig", isSigB64),
  };
  if (v.v !== undefined) {
    if (v.v !== 2) throw new Bad("hs.v");
    out.v = 2;
  }
  const tsig = opt(v, "tsig", isSigB64);
  if (tsig !== undefined) out.tsig = tsig;
  return out;
}

/** Validate a `sec` (v2 `{v,sid,seq,ct}` or v1 `{envelope,sig}`). */
export function parseSec(v: unknown): Sec {
  if (!isPlainObject(v)) throw new Bad("sec");
  if (v.envelope !== undefined) {
    const env = v.envelope;
    if (!isPlainObject(env)) throw new Bad("sec.envelope");
    return {
      envelope: {
        nonce: need(env, "nonce", (x): x is string => isB64OfLength(x, 12)),
        ciphertext: need(env, "ciphertext", (x): x is string => isB64(x, 65536)),
        hash: need(env, "hash", isKeyB64),
        ts: need(env, "ts", isTimestamp),
      },
      sig: need(v, "sig", isSigB64),
    };
  }
  if (v.v !== 2) throw new Bad("sec.v");
  return {
    v: 2,
    sid: need(v, "sid", isSid),
    seq: need(v, "seq", isSeq),
    ct: need(v, "ct", (x): x is string => isB64(x, 65536) && x.length >= 24),
  };
}

const isIdOrNull = (v: unknown): v is string | null => v === null || isAgentId(v);
const isProto = (v: unknown): v is number[] =>
  Array.isArray(v) &&
  v.length <= 16 &&
  v.every((n) => typeof n === "number" && Number.isSafeInteger(n) && n > 0);
const isAny = (v: unknown): v is unknown => v !== undefined;

type EchoIntent = "request" | "respond" | "conclude" | "finish" | "close";
type EchoFields = readonly (readonly [string, (v: unknown) => v is string])[];
const NONCES: EchoFields = [
  ["your_nonce", isNonce],
  ["my_nonce", isNonce],
];
const REFS: EchoFields = [
  ["your_ref", isRef],
  ["my_ref", isRef],
];
/** The nonce/ref fields each session message carries (§3), in wire order. */
const ECHO_FIELDS: Readonly<Record<EchoIntent, EchoFields>> = {
  request: NONCES,
  respond: NONCES,
  conclude: [
    ["your_nonce", isNonce],
    ["my_ref", isRef],
  ],
  finish: REFS,
  close: REFS,
};

function parseStrict(raw: unknown): Message {
  if (!isPlainObject(raw)) throw new Bad("payload");
  const intent = raw.intent;
  const from = need(raw, "from", isAgentId);
  if (!("to" in raw)) throw new Bad("to");
  const to = need(raw, "to", isIdOrNull);
  // Object literals below, not `{ ...base }`: V8 runs an object spread followed by more
  // properties through a slow generic path, which measured ~10 µs per message here.
  switch (intent) {
    case "register": {
      const proto = opt(raw, "proto", isProto);
      const m: RegisterMsg =
        proto === undefined ? { from, to, intent } : { from, to, intent, proto: [...proto] };
      const ts = opt(raw, "ts", isTimestamp);
      const sig = opt(raw, "sig", isSigB64);
      if (ts !== undefined) m.ts = ts;
      if (sig !== undefined) m.sig = sig;
      const ka = opt(raw, "ka", isKaList);
      if (ka !== undefined) m.ka = [...ka];
      return m;
    }
    case "confirm": {
      const m: ConfirmMsg = {
        from,
        to,
        intent,
        my_nonce: need(raw, "my_nonce", isNonce),
        hs: parseHs(raw.hs),
      };
      const bind = opt(raw, "bind", isSigB64);
      if (bind !== undefined) m.bind = bind;
      const kemPub = opt(raw, "kem_pub", isKemPubB64);
      const ka = opt(raw, "ka", isKaList);
      const kemSig = opt(raw, "kem_sig", isSigB64);
      if (kemPub !== undefined) m.kem_pub = kemPub;
      if (ka !== undefined) m.ka = [...ka];
      if (kemSig !== undefined) m.kem_sig = kemSig;
      return m;
    }
    case "request":
    case "respond":
    case "conclude":
    case "finish":
    case "close": {
      const m: Record<string, unknown> = { from, to, intent };
      for (const [key, check] of ECHO_FIELDS[intent]) m[key] = need(raw, key, check);
      if (intent === "request") {
        if (raw.hs !== undefined) m.hs = parseHs(raw.hs);
        const kemCt = opt(raw, "kem_ct", isKemCtB64);
        const ka = opt(raw, "ka", isKaList);
        if (kemCt !== undefined) m.kem_ct = kemCt;
        if (ka !== undefined) m.ka = [...ka];
      }
      if (intent === "respond") {
        const fin = opt(raw, "fin", isSigB64);
        if (fin !== undefined) m.fin = fin;
      }
      if (raw.sec !== undefined) m.sec = parseSec(raw.sec);
      // Exchange rounds (v1 only) carry the plaintext `message` beside `sec`.
      const message = intent === "request" || intent === "respond" ? opt(raw, "message", isAny) : undefined;
      if (message !== undefined) m.message = message;
      return m as unknown as RequestMsg | RespondMsg | ConcludeMsg | FinishMsg | CloseMsg;
    }
    case "reconnect":
      return { from, to, intent };
    default:
      throw new Bad(isString(intent) ? "intent" : "intent type");
  }
}

/**
 * Validate an untrusted payload against §3. Never throws.
 * @returns the typed message (known fields only) or `{ok:false, reason:"malformed", detail}`
 *   where `detail` names the offending field (never its value).
 */
export function parseMessage(raw: unknown): ParseResult {
  try {
    return { ok: true, msg: parseStrict(raw) };
  } catch (err) {
    return { ok: false, reason: "malformed", detail: err instanceof Bad ? err.detail : "payload" };
  }
}

/** Why {@link checkAddressing} drops an inbound payload. */
export type AddressingDrop =
  /** `from` is us: our own broadcast echoed back. */
  | "from-self"
  /** `to` names another agent: another pair's traffic on a shared relay. */
  | "not-for-us"
  /** `from` is not an agentId: there is no peer to hand it to. */
  | "no-sender"
  /** With `peerId`: `from` is another agent than the pair's peer. */
  | "not-the-peer"
  /** With `peerId`: `to` is null on a session message (only `register` is broadcast). */
  | "broadcast";

/**
 * §3 addressing, the one place `from` and `to` of an inbound payload are checked (raw or
 * parsed; never throws). Without `peerId` (a runtime routing a relay payload): drop what is not
 * for us at all — our own echo, another pair's traffic, no valid sender — and otherwise hand the
 * payload to the machine of its `from`. With `peerId` (that machine): also drop what is not from
 * the peer, and a session message broadcast with `to: null` (`register`, and the legacy
 * `reconnect` that is ignored anyway, may be broadcast). Returns null when the payload is for us.
 */
export function checkAddressing(
  payload: { readonly from?: unknown; readonly to?: unknown; readonly intent?: unknown },
  selfId: string,
  peerId?: string,
): AddressingDrop | null {
  const { from, to } = payload;
  if (from === selfId) return "from-self";
  if (typeof to === "string" && to !== selfId) return "not-for-us";
  if (typeof from !== "string" || !isAgentId(from)) return "no-sender";
  if (peerId === undefined) return null;
  if (from !== peerId) return "not-the-peer";
  if (to !== selfId && payload.intent !== "register" && payload.intent !== "reconnect") return "broadcast";
  return null;
}

/** §4 symmetry rule: on `register` from `peerId`, `selfId` becomes responder iff `selfId > peerId`. */
export function shouldRespond(selfId: string, peerId: string): boolean {
  return selfId > peerId;
}

/**
 * Our `register` broadcast (§3), advertising the protocol versions we speak and, when given, the
 * key agreements we offer (`ka`, see `offeredKeyAgreements`).
 */
export function createRegister(
  selfId: string,
  protocolVersions: readonly number[] = [2, 1],
  keyAgreements?: readonly string[],
): RegisterMsg {
  const m: RegisterMsg = { from: selfId, to: null, intent: "register", proto: [...protocolVersions] };
  if (keyAgreements !== undefined) m.ka = [...keyAgreements];
  return m;
}
