// In-memory audit sink: blocks kept in the shared MemoryBackend. There is no
// hash chain to check in memory, so validate() reports the structure only.

import {
  type AuditBlockPayload,
  type AuditOptions,
  type AuditSink,
  BatchingAuditLog,
} from "../audit-core.js";
import type { AuditValidation } from "../types.js";
import type { MemoryBackend } from "./backend.js";

class MemoryAuditSink implements AuditSink {
  readonly #blocks: AuditBlockPayload[];

  constructor(blocks: AuditBlockPayload[]) {
    this.#blocks = blocks;
  }

  async write(payload: AuditBlockPayload): Promise<void> {
    this.#blocks.push(structuredClone(payload));
  }

  async readRecent(blocks: number): Promise<AuditBlockPayload[]> {
    return structuredClone(this.#blocks.slice(-blocks));
  }

  async validate(): Promise<AuditValidation> {
    return { isValid: true, errorMessage: null };
  }
}

/** A batching audit log kept in memory. */
export function createMemoryAuditLog(
  backend: MemoryBackend,
  agentId: string,
  options?: AuditOptions,
): BatchingAuditLog {
  let blocks = backend.audit.get(agentId);
  if (!blocks) {
    blocks = [];
    backend.audit.set(agentId, blocks);
  }
  return new BatchingAuditLog(new MemoryAuditSink(blocks), agentId, options);
}
