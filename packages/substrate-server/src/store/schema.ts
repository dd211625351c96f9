// The tables of both backends, written once. SQLite and PostgreSQL differ only in the column types
// of generated ids, 64-bit integers and bytes (and in how the blocks key is declared); each dialect
// fills those in. Migrations are applied in order at start and recorded in `schema_migrations`
// (PostgreSQL under an advisory lock, so several replicas may start at once).

/** One migration; never edit an applied one, append a new version instead. */
export interface Migration {
  version: number;
  sql: string;
}

/** The column types that differ between the dialects. */
interface Dialect {
  /** A generated 64-bit id, the table's primary key. */
  serial: string;
  /** A 64-bit integer. */
  int64: string;
  bytes: string;
  /** How the unique (tenant, name, shard, idx) key of blocks is declared. */
  blockKey: string;
}

function v1({ serial, int64, bytes, blockKey }: Dialect): string {
  /** Lines declaring `names` as NOT NULL 64-bit integer columns. */
  const int64s = (...names: string[]): string => names.map((n) => `  ${n} ${int64} NOT NULL,`).join("\n");
  return `
CREATE TABLE accounts (
  id ${serial},
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at ${int64} NOT NULL
);
CREATE TABLE agent_keys (
  agent_id ${serial},
  account_id ${int64} NOT NULL,
  secret_hash ${bytes} NOT NULL,
  created_at ${int64} NOT NULL,
  UNIQUE (account_id, secret_hash)
);
CREATE TABLE objects (
  id ${serial},
  tenant ${int64} NOT NULL,
  type INTEGER NOT NULL,
  version INTEGER NOT NULL,
  data ${bytes} NOT NULL,
  created_at ${int64} NOT NULL,
  updated_at ${int64} NOT NULL
);
CREATE INDEX objects_tenant ON objects (tenant);
CREATE TABLE associations (
  tenant ${int64} NOT NULL,
  type TEXT NOT NULL,
${int64s("source_id", "target_id", "time", "position")}
  data ${bytes} NOT NULL,
  PRIMARY KEY (tenant, type, source_id, target_id)
);
CREATE INDEX associations_list ON associations (tenant, type, source_id, position DESC, target_id DESC);
CREATE INDEX associations_source ON associations (tenant, source_id);
CREATE INDEX associations_target ON associations (tenant, target_id);
CREATE TABLE chains (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  shard INTEGER NOT NULL,
${int64s("head_idx", "tail_idx", "block_count", "message_count", "payload_bytes", "created_at", "updated_at")}
  PRIMARY KEY (tenant, name, shard)
);
CREATE TABLE blocks (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  shard INTEGER NOT NULL,
  idx ${int64} NOT NULL,
  payloads ${bytes} NOT NULL,
  event_id TEXT NOT NULL,
  timestamp ${int64} NOT NULL,
  source_agent TEXT NOT NULL,
  created_at ${int64} NOT NULL,
  message_count INTEGER NOT NULL,
  payload_bytes INTEGER NOT NULL,
  hash ${bytes} NOT NULL,
  prev_hash ${bytes} NOT NULL,
  ${blockKey} (tenant, name, shard, idx)
);
`;
}

/** SQLite's migrations. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: v1({
      serial: "INTEGER PRIMARY KEY AUTOINCREMENT",
      int64: "INTEGER",
      bytes: "BLOB",
      blockKey: "UNIQUE",
    }),
  },
];

/** PostgreSQL's migrations. */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: v1({ serial: "BIGSERIAL PRIMARY KEY", int64: "BIGINT", bytes: "BYTEA", blockKey: "PRIMARY KEY" }),
  },
];
