// Real substrate servers for the tests of stores and of selftest (which imports this file):
// SQLite in memory, or PostgreSQL in a random schema that is dropped afterwards (never the public
// schema). Without HSAGENT_TEST_PG_URL the PostgreSQL tests skip, except in CI where they fail.

import { startTestSubstrate, type TestSubstrate, testPgUrl } from "@hsagent/substrate-server/testing";
import { afterAll, beforeAll } from "vitest";

/** Whether PostgreSQL tests run here; in CI a missing URL is a failure, not a skip. */
export function pgAvailable(): boolean {
  return testPgUrl() !== null;
}

/** A running test server and how to stop it (and drop its schema). */
export type ServerHandle = TestSubstrate;

/** Options of a started server: any server option, and `realistic` (production scrypt and rate limits). */
export type ServerOptions = Omit<NonNullable<Parameters<typeof startTestSubstrate>[1]>, "schemaPrefix">;

/** `startServer(backend, options)` for one package's tests, its PostgreSQL schemas named `<schemaPrefix>_…`. */
export function serverStarter(
  schemaPrefix: string,
): (backend: "sqlite" | "postgres", options?: ServerOptions) => Promise<ServerHandle> {
  return (backend, options = {}) => startTestSubstrate(backend, { ...options, schemaPrefix });
}

/**
 * A server that `start` starts before the tests of the calling file (or describe block) and that is
 * stopped after them; read `url` and `server` inside the tests.
 */
export function serverDuringTests(start: () => Promise<ServerHandle>): Pick<ServerHandle, "url" | "server"> {
  let handle: ServerHandle | undefined;
  beforeAll(async () => {
    handle = await start();
  });
  afterAll(() => handle?.stop());
  const started = (): ServerHandle => {
    if (!handle) throw new Error("the test server is not running");
    return handle;
  };
  return {
    get url() {
      return started().url;
    },
    get server() {
      return started().server;
    },
  };
}
