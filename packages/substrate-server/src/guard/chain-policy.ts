// Owner-write-only chains. An owner may mark a chain (by name, all shards) so that only the owner's
// own sessions (password or agent keys of that account) may append or prepend to it; anyone else
// gets 403. Unmarked chains keep the hosted API's semantics (any tenant may write). The mark is kept
// through the ordinary store interface, as an association of the reserved type `~chain-policy` in
// the owner's tenant (source 0, target = a 63-bit hash of the chain name, data = the name), so both
// backends support it without a schema change.

import { createHash } from "node:crypto";
import type { SubstrateStore } from "../store/types.js";

/** Association type holding owner-write-only marks. */
export const CHAIN_POLICY_TYPE = "~chain-policy";

/** The association target id for a chain name. */
export function chainPolicyTarget(name: string): bigint {
  const d = createHash("sha256").update(name, "utf8").digest();
  return d.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
}

/** Whether chain `name` of the tenant with account id `accountId` is owner-write-only. */
export async function isOwnerWriteOnly(
  store: SubstrateStore,
  accountId: bigint,
  name: string,
): Promise<boolean> {
  const rows = await store.listAssociations(accountId, CHAIN_POLICY_TYPE, 0n, {
    targetId: chainPolicyTarget(name),
    limit: 1,
  });
  return rows.some((r) => r.data.toString("utf8") === name);
}

/** Mark (or unmark) chain `name` of tenant `accountId` as owner-write-only. */
export async function setOwnerWriteOnly(
  store: SubstrateStore,
  accountId: bigint,
  name: string,
  on: boolean,
  now: number = Date.now(),
): Promise<void> {
  const targetId = chainPolicyTarget(name);
  if (!on) {
    await store.deleteAssociation(accountId, CHAIN_POLICY_TYPE, 0n, targetId);
    return;
  }
  await store.putAssociation({
    tenant: accountId,
    type: CHAIN_POLICY_TYPE,
    sourceId: 0n,
    targetId,
    time: BigInt(now),
    position: BigInt(now),
    data: Buffer.from(name, "utf8"),
  });
}
