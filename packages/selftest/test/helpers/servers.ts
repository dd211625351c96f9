// Real substrate servers for the selftest tests: the stores tests' helper, with schemas of our own
// (`t_selftest_…`). Unless `realistic` is set, password hashing is cheap and rate limits are off.

import { serverStarter } from "../../../stores/test/helpers/servers.js";

export { pgAvailable, type ServerHandle } from "../../../stores/test/helpers/servers.js";

/** Starts a substrate server on SQLite (in memory) or PostgreSQL (random schema). */
export const startServer = serverStarter("t_selftest");
