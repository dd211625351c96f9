// Audit sink over the substrate: each batch is one block (one JSON payload)
// appended to the agent's own chain `hsagent-audit-<agentId>`, shard 0. The
// server hash-links blocks, so validate() detects edited/removed/reordered
// blocks. Round-trips: append = 0 (buffered), one flush = 1 per batch,
// recent = 1 (+ a flush if events are pending), validate = 1, and once per process, beside the
// first write (in parallel, no added wait), 1 to mark the chain owner-write-only where offered. Blocks not written
// by our account are foreign (foreign.ts): skipped as events, listed by foreignBlocks().

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
import { type ForeignBlock, foreignBlock, isOwnBlock } from "./foreign.js";

class SubstrateAuditSink implements AuditSink {
  readonly #client: SubstrateClient;
  readonly #chain: string;
  #marked = false;

  constructor(client: SubstrateClient, agentId: string) {
    this.#client = client;
    this.#chain = auditChain(agentId);
  }

  async write(payload: AuditBlockPayload): Promise<void> {
    // The mark travels beside the first append (no extra wait); it only has to land once.
    const mark = this.#marked ? null : this.#markOwnerWriteOnly();
    await Promise.all([this.#client.appendBlock(this.#chain, CHAIN_SHARD, JSON.stringify(payload)), mark]);
  }

  beside(): Promise<void> | null {
    return this.#marked ? null : this.#markOwnerWriteOnly();
  }

  /** Ask the server to refuse other tenants' appends; a server without the extension (404) is fine. */
  async #markOwnerWriteOnly(): Promise<void> {
    try {
      await this.#client.setChainOwnerWriteOnly(this.#chain);
      this.#marked = true;
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) this.#marked = true;
      // Anything else (network, 5xx): the append below decides; marking is tried again next write.
    }
  }

  async #ownBlocks(blocks: number) {
    const list = await this.#client.recentBlocks(this.#chain, CHAIN_SHARD, blocks);
    const owner = this.#client.username;
    return {
      own: list.filter((b) => isOwnBlock(b, owner)),
      foreign: list.filter((b) => !isOwnBlock(b, owner)).map(foreignBlock),
    };
  }

  async foreignBlocks(blocks: number): Promise<ForeignBlock[]> {
    try {
      return (await this.#ownBlocks(blocks)).foreign;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return [];
      throw error;
    }
  }

  async readRecent(blocks: number): Promise<AuditBlockPayload[]> {
    const { own: list } = await this.#ownBlocks(blocks);
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

/** The substrate audit log: a {@link BatchingAuditLog} that can also list foreign blocks. */
export class SubstrateAuditLog extends BatchingAuditLog {
  readonly #sink: SubstrateAuditSink;

  constructor(client: SubstrateClient, agentId: string, options?: AuditOptions) {
    const sink = new SubstrateAuditSink(client, agentId);
    super(sink, agentId, options);
    this.#sink = sink;
  }

  /** Blocks among the last `blocks` of the chain that our account did not write (1 round-trip). */
  foreignBlocks(blocks = 1000): Promise<ForeignBlock[]> {
    return this.#sink.foreignBlocks(blocks);
  }
}

/** A batching audit log writing to `hsagent-audit-<agentId>` shard 0. */
export function createSubstrateAuditLog(
  client: SubstrateClient,
  agentId: string,
  options?: AuditOptions,
): SubstrateAuditLog {
  return new SubstrateAuditLog(client, agentId, options);
}
