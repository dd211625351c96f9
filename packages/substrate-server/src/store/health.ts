// Readiness of the storage backends for `/readyz` and the pool gauges of `/metrics`: a trivial
// query proves the database answers; the PostgreSQL pool reports its connection counts.

import type Database from "better-sqlite3";
import type pg from "pg";

/** What a store reports about itself. */
export interface StoreHealth {
  /** True when the database answered a trivial query. */
  readonly ok: boolean;
  /** Why not (no secrets, no connection string). */
  readonly detail: string | null;
  /** Connection pool use (PostgreSQL only). */
  readonly pool: {
    readonly total: number;
    readonly idle: number;
    readonly waiting: number;
    readonly max: number;
  } | null;
}

function reason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : "query failed";
}

/** `SELECT 1` through the pool (bounded by the pool's own timeouts). */
export async function postgresHealth(pool: pg.Pool, max: number): Promise<StoreHealth> {
  const stats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max });
  try {
    await pool.query("SELECT 1");
    return { ok: true, detail: null, pool: stats() };
  } catch (err) {
    return { ok: false, detail: reason(err), pool: stats() };
  }
}

/** `SELECT 1` on the SQLite handle. */
export function sqliteHealth(db: Database.Database): Promise<StoreHealth> {
  try {
    if (!db.open) return Promise.resolve({ ok: false, detail: "database closed", pool: null });
    db.prepare("SELECT 1").get();
    return Promise.resolve({ ok: true, detail: null, pool: null });
  } catch (err) {
    return Promise.resolve({ ok: false, detail: reason(err), pool: null });
  }
}
