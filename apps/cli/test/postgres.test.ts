// `hsagent substrate serve` on PostgreSQL (the docker-compose layout: database URL in
// HSAGENT_SUBSTRATE_DB, never on argv) in a schema of its own, then `hsagent selftest` passing
// against it. Needs HSAGENT_TEST_PG_URL; skipped without it, except in CI where it must run.

import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, startCli, waitFor } from "./helpers.js";

const PG_URL = process.env.HSAGENT_TEST_PG_URL;
if (!PG_URL && process.env.CI === "true") throw new Error("HSAGENT_TEST_PG_URL must be set in CI");
const schema = `cli_${randomBytes(6).toString("hex")}`;

afterAll(async () => {
  if (!PG_URL) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

describe.skipIf(!PG_URL)("substrate serve on PostgreSQL", () => {
  it("serves from HSAGENT_SUBSTRATE_DB in its own schema, and the selftest passes against it", async () => {
    const sub = startCli(["substrate", "serve", "--port", "0", "--pg-schema", schema], {
      env: { HSAGENT_SUBSTRATE_DB: PG_URL! },
    });
    try {
      await waitFor(
        () => /substrate listening on (http:\/\/\S+)\n/.test(sub.out.stdout),
        30_000,
        "the server",
      );
      const url = /substrate listening on (http:\/\/\S+)\n/.exec(sub.out.stdout)![1]!;
      const r = await runCli(["selftest", "--substrate", url, "--json"]);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { ok: boolean }).ok).toBe(true);
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1",
        [schema],
      );
      await client.end();
      expect((rows[0] as { n: number }).n).toBeGreaterThan(0);
    } finally {
      sub.child.kill("SIGTERM");
    }
    expect((await sub.done).code).toBe(0);
  }, 90_000);
});
