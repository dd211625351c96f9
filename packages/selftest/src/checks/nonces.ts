// Check `nonces`: replay protection through the substrate NonceStore
// (HSAgent_2's HybridNonceStore layout). A new nonce is recorded (true), the
// same nonce again is a replay (false), and a NEW store instance on a NEW
// login — a restarted agent with an empty cache — still sees it as seen and
// refuses to record it; the journal chain holds exactly one NONCE_SEEN entry.
// Markers, associations and the journal are purged afterwards.

import { randomUUID } from "node:crypto";
import { randomNonceHex } from "@hsagent/crypto";
import { CHAIN_SHARD, nonceJournalChain, SubstrateNonceStore } from "@hsagent/stores";
import { fromUtf8 } from "@hsagent/substrate-client";
import { expect } from "../errors.js";
import type { CheckFn } from "./types.js";

/** The `nonces` check. */
export const noncesCheck: CheckFn = async (ctx) => {
  const account = ctx.requirePrimary();
  const { client, ledger } = account;
  const agentId = randomUUID();
  const identityObjId = ctx.randomId();
  const peer = ctx.randomId();
  const journal = nonceJournalChain(agentId, peer);
  ledger.chain(journal, CHAIN_SHARD);
  const nonce = randomNonceHex();

  const first = new SubstrateNonceStore(client, agentId, identityObjId);
  let restarted: SubstrateNonceStore | null = null;
  try {
    expect(!(await first.exists(nonce)), "a fresh random nonce is reported as seen");
    expect(await first.recordIfNew(nonce, peer), "a new nonce was not recorded (reported as a replay)");
    expect(
      !(await first.recordIfNew(nonce, peer)),
      "the same nonce a second time was not detected as a replay",
    );

    const client2 = await ctx.relogin(account);
    restarted = new SubstrateNonceStore(client2, agentId, identityObjId);
    expect(await restarted.exists(nonce), "a new store instance does not see the recorded nonce");
    expect(
      !(await restarted.recordIfNew(nonce, peer)),
      "a new store instance accepted a replayed nonce (not persisted in the substrate)",
    );

    const blocks = await client.recentBlocks(journal, CHAIN_SHARD, 100);
    const entries = blocks
      .flatMap((b) => b.payloads)
      .map((p) => fromUtf8(p))
      .filter((t) => t.includes("NONCE_SEEN") && t.includes(nonce));
    expect(entries.length === 1, `the nonce journal holds ${entries.length} NONCE_SEEN entries, expected 1`);
  } finally {
    // Purge through both instances: each deletes the markers it wrote; the journal scan finds the rest.
    for (const store of [first, restarted]) {
      if (!store) continue;
      try {
        await store.purgePeer(peer, { scanJournal: true });
      } catch {
        // left for the final sweep / cleanup check
      }
    }
    ledger.chainGone(journal, CHAIN_SHARD);
  }
};
