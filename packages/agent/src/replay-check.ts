/**
 * The replay check of a peer's handshake (PROTOCOL.md §8), the one substrate write a handshake
 * waits for: the peer's durable high-water mark when the nonce store keeps one (one conditional
 * write per handshake, nothing to purge after the session), else the older per-nonce record.
 */
import { parseTimestampMs } from "@hsagent/crypto";
import type { NonceStore } from "@hsagent/stores";

let lastNow = 0;

/**
 * `Date.now()` that never repeats or goes back within this process (+1 ms when it would), so the
 * handshake timestamps an agent signs strictly increase (the peer's high-water mark, PROTOCOL.md
 * §8). A wall clock that jumped back by more than a second is followed rather than outrun.
 */
export function strictNow(): number {
  const now = Date.now();
  lastNow = now > lastNow || lastNow - now > 1000 ? now : lastNow + 1;
  return lastNow;
}

/** True when a wire timestamp carries no fraction of a second (HSAgent_2, v1 peers). */
export function isWholeSecond(timestamp: string): boolean {
  return !/[T ]?\d{2}:?\d{2}:?\d{2}[.,]\d/.test(timestamp);
}

/**
 * Resolves true when the handshake is fresh and durably recorded, false for a replay. The
 * timestamp was verified (signature, freshness window) by the machine before this check.
 */
export function checkReplay(
  nonces: NonceStore,
  peerIdentityObjId: string,
  check: { readonly nonce: string; readonly timestamp: string },
): Promise<boolean> {
  if (!nonces.admitHandshake) return nonces.recordIfNew(check.nonce, peerIdentityObjId);
  const ms = parseTimestampMs(check.timestamp);
  return nonces.admitHandshake(peerIdentityObjId, check.nonce, ms, {
    wholeSecond: isWholeSecond(check.timestamp),
  });
}

/**
 * Whether a v2 handshake's answer may go out before the durable check (PROTOCOL.md §8): only
 * when the store knows the peer's mark here and the handshake is above it (`localVerdict`
 * "fresh"). Right after a restart, for a peer whose mark this process never read, the answer
 * waits for the check as in v1.
 */
export function mayAnswerEarly(
  nonces: NonceStore,
  peerIdentityObjId: string,
  check: { readonly nonce: string; readonly timestamp: string },
): boolean {
  if (!nonces.localVerdict) return false;
  try {
    const ms = parseTimestampMs(check.timestamp);
    const verdict = nonces.localVerdict(peerIdentityObjId, check.nonce, ms, {
      wholeSecond: isWholeSecond(check.timestamp),
    });
    return verdict === "fresh";
  } catch {
    return false; // the durable check decides (and reports the bad input)
  }
}
