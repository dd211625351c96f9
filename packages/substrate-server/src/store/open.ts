// Pick a backend from a db URL: "sqlite:<file>", "sqlite::memory:", or "postgres://…".

import { dirname, resolve } from "node:path";
import type { PostgresStoreOptions } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { SubstrateStore } from "./types.js";

/** Parsed database location. */
export type DbLocation =
  | { kind: "sqlite"; file: string; dataDir: string | undefined }
  | { kind: "postgres"; url: string };

/** Thrown for a db string that names no supported backend. */
export class DbUrlError extends Error {
  readonly code = "BAD_DB_URL";
}

/** Parse `db` into a backend location; throws {@link DbUrlError}. */
export function parseDbUrl(db: string): DbLocation {
  if (db.startsWith("postgres://") || db.startsWith("postgresql://")) return { kind: "postgres", url: db };
  if (db.startsWith("sqlite:")) {
    const file = db.slice("sqlite:".length);
    if (file === "") throw new DbUrlError("sqlite: needs a file path or :memory:");
    if (file === ":memory:") return { kind: "sqlite", file, dataDir: undefined };
    const abs = resolve(file);
    return { kind: "sqlite", file: abs, dataDir: dirname(abs) };
  }
  throw new DbUrlError('db must be "sqlite:<file>", "sqlite::memory:" or a postgres:// URL');
}

/**
 * Open a PostgreSQL store. `pg` is loaded lazily, so SQLite-only users (and test runners whose
 * resolve conditions trip over pg's dual CJS/ESM packaging) never load it.
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<SubstrateStore> {
  const mod = await import("./postgres.js");
  return mod.openPostgresStore(opts);
}

/** Open the store for a location. */
export async function openStore(
  loc: DbLocation,
  opts: { pgSchema?: string; sqliteSynchronous?: "FULL" | "NORMAL"; pgPoolSize?: number } = {},
): Promise<SubstrateStore> {
  if (loc.kind === "sqlite") {
    return openSqliteStore({
      file: loc.file,
      ...(opts.sqliteSynchronous ? { synchronous: opts.sqliteSynchronous } : {}),
    });
  }
  return openPostgresStore({
    url: loc.url,
    ...(opts.pgSchema ? { schema: opts.pgSchema } : {}),
    ...(opts.pgPoolSize ? { poolSize: opts.pgPoolSize } : {}),
  });
}
