/**
 * Two agents with fresh identities and one `PeerSession` each toward the other, with real crypto
 * on `backend` (default: native) injected through `ProtocolDeps`. Shared by the runnable example
 * and the bench.
 */
import { randomUUID } from "node:crypto";
import { type Backend, nativeBackend } from "@hsagent/crypto";
import { createPeerSession, type PeerIdentity, type PeerSession, type SelfIdentity } from "../src/index.js";

/** The pair: `selves[i]` is agent i, `machines[i]` its session toward the other. */
export interface AgentPair {
  selves: SelfIdentity[];
  machines: PeerSession[];
  /** What agent 1 - i's registry says about agent i (the pin and protocols). */
  identity(i: number): PeerIdentity;
}

/** Build the two agents, their crypto on `backend`. */
export function agentPair(backend: Backend = nativeBackend): AgentPair {
  const selves = [0, 1].map(() => ({ agentId: randomUUID(), signingKey: backend.generateSigningKey() }));
  const deps = { now: Date.now, randomBytes: (n: number) => backend.randomBytes(n), backend };
  const machines = [0, 1].map((i) =>
    createPeerSession({ self: selves[i]!, peerId: selves[1 - i]!.agentId, deps }),
  );
  const identity = (i: number): PeerIdentity => ({
    agentId: selves[i]!.agentId,
    signPubB64: selves[i]!.signingKey.publicKeyB64,
    protocols: [2, 1],
  });
  return { selves, machines, identity };
}
