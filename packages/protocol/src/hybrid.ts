/**
 * Hybrid X25519+ML-KEM-768 key agreement (PROTOCOL.md "Hybrid key agreement"): what we offer,
 * the responder's KEM offer in `confirm`, the initiator's encapsulation in `request` #1, and the
 * downgrade rule. A side that offers the hybrid and meets a peer whose identity advertises it
 * refuses to continue without it (`downgrade`); a peer that never advertised it (older v2 build,
 * v1 legacy, `--no-pq`) gets the classic X25519 session.
 */
import {
  b64decode,
  b64encode,
  getMlKem768,
  HYBRID_KEY_AGREEMENT,
  type HybridTranscriptParts,
  isB64OfLength,
  MLKEM768_CIPHERTEXT_BYTES,
  MLKEM768_ENCAPS_RANDOM_BYTES,
  MLKEM768_PUBLIC_KEY_BYTES,
  MLKEM768_SEED_BYTES,
  type MlKemKeyPair,
  utf8Encode,
  verify,
} from "@hsagent/crypto";
import type { ProtocolConfig } from "./config.js";
import type { ConfirmMsg, RequestMsg } from "./messages.js";
import type { MachineContext, PeerIdentity, RejectReason } from "./types.js";

/** The classic key agreement (v1 and v2). */
export const KEY_AGREEMENT_CLASSIC = "x25519";
/** The hybrid key agreement. */
export const KEY_AGREEMENT_HYBRID = HYBRID_KEY_AGREEMENT;
/** How a session's keys were agreed. */
export type KeyAgreement = typeof KEY_AGREEMENT_CLASSIC | typeof KEY_AGREEMENT_HYBRID;

/** The key agreements `cfg` offers, preferred first (advertised in `register`, identity, `ka`). */
export function offeredKeyAgreements(cfg: Pick<ProtocolConfig, "pq">): KeyAgreement[] {
  return cfg.pq ? [KEY_AGREEMENT_HYBRID, KEY_AGREEMENT_CLASSIC] : [KEY_AGREEMENT_CLASSIC];
}

/** True if the peer's identity advertises the hybrid. */
export function advertisesHybrid(peer: PeerIdentity): boolean {
  return peer.keyAgreements?.includes(KEY_AGREEMENT_HYBRID) ?? false;
}

/**
 * The responder's KEM key pair for a new session: from `deps.generateMlKemKeyPair` where the
 * runtime supplies one (made ahead of time), else generated now from the injected randomness.
 */
export function createKemOffer(ctx: MachineContext): MlKemKeyPair {
  const { deps } = ctx;
  if (deps.generateMlKemKeyPair) return deps.generateMlKemKeyPair();
  return getMlKem768().generateKeyPair(deps.randomBytes(MLKEM768_SEED_BYTES));
}

/**
 * The bytes `kem_sig` covers: the responder's long-term key signs its offer when it makes it, so
 * an initiator can refuse a relay's substitute before it changes any state:
 * UTF-8 of `hsagent-v2 kem|R|I|nR|ka|kem_pub` (`ka` comma-joined).
 */
export function kemOfferSignedBytes(
  responderId: string,
  initiatorId: string,
  responderNonce: string,
  ka: readonly string[],
  kemPub: string,
): Uint8Array {
  return utf8Encode(
    `hsagent-v2 kem|${responderId}|${initiatorId}|${responderNonce}|${ka.join(",")}|${kemPub}`,
  );
}

/** The confirm's extra fields for a KEM offer: `kem_pub`, `ka`, and `kem_sig` over both. */
export function kemOfferFields(
  ctx: MachineContext,
  kem: MlKemKeyPair,
  nonce: string,
): Record<string, unknown> {
  const ka = offeredKeyAgreements(ctx.config);
  const signed = kemOfferSignedBytes(ctx.self.agentId, ctx.peerId, nonce, ka, kem.publicKeyB64);
  return { kem_pub: kem.publicKeyB64, ka, kem_sig: b64encode(ctx.self.signingKey.sign(signed)) };
}

/** What the initiator agreed on after `confirm`: classic, or hybrid with its transcript parts. */
export type InitiatorKem =
  | { ok: true; hybrid: null }
  | { ok: true; hybrid: HybridTranscriptParts; sharedSecret: Uint8Array; fields: Record<string, unknown> }
  | { ok: false; reason: RejectReason };

