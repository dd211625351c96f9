/**
 * Per-peer state: the pure machine of the (self, peer) pair, the lane its events run on one
 * after another (PROTOCOL.md §4), its timers, its write-behind milestone writer, and the memory
 * of late teardown copies (`LateCopies`, from the protocol). Created on a peer's first message.
 */

import {
  createPeerSession,
  LateCopies,
  lateCopyWindowMs,
  type PeerIdentity,
  type PeerSession,
} from "@hsagent/protocol";
import type { AgentIdentity } from "@hsagent/stores";
import { Lane } from "./lane.js";
import { MilestoneWriter } from "./milestones.js";
import { PeerRtt, RTO_MAX_FACTOR } from "./rto.js";
import { errorCode, type Runtime } from "./runtime.js";
import { PeerTimers } from "./timers.js";

/** One peer: its machine, lane, timers, milestone writer and late-copy memory. */
export interface PeerEntry {
  readonly id: string;
  /** The directory's current answer (re-read every identityTtlMs, refreshed on a pin mismatch). */
  identity: AgentIdentity;
  readonly machine: PeerSession;
  readonly lane: Lane;
  readonly timers: PeerTimers;
  readonly writer: MilestoneWriter;
  readonly lateCopies: LateCopies;
  lastPinRefresh: number;
  /** Round trips to this peer: the adaptive retransmit timeout (rto.ts). */
  readonly rtt: PeerRtt;
}

/**
 * A new peer entry (not yet in `rt.peers`). `onConflict` runs when another process owns the
 * peer's session state: the caller aborts the session on the peer's lane.
 */
export function createPeer(
  rt: Runtime,
  peerId: string,
  identity: AgentIdentity,
  onConflict: (entry: PeerEntry) => void,
): PeerEntry {
  const entry: PeerEntry = {
    id: peerId,
    identity,
    machine: createPeerSession({ self: rt.self!, peerId, config: rt.config, deps: rt.deps }),
    lane: new Lane(),
    timers: new PeerTimers(),
    writer: new MilestoneWriter(
      rt.stores,
      identity.identityObjId,
      {
        onConflict: (error) => {
          rt.log.warn({ peer: peerId, code: error.code }, "session state owned by another process: aborting");
          onConflict(entry);
        },
        onError: (error, what) => rt.log.warn({ peer: peerId, err: errorCode(error) }, `${what} failed`),
      },
      rt.config.milestoneDelayMs,
      () => rt.purgeCarriesAudit,
    ),
    // The peer's `finish` re-sends may be stretched up to RTO_MAX_FACTOR ticks apart (rto.ts).
    lateCopies: new LateCopies({
      now: Date.now,
      lateCopyWindowMs: lateCopyWindowMs({
        ...rt.config,
        retransmitMs: rt.config.retransmitMs * RTO_MAX_FACTOR,
      }),
    }),
    lastPinRefresh: 0,
    rtt: new PeerRtt(rt.rtt),
  };
  return entry;
}

/** How a peer is named in log lines: its display name, else its id. */
export function nameOf(entry: PeerEntry): string {
  return entry.identity.displayName || entry.id;
}

/** The peer's identity as its machine sees it (the pin and what it advertises). */
export function peerIdentity(entry: PeerEntry): PeerIdentity {
  const { signPubB64, protocols, keyAgreements } = entry.identity;
  return { agentId: entry.id, signPubB64, protocols, ...(keyAgreements ? { keyAgreements } : {}) };
}
