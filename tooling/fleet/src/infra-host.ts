/**
 * A substrate server or a relay as its own process, for fault injection (kill -9, restart on the
 * same port). `infra-host substrate` reads HSAGENT_FLEET_DB, HSAGENT_FLEET_PG_SCHEMA,
 * HSAGENT_FLEET_PORT, HSAGENT_FLEET_TOKEN_TTL, HSAGENT_FLEET_FAST_SCRYPT and the JWT secret from the environment (never
 * argv); `infra-host relay` reads HSAGENT_FLEET_PORT. Prints `listening <host:port>` when up;
 * SIGTERM closes gracefully.
 */
import { startRelay } from "@hsagent/relay";
import { startSubstrateServer } from "@hsagent/substrate-server";

async function main(): Promise<void> {
  const mode = process.argv[2];
  const port = Number(process.env.HSAGENT_FLEET_PORT ?? 0);
  let close: () => Promise<void>;
  if (mode === "substrate") {
    const db = process.env.HSAGENT_FLEET_DB;
    if (!db) throw new Error("HSAGENT_FLEET_DB is required");
    const schema = process.env.HSAGENT_FLEET_PG_SCHEMA;
    const ttl = process.env.HSAGENT_FLEET_TOKEN_TTL;
    // Benches measure sessions, not logins: a cheap password hash keeps 20 parallel logins quick.
    const fastScrypt = process.env.HSAGENT_FLEET_FAST_SCRYPT === "1";
    const server = await startSubstrateServer({
      host: "127.0.0.1",
      port,
      db,
      ...(schema ? { pgSchema: schema } : {}),
      ...(ttl ? { tokenTtlSeconds: Number(ttl) } : {}),
      ...(fastScrypt ? { scrypt: { N: 1024, r: 8, p: 1 } } : {}),
      rateLimit: false,
    });
    close = () => server.close();
    process.stdout.write(`listening ${new URL(server.url).host}\n`);
  } else if (mode === "relay") {
    const relay = await startRelay({ host: "127.0.0.1", port, rateLimitPerMinute: 0 });
    close = () => relay.close();
    process.stdout.write(`listening ${relay.address.host}:${relay.address.port}\n`);
  } else {
    throw new Error("usage: infra-host substrate|relay");
  }
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`infra-host: ${(error as Error).message}\n`);
  process.exit(1);
});
