/**
 * The shared infrastructure of a fleet run, in this process: a real TCP relay and a real
 * substrate HTTP server on SQLite (temp dir) or PostgreSQL (a random schema, dropped at close).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RelayServer, startRelay } from "@hsagent/relay";
import { SubstrateClient } from "@hsagent/substrate-client";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import { dropSchema, randomSchema } from "@hsagent/substrate-server/testing";
import pg from "pg";
import type { Backend } from "./results.js";

/** Default PostgreSQL URL of the bench (overridden by HSAGENT_TEST_PG_URL). */
export const DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/test";

/** A relay + substrate pair with one tenant account for the fleet. */
export interface World {
  backend: Backend;
  substrate: RunningSubstrateServer;
  relay: RelayServer;
  account: { username: string; password: string };
  close(): Promise<void>;
}

/** A random lower-case identifier with a prefix (schema and account names). */
export const randomName = (prefix: string): string => randomSchema(prefix);

export { dropSchema };

/** Is PostgreSQL reachable at `url`? */
export async function pgReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Register (or log in to) the fleet's tenant account, so agent hosts can start in parallel. */
export async function ensureAccount(
  substrateUrl: string,
  account: { username: string; password: string },
): Promise<void> {
  const client = new SubstrateClient({ baseUrl: substrateUrl, credentials: account, autoRegister: true });
  await client.login();
}

/** Start a relay and a substrate server. Rate limits are off: one machine plays a whole fleet. */
export async function startWorld(backend: Backend, pgUrl = DEFAULT_PG_URL): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "hsagent-fleet-"));
  const schema = randomName("fleet");
  const substrate = await startSubstrateServer({
    host: "127.0.0.1",
    port: 0,
    db: backend === "postgres" ? pgUrl : `sqlite:${join(dir, "substrate.db")}`,
    ...(backend === "postgres" ? { pgSchema: schema } : {}),
    rateLimit: false,
    jwtSecret: randomBytes(32).toString("hex"),
  });
  const relay = await startRelay({ host: "127.0.0.1", port: 0, rateLimitPerMinute: 0 });
  const account = { username: randomName("tenant"), password: randomBytes(18).toString("base64url") };
  await ensureAccount(substrate.url, account);
  return {
    backend,
    substrate,
    relay,
    account,
    async close() {
      await relay.close();
      await substrate.close();
      if (backend === "postgres") await dropSchema(pgUrl, schema).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
