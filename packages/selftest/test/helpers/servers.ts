// Real substrate servers for the selftest tests: the stores tests' helper, with schemas of our own
// (`t_selftest_…`). Unless `realistic` is set, password hashing is cheap and rate limits are off.

import {
  type ServerOptions,
  serverDuringTests,
  serverStarter,
} from "../../../stores/test/helpers/servers.js";

export { pgAvailable, type ServerHandle } from "../../../stores/test/helpers/servers.js";

/** Starts a substrate server on SQLite (in memory) or PostgreSQL (random schema). */
export const startServer = serverStarter("t_selftest");

/** A server running during the tests of the calling file (or describe block). */
export const testServer = (backend: "sqlite" | "postgres", options?: ServerOptions) =>
  serverDuringTests(() => startServer(backend, options));