/** Initiator, on a verified v2 `confirm`: encapsulate to its `kem_pub`, or apply the downgrade rule. */
export function acceptKemOffer(ctx: MachineContext, msg: ConfirmMsg, peer: PeerIdentity): InitiatorKem {
  if (!ctx.config.pq) return { ok: true, hybrid: null };
  if (msg.kem_pub === undefined || !msg.ka?.includes(KEY_AGREEMENT_HYBRID)) {
    return advertisesHybrid(peer) ? { ok: false, reason: "downgrade" } : { ok: true, hybrid: null };
  }
  const signed = kemOfferSignedBytes(ctx.peerId, ctx.self.agentId, msg.my_nonce, msg.ka, msg.kem_pub);
  if (
    msg.kem_sig === undefined ||
    !verify(peer.signPubB64, signed, b64decode(msg.kem_sig, 64), ctx.deps.backend)
  ) {
    return { ok: false, reason: "bad-signature" };
  }
  let enc: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    const kemPub = b64decode(msg.kem_pub, MLKEM768_PUBLIC_KEY_BYTES);
    enc = ctx.deps.encapsulateMlKem
      ? ctx.deps.encapsulateMlKem(kemPub)
      : getMlKem768().encapsulate(kemPub, ctx.deps.randomBytes(MLKEM768_ENCAPS_RANDOM_BYTES));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const initiatorKa = offeredKeyAgreements(ctx.config);
  const kemCt = b64encode(enc.cipherText);
  return {
    ok: true,
    hybrid: { initiatorKa, responderKa: msg.ka, kemPub: msg.kem_pub, kemCt },
    sharedSecret: enc.sharedSecret,
    fields: { kem_ct: kemCt, ka: initiatorKa },
  };
}

/** What the responder makes of request #1: classic, or hybrid with its transcript parts. */
export type ResponderKem =
  | { ok: true; hybrid: null }
  | { ok: true; hybrid: HybridTranscriptParts }
  | { ok: false; reason: RejectReason };

/**
 * Responder, on request #1 (before verifying it): the transcript parts to verify `tsig` against.
 * `offer` is the KEM key pair we sent in `confirm` (null if we sent none).
 */
export function matchKemAnswer(
  ctx: MachineContext,
  offer: MlKemKeyPair | null,
  msg: RequestMsg,
  peer: PeerIdentity,
): ResponderKem {
  if (offer === null) {
    return msg.kem_ct === undefined ? { ok: true, hybrid: null } : { ok: false, reason: "unexpected" };
  }
  if (msg.kem_ct === undefined || !msg.ka?.includes(KEY_AGREEMENT_HYBRID)) {
    return advertisesHybrid(peer) ? { ok: false, reason: "downgrade" } : { ok: true, hybrid: null };
  }
  return {
    ok: true,
    hybrid: {
      initiatorKa: msg.ka,
      responderKa: offeredKeyAgreements(ctx.config),
      kemPub: offer.publicKeyB64,
      kemCt: msg.kem_ct,
    },
  };
}

/** Responder: the ML-KEM shared secret of a verified hybrid request #1. */
export function decapsulateAnswer(offer: MlKemKeyPair, hybrid: HybridTranscriptParts): Uint8Array {
  return offer.decapsulate(b64decode(hybrid.kemCt, MLKEM768_CIPHERTEXT_BYTES));
}

/** Wire check for `kem_pub`: base64 of an ML-KEM-768 public key. */
export const isKemPubB64 = (v: unknown): v is string => isB64OfLength(v, MLKEM768_PUBLIC_KEY_BYTES);
/** Wire check for `kem_ct`: base64 of an ML-KEM-768 ciphertext. */
export const isKemCtB64 = (v: unknown): v is string => isB64OfLength(v, MLKEM768_CIPHERTEXT_BYTES);
/** Wire check for a `ka` list: 1–8 names of `[a-z0-9+]`, each ≤ 32 characters. */
export const isKaList = (v: unknown): v is string[] =>
  Array.isArray(v) &&
  v.length >= 1 &&
  v.length <= 8 &&
  v.every((k) => typeof k === "string" && /^[a-z0-9+]{1,32}$/.test(k));
