// Public API of @hsagent/stores: the agent's state model over the substrate
// (identity registry + vault hydration, session milestones, replay-protected
// nonces, batched audit log), each with an in-memory twin.

import { randomUUID } from "node:crypto";
import type { SubstrateClient } from "@hsagent/substrate-client";
import type { AuditOptions } from "./audit-core.js";
import { StoreError } from "./errors.js";
import { assertObjId, isAgentIdLike } from "./guard.js";
import { createMemoryAuditLog } from "./memory/audit.js";
import { MemoryBackend } from "./memory/backend.js";
import { MemoryIdentityRegistry } from "./memory/identity.js";
import { MemoryNonceStore } from "./memory/nonces.js";
import { MemorySessionStore } from "./memory/sessions.js";
import { createSubstrateAuditLog } from "./substrate/audit.js";
import { SubstrateIdentityRegistry } from "./substrate/identity.js";
import { SubstrateNonceStore } from "./substrate/nonces.js";
import { SubstrateSessionStore } from "./substrate/sessions.js";
import type { AgentStores, IdentityRegistry } from "./types.js";

export { type AuditBlockPayload, type AuditOptions, BatchingAuditLog } from "./audit-core.js";
export { IdentityError, SessionConflictError, StoreError } from "./errors.js";
export { DEFAULT_PROTOCOLS } from "./identity-codec.js";
export {
  auditChain,
  CHAIN_SHARD,
  HAS_HANDSHAKE_WITH,
  HAS_SECRET_VAULT,
  nonceAssocType,
  nonceJournalChain,
  ObjectTypes,
  OWNS_AGENT_IDENTITY,
  sessionAssocType,
} from "./layout.js";
export { createMemoryAuditLog } from "./memory/audit.js";
export { MemoryBackend } from "./memory/backend.js";
export { MemoryIdentityRegistry } from "./memory/identity.js";
export { MemoryNonceStore } from "./memory/nonces.js";
export { MemorySessionStore } from "./memory/sessions.js";
export { DEFAULT_NONCE_CACHE_TTL_MS } from "./nonce-cache.js";
export { createSubstrateAuditLog, SubstrateAuditLog } from "./substrate/audit.js";
export { type ForeignBlock, isOwnBlock } from "./substrate/foreign.js";
export { type SubstrateIdentityOptions, SubstrateIdentityRegistry } from "./substrate/identity.js";
export { type SubstrateNonceOptions, SubstrateNonceStore } from "./substrate/nonces.js";
export { SubstrateSessionStore, type SubstrateSessionStoreOptions } from "./substrate/sessions.js";
export type * from "./types.js";

/** Which agent the per-agent stores belong to. */
export interface AgentStoreOptions {
  /** Our agentId (UUID). */
  readonly agentId: string;
  /** Our AgentIdentity object id. */
  readonly identityObjId: string;
  /** Reuse an identity registry (and its peer cache); default a new one. */
  readonly identity?: IdentityRegistry;
  /** Nonce cache window, ms (default 120000). */
  readonly nonceCacheTtlMs?: number;
  /** Audit batching options. */
  readonly audit?: AuditOptions;
  /** See {@link SessionStoreOptions.exclusiveWriter} (default false). */
  readonly exclusiveSessions?: boolean;
}

function checkAgent(options: AgentStoreOptions): void {
  if (!isAgentIdLike(options.agentId)) throw new StoreError("agentId must be URL-safe", "INVALID_ARGUMENT");
  assertObjId(options.identityObjId, "identityObjId");
}

/**
 * The four stores of one agent over a logged-in substrate client.
 * Typical start: `new SubstrateIdentityRegistry(client).hydrateOrProvision(name, passphrase)`,
 * then `createSubstrateStores(client, {agentId, identityObjId, identity: registry})`.
 */
export function createSubstrateStores(client: SubstrateClient, options: AgentStoreOptions): AgentStores {
  checkAgent(options);
  const audit = createSubstrateAuditLog(client, options.agentId, options.audit);
  return {
    identity: options.identity ?? new SubstrateIdentityRegistry(client),
    sessions: new SubstrateSessionStore(client, options.agentId, options.identityObjId, {
      exclusiveWriter: options.exclusiveSessions ?? false,
      audit,
    }),
    nonces: new SubstrateNonceStore(client, options.agentId, options.identityObjId, {
      ...(options.nonceCacheTtlMs !== undefined ? { cacheTtlMs: options.nonceCacheTtlMs } : {}),
      audit,
    }),
    audit,
  };
}

/**
 * The four stores of one agent in memory. Pass the same `backend` to several
 * calls to let agents see each other (one "account") or to simulate a restart.
 * Without options: a fresh backend, a random agentId and identityObjId "0".
 */
export function createMemoryStores(
  options: Partial<AgentStoreOptions> & { readonly backend?: MemoryBackend } = {},
): AgentStores & { readonly backend: MemoryBackend } {
  const resolved: AgentStoreOptions = {
    ...options,
    agentId: options.agentId ?? randomUUID(),
    identityObjId: options.identityObjId ?? "0",
  };
  checkAgent(resolved);
  const backend = options.backend ?? new MemoryBackend();
  return {
    backend,
    identity: options.identity ?? new MemoryIdentityRegistry(backend),
    sessions: new MemorySessionStore(backend, resolved.agentId, {
      exclusiveWriter: options.exclusiveSessions ?? false,
    }),
    nonces: new MemoryNonceStore(backend, resolved.agentId, {
      ...(options.nonceCacheTtlMs !== undefined ? { cacheTtlMs: options.nonceCacheTtlMs } : {}),
    }),
    audit: createMemoryAuditLog(backend, resolved.agentId, options.audit),
  };
}
