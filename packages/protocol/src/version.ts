/**
 * Version policy (PROTOCOL.md §5–§6): v2 by default; a blob without `"v":2` is legacy v1, accepted
 * only with `allowLegacy`, and never from a peer whose identity advertises protocol 2 (that is a
 * downgrade: someone stripped the `v`). An agent configured for `[1]` only behaves like HSAgent_2
 * and reads every blob as v1.
 */
import { acceptsV1, speaksV2 } from "./config.js";
import type { MachineContext, PeerIdentity, RejectReason } from "./types.js";

/** The session version for a verified blob of `blobVersion`, or why it is refused. */
export function decideVersion(
  ctx: MachineContext,
  blobVersion: 1 | 2,
  peer: PeerIdentity,
): { ok: true; version: 1 | 2 } | { ok: false; reason: RejectReason } {
  if (!speaksV2(ctx.config)) return { ok: true, version: 1 };
  if (blobVersion === 2) return { ok: true, version: 2 };
  if (peer.protocols?.includes(2)) return { ok: false, reason: "downgrade" };
  if (!acceptsV1(ctx.config)) return { ok: false, reason: "legacy-refused" };
  return { ok: true, version: 1 };
}

/** v1 has no transcript; its session id is a label derived from both handshake nonces. */
export function legacySid(initiatorNonce: string, responderNonce: string): string {
  return `${initiatorNonce.slice(0, 16)}${responderNonce.slice(0, 16)}`;
}
