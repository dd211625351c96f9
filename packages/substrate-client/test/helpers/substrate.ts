// A real substrate server for this package's tests and bench (SQLite in memory, cheap password
// hashing, no rate limits: @hsagent/substrate-server/testing), and logged-in clients on fresh
// accounts.

import { randomBytes } from "node:crypto";
import { startTestSubstrate, type TestSubstrate } from "@hsagent/substrate-server/testing";
import { SubstrateClient, type SubstrateClientOptions } from "../../src/index.js";

/** Starts a server on SQLite in memory; `options` override any server option. */
export function startSqlite(options: Parameters<typeof startTestSubstrate>[1] = {}): Promise<TestSubstrate> {
  return startTestSubstrate("sqlite", options);
}

/** A new account's credentials: `<prefix><12 hex>` and a random password. */
export function newAccount(prefix = "c"): { username: string; password: string } {
  return {
    username: `${prefix}${randomBytes(6).toString("hex")}`,
    password: randomBytes(12).toString("hex"),
  };
}

/** A client logged in to a new account on `baseUrl` (auto-registered); `options` override the defaults. */
export async function freshClient(
  baseUrl: string,
  options: Partial<SubstrateClientOptions> = {},
): Promise<SubstrateClient> {
  const client = new SubstrateClient({ baseUrl, credentials: newAccount(), autoRegister: true, ...options });
  await client.login();
  return client;
}
