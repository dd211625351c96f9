// Environments the store contract suites run in: in-memory, and a real
// substrate server started in this process on SQLite or PostgreSQL (a random
// schema per test file, dropped afterwards). Each env is one fresh account;
// `newStores` builds NEW store instances on a NEW logged-in client, i.e. what a
// restarted process would get.

import { randomBytes } from "node:crypto";
import { SubstrateClient } from "@hsagent/substrate-client";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import pg from "pg";
import {
  type AgentStores,
  createMemoryStores,
  createSubstrateStores,
  type IdentityRegistry,
  MemoryBackend,
  MemoryIdentityRegistry,
  SubstrateIdentityRegistry,
} from "../../src/index.js";

/** One account's worth of stores. */
export interface StoreEnv {
  readonly kind: "memory" | "substrate";
  /** A new identity registry on the account (fresh cache). */
  newRegistry(): Promise<IdentityRegistry>;
  /** New stores for an agent of the account (a "restarted process"). */
  newStores(
    agentId: string,
    identityObjId: string,
    audit?: { flushIntervalMs?: number },
  ): Promise<AgentStores>;
  /** The substrate client of the latest newStores()/newRegistry() (substrate only). */
  lastClient: SubstrateClient | null;
}

export type EnvFactory = () => Promise<StoreEnv>;

/** In-memory env. */
export function memoryEnv(): EnvFactory {
  return async () => {
    const backend = new MemoryBackend();
    const env: StoreEnv = {
      kind: "memory",
      lastClient: null,
      newRegistry: async () => new MemoryIdentityRegistry(backend),
      newStores: async (agentId, identityObjId, audit) =>
        createMemoryStores({ agentId, identityObjId, backend, ...(audit ? { audit } : {}) }),
    };
    return env;
  };
}

export const PG_URL = process.env.HSAGENT_TEST_PG_URL;

/** Whether PG tests run here; in CI a missing URL is a failure, not a skip. */
export function pgAvailable(): boolean {
  if (PG_URL) return true;
  if (process.env.CI === "true") throw new Error("HSAGENT_TEST_PG_URL must be set in CI");
  return false;
}

/** Drops a test schema. */
export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

/** A substrate server for one test file. */
export interface ServerHandle {
  server: RunningSubstrateServer;
  stop(): Promise<void>;
}

/** Starts a server on SQLite (in memory) or PostgreSQL (random schema). */
export async function startServer(
  backend: "sqlite" | "postgres",
  extra: { tokenTtlSeconds?: number } = {},
): Promise<ServerHandle> {
  const common = { rateLimit: false as const, logger: false, scrypt: { N: 1024, r: 8, p: 1 }, ...extra };
  if (backend === "sqlite") {
    const server = await startSubstrateServer({ db: "sqlite::memory:", ...common });
    return { server, stop: () => server.close() };
  }
  const schema = `t_stores_${randomBytes(6).toString("hex")}`;
  const server = await startSubstrateServer({ db: PG_URL!, pgSchema: schema, ...common });
  return {
    server,
    stop: async () => {
      await server.close();
      await dropSchema(schema);
    },
  };
}

/** A logged-in client on a new or existing account. */
export async function newClient(
  url: string,
  username: string,
  password: string,
  extra: { fetch?: typeof globalThis.fetch } = {},
): Promise<SubstrateClient> {
  const client = new SubstrateClient({
    baseUrl: url,
    credentials: { username, password },
    autoRegister: true,
    ...extra,
  });
  await client.login();
  return client;
}

/** Substrate env factory over a running server: each env is a fresh account. */
export function substrateEnv(getUrl: () => string): EnvFactory {
  return async () => {
    const username = `u${randomBytes(6).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    const env: StoreEnv = {
      kind: "substrate",
      lastClient: null,
      newRegistry: async () => {
        const client = await newClient(getUrl(), username, password);
        env.lastClient = client;
        return new SubstrateIdentityRegistry(client);
      },
      newStores: async (agentId, identityObjId, audit) => {
        const client = await newClient(getUrl(), username, password);
        env.lastClient = client;
        return createSubstrateStores(client, { agentId, identityObjId, ...(audit ? { audit } : {}) });
      },
    };
    return env;
  };
}
