// Foreign blocks in an agent's own chains. On the hosted API anyone may append to any tenant's chain,
// so a block in `hsagent-audit-<agentId>` or a nonce journal is the agent's own only if the server
// says the account wrote it: `system.sourceAgent` is the owner's username, or `<username>/agent:<id>`
// for an agent-key session of that account. Any other block is foreign: readers count and show it,
// and never take it as the agent's own event.

import type { ChainBlock } from "@hsagent/substrate-client";

/** A block that someone other than the chain's owner wrote. */
export interface ForeignBlock {
  readonly blockIdx: string;
  /** Who the server says wrote it (null if it did not say). */
  readonly sourceAgent: string | null;
  readonly createdAt: string | null;
}

/** The block's `system.sourceAgent`, or null. */
export function blockSource(block: ChainBlock): string | null {
  const s = block.system?.sourceAgent;
  return typeof s === "string" ? s : null;
}

/** Whether `owner` (a username) wrote `block`. */
export function isOwnBlock(block: ChainBlock, owner: string): boolean {
  const s = blockSource(block);
  return s !== null && (s === owner || s.startsWith(`${owner}/`));
}

/** Describe a foreign block for readers. */
export function foreignBlock(block: ChainBlock): ForeignBlock {
  return { blockIdx: block.blockIdx, sourceAgent: blockSource(block), createdAt: block.createdAt };
}
