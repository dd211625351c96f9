// What tests and benches need to run a real substrate server on PostgreSQL: the test database's
// URL (which CI must provide), fresh schema names, and dropping a schema afterwards. Exported as
// the `@hsagent/substrate-server/testing` subpath so every package's tests share one copy.

import { randomBytes } from "node:crypto";
import pg from "pg";
import { type RunningSubstrateServer, type SubstrateServerOptions, startSubstrateServer } from "./server.js";

/**
 * The PostgreSQL URL for tests (`HSAGENT_TEST_PG_URL`), or null when it is unset and the
 * PostgreSQL tests should skip. With `CI=true` an unset URL throws instead: in CI the
 * PostgreSQL tests must run, never skip.
 */
export function testPgUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  const url = env.HSAGENT_TEST_PG_URL;
  if (url) return url;
  if (env.CI === "true")
    throw new Error("HSAGENT_TEST_PG_URL must be set in CI: PostgreSQL tests may not be skipped");
  return null;
}

/** A fresh lower-case name `<prefix>_<time>_<random>`, usable as a PostgreSQL schema or account name. */
export function randomSchema(prefix = "t"): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

/** Drop a schema and everything in it (no error if it does not exist). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A substrate server started by {@link startTestSubstrate}, and how to stop it. */
export interface TestSubstrate {
  readonly server: RunningSubstrateServer;
  readonly url: string;
  /** Close the server and drop its PostgreSQL schema, if it has one. */
  stop(): Promise<void>;
}

/**
 * Start a real substrate server for a test: SQLite in memory, or PostgreSQL (the URL of
 * {@link testPgUrl}) in a fresh schema that `stop()` drops. Unless `realistic` is set, password
 * hashing is cheap and rate limits are off so that many accounts fit in a test's budget;
 * `options` override any server option.
 */
export async function startTestSubstrate(
  backend: "sqlite" | "postgres",
  options: Partial<SubstrateServerOptions> & { realistic?: boolean; schemaPrefix?: string } = {},
): Promise<TestSubstrate> {
  const { realistic, schemaPrefix, ...overrides } = options;
  const cheap = realistic
    ? {}
    : { rateLimit: false as const, logger: false, scrypt: { N: 1024, r: 8, p: 1 } };
  if (backend === "sqlite") {
    const server = await startSubstrateServer({ db: "sqlite::memory:", ...cheap, ...overrides });
    return { server, url: server.url, stop: () => server.close() };
  }
  const url = testPgUrl();
  if (url === null) throw new Error("startTestSubstrate: HSAGENT_TEST_PG_URL is not set");
  const schema = randomSchema(schemaPrefix ?? "t");
  const server = await startSubstrateServer({ db: url, pgSchema: schema, ...cheap, ...overrides });
  return {
    server,
    url: server.url,
    stop: async () => {
      await server.close();
      await dropSchema(url, schema);
    },
  };
}
