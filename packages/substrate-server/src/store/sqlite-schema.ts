// SQLite migrations, applied in order at start and recorded in `schema_migrations` (idempotent).

/** Ordered list of migrations; never edit an applied one, append a new version instead. */
export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);
CREATE TABLE agent_keys (
  agent_id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  secret_hash BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (account_id, secret_hash)
);
CREATE TABLE objects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant INTEGER NOT NULL,
  type INTEGER NOT NULL,
  version INTEGER NOT NULL,
  data BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX objects_tenant ON objects (tenant);
CREATE TABLE associations (
  tenant INTEGER NOT NULL,
  type TEXT NOT NULL,
  source_id INTEGER NOT NULL,
  target_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  position INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (tenant, type, source_id, target_id)
);
CREATE INDEX associations_list ON associations (tenant, type, source_id, position DESC, target_id DESC);
CREATE INDEX associations_source ON associations (tenant, source_id);
CREATE INDEX associations_target ON associations (tenant, target_id);
CREATE TABLE chains (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  shard INTEGER NOT NULL,
  head_idx INTEGER NOT NULL,
  tail_idx INTEGER NOT NULL,
  block_count INTEGER NOT NULL,
  message_count INTEGER NOT NULL,
  payload_bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, name, shard)
);
CREATE TABLE blocks (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  shard INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  payloads BLOB NOT NULL,
  event_id TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  source_agent TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  message_count INTEGER NOT NULL,
  payload_bytes INTEGER NOT NULL,
  hash BLOB NOT NULL,
  prev_hash BLOB NOT NULL,
  UNIQUE (tenant, name, shard, idx)
);
`,
  },
];
