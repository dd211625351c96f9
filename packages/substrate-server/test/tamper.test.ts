// Editing stored blocks directly in the database (SQLite file / PostgreSQL table) must make
// `validate` report isValid:false with the failing index.

import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSubstrateServer } from "../src/index.js";
import { dropSchema, newUser, PG_URL, randomSchema, TEST_SCRYPT, type User } from "./helpers.js";

/** Direct SQL access to the server's block table, whichever backend. */
interface RawDb {
  exec(sql: string, params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

interface Target {
  name: string;
  db: () => string;
  pgSchema?: string;
  raw: () => Promise<RawDb>;
  cleanup: () => Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), "substrate-tamper-"));
const schema = randomSchema();

const targets: Target[] = [
  {
    name: "sqlite",
    db: () => `sqlite:${join(dir, "tamper.db")}`,
    raw: async () => {
      const db = new Database(join(dir, "tamper.db"));
      db.pragma("busy_timeout = 5000");
      return {
        exec: async (sql, params) => {
          // The shared SQL below uses PostgreSQL's $n: reorder the values for SQLite's "?".
          const order = [...sql.matchAll(/\$([0-9]+)/g)].map((m) => params[Number(m[1]) - 1]);
          db.prepare(sql.replace(/\$[0-9]+/g, "?")).run(...order);
        },
        close: async () => {
          db.close();
        },
      };
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  },
  ...(PG_URL
    ? [
        {
          name: "postgres",
          db: () => PG_URL as string,
          pgSchema: schema,
          raw: async (): Promise<RawDb> => {
            const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
            await c.connect();
            return {
              exec: async (sql, params) => {
                await c.query(sql, params);
              },
              close: () => c.end(),
            };
          },
          cleanup: () => dropSchema(schema),
        },
      ]
    : []),
];

describe.each(targets)("tampering is detected ($name)", (target) => {
  let server: Awaited<ReturnType<typeof startSubstrateServer>>;
  let u: User;
  let raw: RawDb;

  beforeAll(async () => {
    server = await startSubstrateServer({
      db: target.db(),
      ...(target.pgSchema ? { pgSchema: target.pgSchema } : {}),
      jwtSecret: "tamper-test-secret-0123456789abcdef",
      rateLimit: false,
      scrypt: TEST_SCRYPT,
    });
    u = await newUser(server.url, "tamper");
    raw = await target.raw();
  });
  afterAll(async () => {
    await raw?.close();
    await server?.close();
    await target.cleanup();
  });

  /** Build a 6-block chain (idx -1..4) and return its path suffix. */
  async function chain(name: string): Promise<string> {
    const ch = `/${u.username}/${name}/0`;
    for (let i = 0; i < 5; i++) await u.client.post(`/api/chains/append${ch}`, `block-${i}`, { raw: true });
    await u.client.post(`/api/chains/prepend${ch}`, "pre", { raw: true });
    const v = await u.client.get(`/api/chains/validate${ch}`);
    expect(v.body.validation.isValid).toBe(true);
    return ch;
  }

  const validation = async (ch: string) => (await u.client.get(`/api/chains/validate${ch}`)).body.validation;
  const framed = (s: string) => {
    const b = Buffer.from(s);
    const out = Buffer.alloc(8 + b.length);
    out.writeUInt32BE(1, 0);
    out.writeUInt32BE(b.length, 4);
    b.copy(out, 8);
    return out;
  };
  const where = "tenant = $2 AND name = $3 AND shard = 0 AND idx = $4";

  it("an edited payload fails at that block", async () => {
    const ch = await chain("edit");
    await raw.exec(`UPDATE blocks SET payloads = $1 WHERE ${where}`, [
      framed("block-X"),
      u.username,
      "edit",
      2,
    ]);
    const v = await validation(ch);
    expect(v).toMatchObject({ isValid: false, failingIndex: "2", firstInvalidIndex: "2", hasGaps: false });
    expect(v.errorMessage).toMatch(/2/);
  });

  it("an edited payload with a recomputed own hash fails at the next link", async () => {
    const ch = await chain("rehash");
    const block = (await u.client.get(`/api/chains${ch}/1`)).body.block;
    // Recompute block 1's hash over the forged payload exactly as documented.
    const u32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const system = Buffer.from(
      JSON.stringify({
        blockIdx: "1",
        eventId: block.system.eventId,
        sourceAgent: block.system.sourceAgent,
        timestamp: block.system.timestamp,
      }),
    );
    const forged = framed("forged");
    const hash = createHash("sha256")
      .update(Buffer.from(block.prevHash, "hex"))
      .update(forged)
      .update(u32(system.length))
      .update(system)
      .digest();
    await raw.exec(`UPDATE blocks SET payloads = $1, hash = $5 WHERE ${where}`, [
      forged,
      u.username,
      "rehash",
      1,
      hash,
    ]);
    const v = await validation(ch);
    expect(v).toMatchObject({ isValid: false, failingIndex: "2" });
  });

  it.each([
    { title: "a removed block is reported as a gap", name: "gap", idx: 3, also: { hasGaps: true } },
    { title: "a removed last block is detected against the chain metadata", name: "trunc", idx: 4, also: {} },
  ])("$title", async ({ name, idx, also }) => {
    const ch = await chain(name);
    await raw.exec("DELETE FROM blocks WHERE tenant = $1 AND name = $2 AND shard = 0 AND idx = $3", [
      u.username,
      name,
      idx,
    ]);
    expect(await validation(ch)).toMatchObject({ isValid: false, failingIndex: String(idx), ...also });
  });

  it("two swapped blocks (reordering) are detected", async () => {
    const ch = await chain("swap");
    const move = (from: number, to: number) =>
      raw.exec("UPDATE blocks SET idx = $4 WHERE tenant = $1 AND name = $2 AND shard = 0 AND idx = $3", [
        u.username,
        "swap",
        from,
        to,
      ]);
    // Move block 1 to a free index, block 2 into 1, then the old 1 into 2.
    await move(1, 1000);
    await move(2, 1);
    await move(1000, 2);
    const v = await validation(ch);
    expect(v).toMatchObject({ isValid: false, failingIndex: "1" });
  });

  it("an edited prepended block fails at its own index", async () => {
    const ch = await chain("pre");
    await raw.exec(`UPDATE blocks SET payloads = $1 WHERE ${where}`, [framed("PRE"), u.username, "pre", -1]);
    const v = await validation(ch);
    expect(v).toMatchObject({ isValid: false, failingIndex: "-1" });
  });
});
