// Check `audit`: the agent's audit trail. Four batches of two events are
// appended and flushed through the substrate AuditLog (one chain block per
// flush); reading back must return all eight events in order, no block may be
// foreign (written by another account: see @hsagent/stores foreign.ts), the
// chain must hold exactly four blocks, and the server-side hash-chain
// validation must pass. The chain (and its owner-write-only mark) is deleted
// afterwards.

import { randomUUID } from "node:crypto";
import { auditChain, CHAIN_SHARD, createSubstrateAuditLog } from "@hsagent/stores";
import { expect } from "../errors.js";
import type { CheckFn } from "./types.js";

const BATCHES = 4;
const PER_BATCH = 2;

/** The `audit` check. */
export const auditCheck: CheckFn = async (ctx) => {
  const { client, ledger } = ctx.requirePrimary();
  const agentId = randomUUID();
  const chain = auditChain(agentId);
  ledger.chain(chain, CHAIN_SHARD);
  // A long timer: only our explicit flushes write, so blocks = batches.
  const log = createSubstrateAuditLog(client, agentId, { flushIntervalMs: 3_600_000 });
  try {
    const sent: string[] = [];
    for (let batch = 0; batch < BATCHES; batch++) {
      for (let i = 0; i < PER_BATCH; i++) {
        const sid = `${ctx.runId}-${batch}-${i}`;
        sent.push(sid);
        log.append({ type: "SESSION_STARTED", sid, peer: "selftest", detail: { batch, i } });
      }
      await log.flush();
    }
    const back = await log.recent(100);
    const got = back.map((e) => e.sid ?? "");
    expect(got.length === sent.length, `read back ${got.length} of ${sent.length} audit events`);
    expect(got.join(",") === sent.join(","), "audit events read back out of order or altered");

    const foreign = await log.foreignBlocks();
    expect(
      foreign.length === 0,
      `the audit chain holds ${foreign.length} foreign block(s), written by ${[...new Set(foreign.map((f) => f.sourceAgent ?? "unknown"))].join(", ")}`,
    );
    const meta = await client.chainMetadata(chain, CHAIN_SHARD);
    expect(meta !== null, "the audit chain does not exist");
    expect(meta.blockCount === BATCHES, `the audit chain has ${meta.blockCount} blocks, expected ${BATCHES}`);
    const validation = await log.validate();
    expect(validation.isValid, `audit chain validation failed: ${validation.errorMessage ?? "invalid"}`);
  } finally {
    try {
      await log.close();
    } catch {
      // nothing pending matters: the chain is deleted next
    }
    await ledger.dropChain(client, chain, CHAIN_SHARD);
    // The log marked its chain owner-write-only (kept as an association on our server): remove it.
    await client.setChainOwnerWriteOnly(chain, false).catch(() => undefined);
  }
};
