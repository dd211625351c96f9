// Environments the store contract suites run in: in-memory, and a real
// substrate server started in this process on SQLite or PostgreSQL (a random
// schema per test file, dropped afterwards). Each env is one fresh account;
// `newStores` builds NEW store instances on a NEW logged-in client, i.e. what a
// restarted process would get.

import { randomBytes } from "node:crypto";
import { SubstrateClient, type SubstrateClientOptions } from "@hsagent/substrate-client";
import {
  type AgentStores,
  createMemoryStores,
  createSubstrateStores,
  type IdentityRegistry,
  MemoryBackend,
  MemoryIdentityRegistry,
  SubstrateIdentityRegistry,
} from "../../src/index.js";
import { serverStarter } from "./servers.js";

export { pgAvailable, type ServerHandle } from "./servers.js";

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

/** Starts a server on SQLite (in memory) or PostgreSQL (random schema `t_stores_…`). */
export const startServer = serverStarter("t_stores");

/** A logged-in client on a new or existing account. */
export async function newClient(
  url: string,
  username: string,
  password: string,
  extra: Partial<Omit<SubstrateClientOptions, "baseUrl" | "credentials">> = {},
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
