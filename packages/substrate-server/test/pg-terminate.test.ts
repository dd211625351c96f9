// PostgreSQL connections dropped under load: the real `hsagent-substrate` process on PostgreSQL,
// chain appends and object writes in flight, and every server connection killed repeatedly with
// pg_terminate_backend. The server must answer the requests caught in the drop with an error (not
// crash: pg emits 'error' on a checked-out client whose backend dies), then serve normally.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../src/index.js";
import { BIN, b64, buildBinIfMissing, dropSchema, newUser, PG_URL, PKG, randomSchema } from "./helpers.js";

const schema = randomSchema();
const appName = `hsagent_term_${schema}`;

let child: ChildProcess | undefined;
let exitCode: number | null | undefined;

beforeAll(buildBinIfMissing, 120_000);

afterAll(async () => {
  child?.kill("SIGKILL");
  if (PG_URL) await dropSchema(schema);
});

async function startServer(): Promise<string> {
  const url = new URL(PG_URL as string);
  url.searchParams.set("application_name", appName);
  child = spawn(
    process.execPath,
    [
      BIN,
      "--port",
      "0",
      "--db",
      url.toString(),
      "--pg-schema",
      schema,
      "--no-rate-limit",
      "--log-level",
      "silent",
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HSAGENT_SUBSTRATE_JWT_SECRET: "t".repeat(48) },
    },
  );
  child.on("exit", (code) => {
    exitCode = code;
  });
  return new Promise<string>((resolve, reject) => {
    let out = "";
    child?.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^substrate listening on (http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child?.on("exit", (code) => reject(new Error(`server exited early (${code})`)));
  });
}

describe.skipIf(!PG_URL)("PostgreSQL connections terminated mid-load", () => {
  it("keeps the server process alive, fails only the requests caught in the drop, then serves", async () => {
    const url = await startServer();
    const user = await newUser(url, "term");
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    let stop = false;
    const statuses = new Map<number, number>();
    const load = Array.from({ length: 6 }, async (_, w) => {
      let i = 0;
      while (!stop) {
        const r = await user.client
          .post(`/api/chains/append/${user.username}/term-${w}/0`, `block ${i++}`, { raw: true })
          .catch(() => ({ status: 0 }));
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    });
    let terminated = 0;
    try {
      for (let round = 0; round < 8; round++) {
        await new Promise((r) => setTimeout(r, 150));
        const r = await admin.query<{ ok: boolean }>(
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1",
          [appName],
        );
        terminated += r.rows.filter((x) => x.ok).length;
      }
    } finally {
      stop = true;
      await Promise.all(load);
    }
    expect(terminated, "server connections terminated").toBeGreaterThan(0);
    expect(exitCode, "server process still running").toBeUndefined();
    expect(statuses.get(0) ?? 0, "no request hit a dead server").toBe(0);
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);

    // Right after a drop, idle pooled connections whose backend is gone may still look alive; the
    // requests that pick them must be retried on a live connection, not answered with 500.
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [
      appName,
    ]);
    const puts = await Promise.all(
      Array.from({ length: 8 }, () =>
        user.client.put(`/api/objects/${user.id}`, { type: 7001, version: 0, data: b64("{}") }),
      ),
    );
    expect(puts.map((p) => p.status)).toEqual(Array(8).fill(201));
    for (let w = 0; w < 6; w++) {
      const v = await user.client.get(`/api/chains/validate/${user.username}/term-${w}/0`);
      expect(v.status).toBe(200);
      expect(v.body.validation.isValid).toBe(true);
    }
    expect(exitCode).toBeUndefined();
    await admin.end();
  }, 60_000);

  it("retries a statement that lands on a pooled connection whose backend was already terminated", async () => {
    const storeSchema = randomSchema();
    const app = `hsagent_stale_${storeSchema}`;
    const url = new URL(PG_URL as string);
    url.searchParams.set("application_name", app);
    const store = await openPostgresStore({ url: url.toString(), schema: storeSchema, poolSize: 4 });
    try {
      // Fill the pool with four idle connections.
      await Promise.all(Array.from({ length: 4 }, () => store.findAccountByUsername("nobody")));
      // Terminate them while this event loop is blocked, so none of the pool's sockets has read
      // its FATAL yet when the next statements pick them up: every idle client is stale.
      const kill = spawnSync(
        process.execPath,
        [
          "-e",
          `const pg = require("pg"); const c = new pg.Client(process.argv[1]);
           c.connect().then(() => c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [process.argv[2]])).then((r) => { console.log(r.rowCount); return c.end(); });`,
          PG_URL as string,
          app,
        ],
        { cwd: PKG, encoding: "utf8" },
      );
      expect(kill.stdout.trim(), kill.stderr).toBe("4");
      const created = await Promise.all([
        store.createObject(1n, 7001, 0, Buffer.from("{}"), 1),
        store.findAccountByUsername("nobody"),
        store.createObject(1n, 7001, 0, Buffer.from("{}"), 1),
        store.findAccountByUsername("nobody"),
      ]);
      expect(typeof created[0]).toBe("bigint");
      expect(typeof created[2]).toBe("bigint");
    } finally {
      await store.close();
      await dropSchema(storeSchema);
    }
  }, 30_000);
});
