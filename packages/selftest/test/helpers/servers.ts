// Real substrate servers for the tests: SQLite in memory, or PostgreSQL in a
// random schema that is dropped afterwards (never the public schema). Without
// HSAGENT_TEST_PG_URL the PostgreSQL tests skip, except in CI where they fail.

import { randomBytes } from "node:crypto";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import pg from "pg";

export const PG_URL = process.env.HSAGENT_TEST_PG_URL;

/** Whether PostgreSQL tests run here; in CI a missing URL is a failure, not a skip. */
export function pgAvailable(): boolean {
  if (PG_URL) return true;
  if (process.env.CI === "true") throw new Error("HSAGENT_TEST_PG_URL must be set in CI");
  return false;
}

/** A running server and how to stop it (and drop its schema). */
export interface ServerHandle {
  readonly server: RunningSubstrateServer;
  readonly url: string;
  stop(): Promise<void>;
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Starts a substrate server. `realistic` keeps the server's production
 * defaults (scrypt cost, rate limits); otherwise password hashing is cheap and
 * rate limits are off so many runs fit in the test budget.
 */
export async function startServer(
  backend: "sqlite" | "postgres",
  options: { realistic?: boolean } = {},
): Promise<ServerHandle> {
  const common = options.realistic ? {} : { rateLimit: false as const, scrypt: { N: 1024, r: 8, p: 1 } };
  if (backend === "sqlite") {
    const server = await startSubstrateServer({ db: "sqlite::memory:", ...common });
    return { server, url: server.url, stop: () => server.close() };
  }
  const schema = `t_selftest_${randomBytes(6).toString("hex")}`;
  const server = await startSubstrateServer({ db: PG_URL!, pgSchema: schema, ...common });
  return {
    server,
    url: server.url,
    stop: async () => {
      await server.close();
      await dropSchema(schema);
    },
  };
}
