/**
 * Test wiring: a real substrate server (SQLite in a temp dir, or PostgreSQL in a random schema),
 * a real TCP relay, and agents over them; plus small waiting helpers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RelayServer, startRelay } from "@hsagent/relay";
import { SubstrateIdentityRegistry, SubstrateSessionStore } from "@hsagent/stores";
import { SubstrateClient } from "@hsagent/substrate-client";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import type { Logger } from "pino";
import { afterAll, beforeAll } from "vitest";
import { type Agent, type AgentConfig, type AgentHooks, createAgent } from "../src/index.js";

/** Fast timers for tests. */
export const FAST: Partial<AgentConfig> = {
  registerIntervalMs: 200,
  retransmitMs: 400,
  sessionTimeoutMs: 8000,
};

export { dropSchema, randomSchema, testPgUrl as pgUrl } from "@hsagent/substrate-server/testing";

/** A substrate server + relay for in-process tests. */
export interface World {
  substrate: RunningSubstrateServer;
  relay: RelayServer;
  dir: string;
  /** A logged-in client of the shared test account (auto-registered). */
  client(options?: { fetch?: typeof globalThis.fetch }): SubstrateClient;
  close(): Promise<void>;
}

/** Start a SQLite (default) or PostgreSQL substrate and a relay on loopback. */
export async function startWorld(options: { pg?: { url: string; schema: string } } = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "hsagent-agent-"));
  const substrate = await startSubstrateServer({
    host: "127.0.0.1",
    port: 0,
    db: options.pg ? options.pg.url : `sqlite:${join(dir, "substrate.db")}`,
    ...(options.pg ? { pgSchema: options.pg.schema } : {}),
    rateLimit: false,
    sqliteSynchronous: "NORMAL",
    jwtSecret: "x".repeat(48),
  });
  const relay = await startRelay({ host: "127.0.0.1", port: 0, rateLimitPerMinute: 0 });
  const username = `tenant${Math.random().toString(36).slice(2, 10)}`;
  return {
    substrate,
    relay,
    dir,
    client: (options = {}) =>
      new SubstrateClient({
        baseUrl: substrate.url,
        credentials: { username, password: "test-password-1234" },
        autoRegister: true,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    async close() {
      await relay.close();
      await substrate.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A world for the enclosing `describe` block: started before its tests and closed after them
 * (after `cleanup`, e.g. stopping the block's agents). Call the returned function in the tests.
 */
export function useWorld(cleanup?: () => Promise<unknown>): () => World {
  let world: World | undefined;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await cleanup?.();
    await world?.close();
  });
  return () => {
    if (!world) throw new Error("the world is not started");
    return world;
  };
}

/** What {@link startAgent} can add besides settings. */
export interface StartOptions {
  hooks?: AgentHooks;
  /** The substrate client's fetch (fault injection). */
  fetch?: typeof globalThis.fetch;
  logger?: Logger;
}

/** Start an agent on the world's relay and substrate (FAST timers under `config`). */
export async function startAgent(
  world: World,
  name: string,
  config: Partial<AgentConfig> = {},
  options: StartOptions = {},
): Promise<Agent> {
  const { hooks, fetch, logger } = options;
  const agent = createAgent({
    name,
    relay: { host: world.relay.address.host, port: world.relay.address.port },
    substrate: { client: world.client(fetch ? { fetch } : {}) },
    vaultPassphrase: `passphrase-of-${name}`,
    config: { ...FAST, ...config },
    ...(hooks ? { hooks } : {}),
    ...(logger ? { logger } : {}),
  });
  await agent.start();
  return agent;
}

/**
 * A fetch for fault injection: `intercept` sees each request first and may answer it (or delay
 * it); null passes it on to the real fetch.
 */
export function interceptFetch(
  intercept: (url: string, method: string, body: string) => Response | null | Promise<Response | null>,
): typeof globalThis.fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    const body =
      typeof init?.body === "string"
        ? init.body
        : input instanceof Request && method === "POST"
          ? await input.clone().text()
          : "";
    return (await intercept(url, method, body)) ?? fetch(input, init);
  };
}

/** Resolve when `predicate` holds (polled every 20 ms), or throw after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 15_000,
  what = "condition",
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sleep. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Session states an agent has in the substrate, read WITHOUT starting it (a started agent purges
 * stale sessions at start-up, which would hide leftovers).
 */
export async function leftoverSessions(world: World, name: string): Promise<number> {
  const client = world.client();
  await client.login();
  const registry = new SubstrateIdentityRegistry(client);
  const me = await registry.hydrate(name, `passphrase-of-${name}`);
  if (!me) throw new Error(`no agent named ${name}`);
  const sessions = new SubstrateSessionStore(client, me.identity.agentId, me.identity.identityObjId);
  return (await sessions.list()).length;
}
