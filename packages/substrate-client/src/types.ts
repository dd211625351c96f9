// Public record types of the substrate API (SUBSTRATE-API.md §1–§5), as the
// client hands them out: bigints (ids, time, position, block indexes) are
// decimal strings, byte payloads are decoded, versions are numbers.

/** A JSON value (what `putJson`/`getJson` store in an object's or association's data). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A bigint travelling as a decimal string (ids, `time`, `position`, block indexes). */
export type BigIntString = string;

/** Login credentials: a password account, or an agent key `"<username>%<64 hex>"`. */
export type Credentials = { username: string; password: string } | { key: string };

/** How the current session was authenticated. */
export type AuthMethod = "password" | "key";

/** The account behind the session (`GET /api/account/me`). */
export interface AccountInfo {
  /** Tenant id (bigint string); the `:tenant` of object paths. */
  readonly id: BigIntString;
  /** Username; the tenant of chain paths. */
  readonly username: string;
  /** Account object version. */
  readonly version: number;
}

/** Answer of `POST /api/auth/register`. */
export interface RegisterResult {
  /** Three recovery words. */
  readonly words: readonly string[];
}

/** A BOSS object as read back (`GET /api/objects/:tenant/:type/:id`). */
export interface ObjectRecord {
  readonly type: number;
  readonly id: BigIntString;
  readonly version: number;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  /** Decoded object data. */
  readonly data: Uint8Array;
}

/** A BOSS object whose data was decoded as JSON. */
export interface JsonObjectRecord<T = JsonValue> extends Omit<ObjectRecord, "data"> {
  readonly value: T;
}

/** Input of an object PUT: no `id` (or `"0"`) creates, an `id` updates iff `version` matches. */
export interface PutObjectInput {
  readonly type: number;
  readonly id?: BigIntString;
  /** 0 on create; the version read back on update. */
  readonly version: number;
  readonly data: Uint8Array;
}

/** Input of a JSON object PUT (`data` = base64 of the JSON text). */
export interface PutJsonInput {
  readonly type: number;
  readonly id?: BigIntString;
  readonly version: number;
  readonly value: JsonValue;
}

/** An association as listed (`GET .../associations/:type/:sourceId`). */
export interface AssociationRecord {
  readonly type: string;
  readonly sourceId: BigIntString;
  readonly targetId: BigIntString;
  readonly time: BigIntString;
  readonly position: BigIntString;
  /** Decoded association data (empty when none). */
  readonly data: Uint8Array;
}

/** Input of an association PUT. `time` and `position` default to now (ms). */
export interface PutAssociationInput {
  readonly type: string;
  readonly sourceId: BigIntString;
  readonly targetId: BigIntString;
  readonly time?: BigIntString;
  readonly position?: BigIntString;
  /** Raw data; mutually exclusive with `json`. */
  readonly data?: Uint8Array;
  /** JSON data (stored as base64 of the JSON text); mutually exclusive with `data`. */
  readonly json?: JsonValue;
}

/** Query of an association list. */
export interface ListAssociationsQuery {
  readonly targetId?: BigIntString;
  /** Page after this position (positions are ordered descending). */
  readonly after?: BigIntString;
  /** 1..1000, server default 50. */
  readonly limit?: number;
}

/** One page of associations, ordered by position descending. */
export interface AssociationList {
  readonly count: number;
  readonly associations: readonly AssociationRecord[];
}

/** Outcome of an object or association delete. */
export interface DeleteResult {
  readonly success: boolean;
  readonly message?: string;
}

/** Answer of a chain append/prepend. */
export interface AppendResult {
  readonly blockIdx: BigIntString;
  readonly eventId: string | null;
}

/** A chain block (Fathom), payloads decoded. Unknown extra fields are dropped. */
export interface ChainBlock {
  readonly shardId: number;
  readonly tenant: string;
  readonly name: string;
  readonly blockIdx: BigIntString;
  readonly payloads: readonly Uint8Array[];
  readonly system: { readonly [key: string]: JsonValue };
  readonly createdAt: string | null;
  readonly hash: string | null;
  readonly prevHash: string | null;
}

/** Chain metadata (`GET /api/chains/metadata/...`). */
export interface ChainMetadata {
  readonly shardId: number;
  readonly tenant: string;
  readonly name: string;
  readonly blockCount: number;
  readonly messageCount: number;
  readonly payloadBytes: number;
  readonly currentHead: BigIntString | null;
  readonly currentTail: BigIntString | null;
  readonly raw: { readonly [key: string]: JsonValue };
}

/** Result of the server-side hash-chain validation. */
export interface ChainValidation {
  readonly isValid: boolean;
  readonly errorMessage: string | null;
  readonly hasGaps: boolean;
  readonly raw: { readonly [key: string]: JsonValue };
}

/** Range query of chain blocks. */
export interface ChainRangeQuery {
  readonly startIdx?: BigIntString | number;
  readonly endIdx?: BigIntString | number;
  readonly order?: "ASC" | "DESC";
}

/** Answer of `POST /api/agent/associate`: the key to log in with. */
export interface AssociateKeyResult {
  /** Collection/agent ids the server reported (opaque). */
  readonly agent: string | null;
  /** The secret as 64 lowercase hex, without `0x`. */
  readonly secretHex: string;
}
