// The substrate layout shared with HSAgent_2 (SUBSTRATE-API.md §6). These
// names MUST stay as listed: HSAgent_2 agents find peers through them.

/** BOSS object types. */
export const ObjectTypes = {
  AgentIdentity: 7001,
  AgentSecretVault: 7002,
  NonceMarker: 7004,
  HandshakeSessionState: 7005,
  /** A peer's replay high-water mark (hsagent only; 7006 was HSAgent_2's receive-half state). */
  ReplayMark: 7007,
} as const;

/** Association from the account id to each of its identities (attrs `{agentId}`). */
export const OWNS_AGENT_IDENTITY = "owns_agent_identity";
/** Association from an identity to its vault. */
export const HAS_SECRET_VAULT = "has_secret_vault";
/** Association from our identity to each session state object (attrs `{role}`). */
export const HAS_HANDSHAKE_WITH = "has_handshake_with";

/** Association type of one session state: `hs_session-<role>-<peerIdentityObjId>`. */
export function sessionAssocType(role: string, peerIdentityObjId: string): string {
  return `hs_session-${role}-${peerIdentityObjId}`;
}

/**
 * Association from our identity to each spare NonceMarker (hsagent only; not read by HSAgent_2):
 * a marker written ahead of the nonce it will hold, so recording a nonce is one round-trip wait.
 */
export const HAS_NONCE_SPARE = "has_nonce_spare";

/** Association from our identity to a peer's ReplayMark: `replay_mark-<peerIdentityObjId>`. */
export function replayMarkAssocType(peerIdentityObjId: string): string {
  return `replay_mark-${peerIdentityObjId}`;
}

/** Association type marking a seen nonce: `nonce_seen-<nonce>`. */
export function nonceAssocType(nonce: string): string {
  return `nonce_seen-${nonce}`;
}

/** Nonce journal chain: `nonce-journal-<selfAgentId>-<peerIdentityObjId>`. */
export function nonceJournalChain(selfAgentId: string, peerIdentityObjId: string): string {
  return `nonce-journal-${selfAgentId}-${peerIdentityObjId}`;
}

/** Audit chain of an agent: `hsagent-audit-<agentId>` (shard 0). */
export function auditChain(agentId: string): string {
  return `hsagent-audit-${agentId}`;
}

/** Shard of the audit and journal chains. */
export const CHAIN_SHARD = 0;

/** URL-safe name rule of association types and chain names. */
export const NAME_RE = /^[A-Za-z0-9_.~-]{1,255}$/;
