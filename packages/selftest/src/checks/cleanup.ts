// Check `cleanup`: the selftest leaves nothing behind. Whatever a failed check
// did not delete is swept from the ledger, then each temporary account must be
// empty on the server: no objects, no associations, no chains. (The accounts
// themselves stay: the substrate API has no way to delete an account.)

import type { TempAccount } from "../context.js";
import { CheckFailure, NotRunError } from "../errors.js";
import type { CheckFn } from "./types.js";

function countOf(value: unknown): number | null {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^[0-9]+$/.test(value)) return Number(value);
  return null;
}

async function leftovers(account: TempAccount, label: string): Promise<string[]> {
  const out: string[] = [];
  const failures = await account.ledger.sweep(account.client);
  if (failures > 0) out.push(`${label}: ${failures} resource(s) could not be deleted`);
  const stats = await account.client.objectStats();
  const objects = countOf(stats.objectCount);
  const associations = countOf(stats.associationCount);
  if (objects !== null && objects > 0) out.push(`${label}: ${objects} object(s) left`);
  if (associations !== null && associations > 0) out.push(`${label}: ${associations} association(s) left`);
  const chains = countOf((await account.client.chainStats()).count);
  if (chains !== null && chains > 0) out.push(`${label}: ${chains} chain(s) left`);
  return out;
}

/** The `cleanup` check (runs last). */
export const cleanupCheck: CheckFn = async (ctx) => {
  if (!ctx.primary) throw new NotRunError("not run: no temporary account (the login check failed)");
  const problems = await leftovers(ctx.primary, "account 1");
  if (ctx.secondary) problems.push(...(await leftovers(ctx.secondary, "account 2")));
  if (problems.length > 0) throw new CheckFailure(problems.join("; "));
};
