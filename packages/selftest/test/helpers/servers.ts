// Real substrate servers for the tests: SQLite in memory, or PostgreSQL in a
// random schema that is dropped afterwards (never the public schema). Without
// HSAGENT_TEST_PG_URL the PostgreSQL tests skip, except in CI where they fail.

import { startTestSubstrate, type TestSubstrate, testPgUrl } from "@hsagent/substrate-server/testing";

/** Whether PostgreSQL tests run here; in CI a missing URL is a failure, not a skip. */
export function pgAvailable(): boolean {
  return testPgUrl() !== null;
}

/** A running server and how to stop it (and drop its schema). */
export type ServerHandle = TestSubstrate;

/**
 * Starts a substrate server. `realistic` keeps the server's production
 * defaults (scrypt cost, rate limits); otherwise password hashing is cheap and
 * rate limits are off so many runs fit in the test budget.
 */
export function startServer(
  backend: "sqlite" | "postgres",
  options: { realistic?: boolean } = {},
): Promise<ServerHandle> {
  return startTestSubstrate(backend, { ...options, schemaPrefix: "t_selftest" });
}
