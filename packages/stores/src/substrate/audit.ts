// Audit sink over the substrate: each batch is one block (one JSON payload)
// appended to the agent's own chain `hsagent-audit-<agentId>`, shard 0. The
// server hash-links blocks, so validate() detects edited/removed/reordered
// blocks. Round-trips: append = 0 (buffered), one flush = 1 per batch,
// recent = 1 (+ a flush if events are pending), validate = 1.

import { ApiError, bytesToJson, type SubstrateClient } from "@hsagent/substrate-client";
import {
  type AuditBlockPayload,
  type AuditOptions,
  type AuditSink,
  BatchingAuditLog,
  parseAuditPayload,
} from "../audit-core.js";
import { auditChain, CHAIN_SHARD } from "../layout.js";
import type { AuditValidation } from "../types.js";

class SubstrateAuditSink implements AuditSink {
  readonly #client: SubstrateClient;
  readonly #chain: string;

  constructor(client: SubstrateClient, agentId: string) {
    this.#client = client;
    this.#chain = auditChain(agentId);
  }

  async write(payload: AuditBlockPayload): Promise<void> {
    await this.#client.appendBlock(this.#chain, CHAIN_SHARD, JSON.stringify(payload));
  }

  async readRecent(blocks: number): Promise<AuditBlockPayload[]> {
    const list = await this.#client.recentBlocks(this.#chain, CHAIN_SHARD, blocks);
    const ordered = [...list].sort((a, b) => {
      const x = BigInt(a.blockIdx);
      const y = BigInt(b.blockIdx);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const out: AuditBlockPayload[] = [];
    for (const block of ordered) {
      for (const raw of block.payloads) {
        try {
          const parsed = parseAuditPayload(bytesToJson(raw));
          if (parsed) out.push(parsed);
        } catch {
          // A foreign, non-JSON payload in our chain: skip it.
        }
      }
    }
    return out;
  }

  async validate(): Promise<AuditValidation> {
    try {
      const v = await this.#client.validateChain(this.#chain, CHAIN_SHARD);
      return { isValid: v.isValid, errorMessage: v.errorMessage };
    } catch (error) {
      // No chain yet: an empty log is valid.
      if (error instanceof ApiError && error.status === 404) return { isValid: true, errorMessage: null };
      throw error;
    }
  }
}

/** A batching audit log writing to `hsagent-audit-<agentId>` shard 0. */
export function createSubstrateAuditLog(
  client: SubstrateClient,
  agentId: string,
  options?: AuditOptions,
): BatchingAuditLog {
  return new BatchingAuditLog(new SubstrateAuditSink(client, agentId), agentId, options);
}
