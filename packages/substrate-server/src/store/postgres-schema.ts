// PostgreSQL migrations, applied under an advisory lock (safe when several replicas start at once)
// and recorded in `schema_migrations`.

/** Ordered list of migrations; never edit an applied one, append a new version instead. */
export const PG_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE accounts (
  id BIGSERIAL PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL
);
CREATE TABLE agent_keys (
  agent_id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL,
  secret_hash BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (account_id, secret_hash)
);
CREATE TABLE objects (
  id BIGSERIAL PRIMARY KEY,
  tenant BIGINT NOT NULL,
  type INTEGER NOT NULL,
  version INTEGER NOT NULL,
  data BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX objects_tenant ON objects (tenant);
CREATE TABLE associations (
  tenant BIGINT NOT NULL,
  type TEXT NOT NULL,
  source_id BIGINT NOT NULL,
  target_id BIGINT NOT NULL,
  time BIGINT NOT NULL,
  position BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (tenant, type, source_id, target_id)
);
CREATE INDEX associations_list ON associations (tenant, type, source_id, position DESC, target_id DESC);
CREATE INDEX associations_source ON associations (tenant, source_id);
CREATE INDEX associations_target ON associations (tenant, target_id);
CREATE TABLE chains (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  shard INTEGER NOT NULL,
  head_idx BIGINT NOT NULL,
  tail_idx BIGINT NOT NULL,
  block_count BIGINT NOT NULL,
  message_count BIGINT NOT NULL,
  payload_bytes BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, name, shard)
);
CREATE TABLE blocks (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  shard INTEGER NOT NULL,
  idx BIGINT NOT NULL,
  payloads BYTEA NOT NULL,
  event_id TEXT NOT NULL,
  timestamp BIGINT NOT NULL,
  source_agent TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  message_count INTEGER NOT NULL,
  payload_bytes INTEGER NOT NULL,
  hash BYTEA NOT NULL,
  prev_hash BYTEA NOT NULL,
  PRIMARY KEY (tenant, name, shard, idx)
);
`,
  },
];
