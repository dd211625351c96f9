/**
 * Signatures that bind v2 messages to who sent them and to whom (PROTOCOL.md §3.4, §6.1):
 * the `register` signature (`ts`, `sig`) and the `confirm` binding (`bind`). The signed bytes of
 * each are built in one function here, so a later field (e.g. a KEM key) is added in one place.
 * Everything is pure: no clock or randomness but what the caller passes.
 */
import {
  type Backend,
  b64decode,
  b64encode,
  type KeyInput,
  parseTimestampMs,
  type SigningKey,
  utf8Encode,
  verify,
} from "@hsagent/crypto";
import type { ConfirmMsg, HsBlob, RegisterMsg } from "./messages.js";

/** Label opening the signed bytes of a v2 `register`. */
export const REGISTER_LABEL = "hsagent-v2 register";
/** Label opening the signed bytes of a v2 `confirm` binding. */
export const CONFIRM_BIND_LABEL = "hsagent-v2 confirm";

/** The bytes a `register`'s `sig` covers: `hsagent-v2 register|from|ts|proto` (proto joined by `,`). */
export function registerSignedBytes(from: string, ts: string, proto: readonly number[]): Uint8Array {
  return utf8Encode(`${REGISTER_LABEL}|${from}|${ts}|${proto.join(",")}`);
}

/** A signed v2 `register` from `from`, made at `ts` (a wire timestamp), advertising `proto` (and optionally the key agreements `ka`). */
export function createSignedRegister(
  from: string,
  signingKey: SigningKey,
  ts: string,
  proto: readonly number[] = [2, 1],
  keyAgreements?: readonly string[],
): RegisterMsg {
  const sig = b64encode(signingKey.sign(registerSignedBytes(from, ts, proto)));
  const m: RegisterMsg = { from, to: null, intent: "register", proto: [...proto], ts, sig };
  // `ka` only advertises: it is not signed here, because a hybrid transcript binds both sides' sets (§6.6).
  if (keyAgreements !== undefined) m.ka = [...keyAgreements];
  return m;
}

/** Freshness window of a register timestamp, seconds. */
export interface RegisterWindow {
  /** Oldest accepted age (the handshake's nonceTtlSeconds). */
  ttlSeconds: number;
  /** Furthest accepted future skew (maxClockSkewSeconds). */
  maxSkewSeconds: number;
}

/** Why a register was not taken. */
export type RegisterFault = "unsigned" | "stale" | "future" | "bad-signature";

/**
 * Cheap checks of a register (no signature work): it carries `ts` and `sig`, and `ts` is inside
 * the window around `nowMs`. Returns the timestamp in ms, or the fault.
 */
export function checkRegisterCheap(
  msg: RegisterMsg,
  nowMs: number,
  window: RegisterWindow,
): { ok: true; tsMs: number } | { ok: false; fault: RegisterFault } {
  if (msg.ts === undefined || msg.sig === undefined) return { ok: false, fault: "unsigned" };
  let tsMs: number;
  try {
    tsMs = parseTimestampMs(msg.ts);
  } catch {
    return { ok: false, fault: "stale" };
  }
  if (tsMs < nowMs - window.ttlSeconds * 1000) return { ok: false, fault: "stale" };
  if (tsMs > nowMs + window.maxSkewSeconds * 1000) return { ok: false, fault: "future" };
  return { ok: true, tsMs };
}

/** Verify a register's `sig` under the sender's pinned key. Never throws. */
export function verifyRegisterSignature(msg: RegisterMsg, pin: KeyInput): boolean {
  if (msg.ts === undefined || msg.sig === undefined) return false;
  try {
    const sig = b64decode(msg.sig, 64);
    return verify(pin, registerSignedBytes(msg.from, msg.ts, msg.proto ?? []), sig);
  } catch {
    return false;
  }
}

/** The fields a `confirm` binding covers. */
export interface ConfirmBindFields {
  /** Responder (sender of the confirm). */
  from: string;
  /** Initiator (its recipient). */
  to: string;
  /** `hs.nonce`, `hs.kx_pub`, `hs.timestamp` as sent. */
  nonce: string;
  kxPub: string;
  timestamp: string;
}

/** The bytes `bind` covers: `hsagent-v2 confirm|from|to|nonce|kx_pub|timestamp`. */
export function confirmBindBytes(f: ConfirmBindFields): Uint8Array {
  return utf8Encode(`${CONFIRM_BIND_LABEL}|${f.from}|${f.to}|${f.nonce}|${f.kxPub}|${f.timestamp}`);
}

/** The binding fields of a confirm with blob `hs` from `from` to `to`. */
export function bindFieldsOf(from: string, to: string, hs: Pick<HsBlob, "nonce" | "kx_pub" | "timestamp">) {
  return { from, to, nonce: hs.nonce, kxPub: hs.kx_pub, timestamp: hs.timestamp };
}

/** `bind` of a v2 confirm: base64 Ed25519 signature of {@link confirmBindBytes} by the responder. */
export function signConfirmBind(signingKey: SigningKey, fields: ConfirmBindFields): string {
  return b64encode(signingKey.sign(confirmBindBytes(fields)));
}

/** True when `msg.bind` verifies under `pin` for the confirm's own from/to and blob. Never throws. */
export function verifyConfirmBind(msg: ConfirmMsg, pin: KeyInput, backend?: Backend): boolean {
  if (msg.bind === undefined || msg.to === null) return false;
  try {
    const sig = b64decode(msg.bind, 64);
    return verify(pin, confirmBindBytes(bindFieldsOf(msg.from, msg.to, msg.hs)), sig, backend);
  } catch {
    return false;
  }
}
