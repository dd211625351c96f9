// Operational behaviour: no secrets in logs, database faults answer a bare 500, graceful close
// finishes in-flight requests, migrations are idempotent (also when replicas start at once).

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore, openSqliteStore, startSubstrateServer } from "../src/index.js";
import { BACKENDS, Client, dropSchema, newUser, PG_URL, randomSchema, TEST_SCRYPT } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "substrate-behaviour-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("logging", () => {
  it("logs requests but never passwords, JWTs or agent secrets", async () => {
    let logs = "";
    const stream = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const s = await startSubstrateServer({
      db: "sqlite::memory:",
      logger: { level: "debug", stream },
      scrypt: TEST_SCRYPT,
      rateLimit: false,
    });
    try {
      const password = `pw-${randomBytes(8).toString("hex")}`;
      const secret = randomBytes(32).toString("hex");
      const c = new Client(s.url);
      const reg = await c.post("/api/auth/register", { username: "logged", password });
      c.token = reg.body.jwt;
      await c.post("/api/agent/associate", { secret });
      const kl = await c.post("/api/auth/login", { key: `logged%${secret}` });
      await c.post("/api/auth/login", { username: "logged", password });
      await c.post("/api/auth/login", { username: "logged", password: `${password}-wrong` });
      await c.get("/api/account/me", { token: kl.body.jwt });
      await c.get("/api/account/me", { token: "garbage-token-value" });
      await c.post(`/api/agent/check?account=1`, { secret });
      expect(logs).toContain("/api/auth/login");
      for (const s of [password, secret, reg.body.jwt, kl.body.jwt, "garbage-token-value"]) {
        expect(logs).not.toContain(s);
      }
    } finally {
      await s.close();
    }
  });
});

describe.each(BACKENDS)("faults and shutdown ($name)", (backend) => {
  it("answers a database fault with a bare 500, never SQL text", async () => {
    const s = await backend.start();
    try {
      const u = await newUser(s.url, "fault");
      if (backend.name === "sqlite") {
        await s.store.close();
      } else {
        const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${s.pgSchema}` });
        await c.connect();
        await c.query("DROP TABLE objects");
        await c.end();
      }
      const r = await u.client.get(`/api/objects/${u.id}/7001/1`);
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ error: "internal error", code: "INTERNAL" });
    } finally {
      await s.stop().catch(() => undefined);
    }
  });

  it("close() finishes in-flight requests, then refuses new ones", async () => {
    const s = await backend.start();
    const u = await newUser(s.url, "closing");
    const url = new URL(s.url);
    const body = Buffer.alloc(2 * 1024 * 1024, 3);
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: `/api/chains/append/${u.username}/slow/0`,
          headers: {
            authorization: `Bearer ${u.client.token}`,
            "content-type": "application/octet-stream",
            "content-length": body.length,
          },
        },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => {
            text += d.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      // Send half, start closing, then send the rest.
      req.write(body.subarray(0, body.length / 2));
      setTimeout(() => {
        closed = s.stop();
        setTimeout(() => req.end(body.subarray(body.length / 2)), 200);
      }, 200);
    });
    let closed: Promise<void> | undefined;
    const r = await answer;
    expect(r.status).toBe(201);
    expect(JSON.parse(r.text)).toMatchObject({ success: true, blockIdx: "0" });
    await closed;
    await expect(fetch(`${s.url}/api/account/me`)).rejects.toThrow();
  });
});

describe("migrations", () => {
  it("SQLite: reopening a file applies each migration once", async () => {
    const file = join(dir, "migrate.db");
    for (let i = 0; i < 3; i++) await openSqliteStore({ file }).close();
    const db = new Database(file, { readonly: true });
    const rows = db.prepare("SELECT version FROM schema_migrations").all();
    db.close();
    expect(rows).toEqual([{ version: 1 }]);
  });

  it.runIf(PG_URL !== undefined)(
    "PostgreSQL: replicas starting at once migrate a fresh schema exactly once",
    async () => {
      const schema = randomSchema();
      try {
        const stores = await Promise.all(
          Array.from({ length: 4 }, () => openPostgresStore({ url: PG_URL as string, schema, poolSize: 2 })),
        );
        await Promise.all(stores.map((s) => s.close()));
        const again = await openPostgresStore({ url: PG_URL as string, schema });
        await again.close();
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        const r = await c.query(`SELECT version FROM "${schema}".schema_migrations`);
        await c.end();
        expect(r.rows).toEqual([{ version: 1 }]);
      } finally {
        await dropSchema(schema);
      }
    },
  );
});
