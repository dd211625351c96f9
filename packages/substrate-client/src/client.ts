// SubstrateClient: every endpoint of SUBSTRATE-API.md with typed inputs and
// validated outputs, plus the session handling HSAgent_2 relies on: login by
// password or key, optional auto-register, one transparent re-login on 401,
// and session narrowing to an agent key.

import { randomBytes } from "node:crypto";
import {
  BatchClashError,
  type BatchItem,
  type BatchResult,
  batchDisabledByEnv,
  batchRequest,
  clashIndex,
  parseBatchAnswer,
  runSingly,
} from "./batch.js";
import {
  CAPABILITIES_PATH,
  NO_CAPABILITIES,
  parseCapabilities,
  type ServerCapabilities,
} from "./capabilities.js";
import { bytesToJson, fromBase64, jsonToBytes, toBase64, utf8 } from "./codec.js";
import {
  ApiError,
  InvalidResponseError,
  NotAuthenticatedError,
  type RequestTarget,
  SubstrateError,
  VersionClashError,
} from "./errors.js";
import {
  arr,
  big,
  bool,
  int,
  type JsonObject,
  obj,
  optInt,
  optSbig,
  optStr,
  ShapeError,
  sbig,
  str,
} from "./shape.js";
import {
  type ClientStats,
  DEFAULT_RETRY,
  type HttpRequest,
  type HttpResponse,
  type RequestEvent,
  type RetryOptions,
  Transport,
} from "./transport.js";
import type {
  AccountInfo,
  AppendResult,
  AssociateKeyResult,
  AssociationList,
  AssociationRecord,
  AuthMethod,
  ChainBlock,
  ChainMetadata,
  ChainRangeQuery,
  ChainValidation,
  Credentials,
  DeleteResult,
  JsonObjectRecord,
  JsonValue,
  ListAssociationsQuery,
  ObjectRecord,
  PutAssociationInput,
  PutJsonInput,
  PutObjectInput,
  RegisterResult,
} from "./types.js";

/** Options of {@link SubstrateClient}. */
export interface SubstrateClientOptions {
  /** Server origin, e.g. `http://127.0.0.1:7780` (the `/api` prefix is added by the client). */
  readonly baseUrl: string;
  /** Credentials used by `login()` without arguments and by re-login on 401. */
  readonly credentials?: Credentials;
  /** On password login answered 401, register the account, then continue (as HSAgent_2). Default false. */
  readonly autoRegister?: boolean;
  /** Per-attempt timeout covering headers and body, ms (default 10000). */
  readonly timeoutMs?: number;
  /** Retry policy for idempotent calls. */
  readonly retry?: Partial<RetryOptions>;
  /** Largest accepted response body in bytes (default 64 MiB). */
  readonly maxResponseBytes?: number;
  /** Called after every HTTP attempt (round-trip accounting). */
  readonly onRequest?: (event: RequestEvent) => void;
  /**
   * fetch implementation to send requests through (proxies, fault injection in tests). Default:
   * node:http(s) with a keep-alive agent, which costs agents far less CPU per call than fetch.
   */
  readonly fetch?: typeof globalThis.fetch;
  /** PEM certificate(s) to trust for an `https://` baseUrl (e.g. a self-signed server), besides the system CAs. */
  readonly ca?: string | Uint8Array;
  /**
   * Use the batch extension when the server advertises it (default true, unless the environment
   * says `HSAGENT_SUBSTRATE_BATCH=off`); false always sends batches as single calls.
   */
  readonly batch?: boolean;
}

const NAME_RE = /^[A-Za-z0-9_.~-]{1,255}$/;
const ID_RE = /^[0-9]{1,30}$/;
const HEX64_RE = /^(0x)?[0-9a-fA-F]{64}$/;

function checkName(name: string, what: string): string {
  if (!NAME_RE.test(name))
    throw new SubstrateError(`${what} must match [A-Za-z0-9_.~-]{1,255}`, "INVALID_ARGUMENT");
  return name;
}

function checkId(id: string, what: string): string {
  if (!ID_RE.test(id)) throw new SubstrateError(`${what} must be a decimal id`, "INVALID_ARGUMENT");
  return id;
}

function checkType(type: number): number {
  if (!Number.isInteger(type) || type < 1 || type > 1_000_000_000) {
    throw new SubstrateError("object type must be an integer in 1..1e9", "INVALID_ARGUMENT");
  }
  return type;
}

function checkShard(shard: number): number {
  if (!Number.isInteger(shard) || shard < -2147483648 || shard > 2147483647) {
    throw new SubstrateError("shard must be an int32", "INVALID_ARGUMENT");
  }
  return shard;
}

const seg = encodeURIComponent;

function nowMs(): string {
  return String(Date.now());
}

function b64Field(v: unknown, what: string): Uint8Array {
  const bytes = fromBase64(str(v, what));
  if (!bytes) throw new ShapeError(`${what} is not base64`);
  return bytes;
}

function parseObject(body: JsonValue): ObjectRecord {
  const o = obj(body, "object");
  return {
    type: int(o.type, "type"),
    id: big(o.id, "id"),
    version: int(o.version, "version"),
    createdAt: optStr(o.createdAt, "createdAt"),
    updatedAt: optStr(o.updatedAt, "updatedAt"),
    data: b64Field(o.data_b64 ?? o.data ?? "", "data_b64"),
  };
}

function parseAssociation(v: JsonValue): AssociationRecord {
  const a = obj(v, "association");
  return {
    type: str(a.type, "association.type"),
    sourceId: big(a.sourceId, "sourceId"),
    targetId: big(a.targetId, "targetId"),
    time: big(a.time ?? "0", "time"),
    position: big(a.position ?? "0", "position"),
    data: b64Field(a.data_b64 ?? a.data ?? "", "association.data_b64"),
  };
}

function parseBlock(v: JsonValue): ChainBlock {
  const b = obj(v, "block");
  const system = b.system === undefined || b.system === null ? {} : obj(b.system, "block.system");
  return {
    shardId: optInt(b.shardId, "shardId", 0),
    tenant: optStr(b.tenant, "tenant") ?? "",
    name: optStr(b.name, "name") ?? "",
    blockIdx: sbig(b.blockIdx, "blockIdx"),
    payloads: arr(b.payloads_b64 ?? [], "payloads_b64").map((p, i) => b64Field(p, `payloads_b64[${i}]`)),
    system,
    createdAt: optStr(b.createdAt, "createdAt"),
    hash: optStr(b.hash, "hash"),
    prevHash: optStr(b.prevHash, "prevHash"),
  };
}

function parseBlocks(body: JsonValue): ChainBlock[] {
  return arr(obj(body, "answer").blocks ?? [], "blocks").map(parseBlock);
}

/**
 * Typed client of the substrate API. One instance = one session (one account);
 * it is safe to use concurrently. `stats.requests` counts every HTTP round-trip.
 */
export class SubstrateClient {
  /** Live counters; read `stats.requests` before/after an operation to count its round-trips. */
  readonly stats: ClientStats = { requests: 0, retries: 0, relogins: 0, failures: 0 };

  readonly #transport: Transport;
  readonly #autoRegister: boolean;
  #credentials: Credentials | null;
  #token: string | null = null;
  #authMethod: AuthMethod | null = null;
  #account: AccountInfo | null = null;
  #relogin: Promise<void> | null = null;
  readonly #batchAllowed: boolean;
  #capabilities: Promise<ServerCapabilities> | null = null;

  constructor(options: SubstrateClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) {
      throw new SubstrateError("baseUrl must be an http(s) URL", "INVALID_ARGUMENT");
    }
    this.#credentials = options.credentials ?? null;
    this.#autoRegister = options.autoRegister ?? false;
    this.#batchAllowed = options.batch ?? !batchDisabledByEnv();
    this.#transport = new Transport({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs ?? 10_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      maxResponseBytes: options.maxResponseBytes ?? 64 * 1024 * 1024,
      stats: this.stats,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });
  }

  /**
   * Closes idle keep-alive connections to the substrate now (idle ones also close by themselves
   * after 4 s and never keep the process alive). The client stays usable: a later call reconnects.
   */
  close(): void {
    this.#transport.close();
  }

  // ---------------------------------------------------------------- session

  /** Account id of the session (the tenant of object paths). Throws if not logged in. */
  get accountId(): string {
    return this.#requireAccount().id;
  }

  /** Username of the session (the tenant of chain paths). Throws if not logged in. */
  get username(): string {
    return this.#requireAccount().username;
  }

  /** The account of the session, or null before login. */
  get account(): AccountInfo | null {
    return this.#account;
  }

  /** `"password"`, `"key"`, or null before login. */
  get authMethod(): AuthMethod | null {
    return this.#authMethod;
  }

  /**
   * Logs in (2 round-trips: login + `/me`; 3–4 when auto-registering).
   * Uses `credentials`, or those given to the constructor; remembers them for re-login on 401.
   */
  async login(credentials?: Credentials): Promise<AccountInfo> {
    const creds = credentials ?? this.#credentials;
    if (!creds) throw new NotAuthenticatedError("no credentials to log in with");
    this.#credentials = creds;
    await this.#loginOnly(creds, this.#autoRegister);
    const account = await this.me();
    this.#account = account;
    return account;
  }

  /** Registers a password account and logs in as it (2 round-trips: register + `/me`). */
  async register(username: string, password: string): Promise<AccountInfo & RegisterResult> {
    checkName(username, "username");
    // Known before the call, so an error echoing the password is scrubbed.
    this.#credentials = { username, password };
    const words = await this.#registerOnly(username, password);
    const account = await this.me();
    this.#account = account;
    return { ...account, words };
  }

  /** `GET /api/account/me` (1 round-trip). */
  async me(): Promise<AccountInfo> {
    return this.#call(
      { method: "GET", path: "/api/account/me", route: "GET /api/account/me", idempotent: true },
      (b) => {
        const acc = obj(obj(b, "answer").account, "account");
        const attrs = acc.attrs === undefined ? {} : obj(acc.attrs, "account.attrs");
        return {
          id: big(acc.id, "account.id"),
          username: str(attrs.username, "account.attrs.username"),
          version: optInt(acc.version, "account.version", 0),
        };
      },
    );
  }

  /**
   * Session narrowing (2 round-trips): provisions a fresh agent key with
   * `POST /api/agent/associate`, logs in with it and forgets the password.
   * Returns the key `"<username>%<64 hex>"` — a secret: store it like a password.
   */
  async narrow(): Promise<string> {
    const account = this.#requireAccount();
    if (this.#authMethod === "key") {
      const creds = this.#credentials;
      if (creds && "key" in creds) return creds.key;
    }
    if (this.#authMethod !== "password") throw new NotAuthenticatedError("narrow() needs a password session");
    const { secretHex } = await this.associateKey(randomBytes(32).toString("hex"));
    const key = `${account.username}%${secretHex}`;
    await this.#loginOnly({ key }, false);
    this.#credentials = { key };
    return key;
  }

  /** Forgets token and credentials (no round-trip). */
  logout(): void {
    this.#token = null;
    this.#credentials = null;
    this.#authMethod = null;
    this.#account = null;
  }

  // ------------------------------------------------------------- agent keys

  /** `POST /api/agent/associate` (password session only). `secretHex`: 64 hex, optional `0x`. */
  async associateKey(secretHex: string): Promise<AssociateKeyResult> {
    if (!HEX64_RE.test(secretHex))
      throw new SubstrateError("secret must be 64 hex digits", "INVALID_ARGUMENT");
    const ours = secretHex.replace(/^0x/, "").toLowerCase();
    return this.#call(
      {
        method: "POST",
        path: "/api/agent/associate",
        route: "POST /api/agent/associate",
        json: { secret: `0x${ours}` },
        idempotent: false,
        auth: true,
      },
      (b) => {
        const o = obj(b, "answer");
        const echoed = typeof o.secret === "string" ? o.secret.replace(/^0x/, "").toLowerCase() : "";
        const agent = o.agent === undefined || o.agent === null ? null : String(o.agent);
        return { agent, secretHex: /^[0-9a-f]{64}$/.test(echoed) ? echoed : ours };
      },
    );
  }

  /** `POST /api/agent/revoke` (password session only). */
  async revokeKey(secretHex: string): Promise<void> {
    if (!HEX64_RE.test(secretHex))
      throw new SubstrateError("secret must be 64 hex digits", "INVALID_ARGUMENT");
    await this.#call(
      {
        method: "POST",
        path: "/api/agent/revoke",
        route: "POST /api/agent/revoke",
        json: { secret: `0x${secretHex.replace(/^0x/, "").toLowerCase()}` },
        idempotent: true,
        auth: true,
      },
      () => undefined,
    );
  }

  /** `POST /api/agent/check?account=` (no auth): is this secret associated with the account? */
  async checkKey(
    accountId: string,
    secretHex: string,
  ): Promise<{ associated: boolean; agent: string | null }> {
    checkId(accountId, "accountId");
    return this.#call(
      {
        method: "POST",
        path: "/api/agent/check",
        route: "POST /api/agent/check",
        query: { account: accountId },
        json: { secret: secretHex },
        idempotent: true,
        auth: false,
      },
      (b) => {
        const o = obj(b, "answer");
        return {
          associated: bool(o.associated, "associated"),
          agent: o.agent === undefined || o.agent === null ? null : String(o.agent),
        };
      },
    );
  }

  /** `POST /api/agent/verify` (no auth): is this key valid? */
  async verifyKey(key: string): Promise<boolean> {
    return this.#call(
      {
        method: "POST",
        path: "/api/agent/verify",
        route: "POST /api/agent/verify",
        json: { key },
        idempotent: true,
        auth: false,
      },
      (b) => bool(obj(b, "answer").valid, "valid"),
    );
  }

  // ---------------------------------------------------------------- objects

  /** `GET` one object (1 round-trip); `null` when it does not exist. */
  async getObject(type: number, id: string): Promise<ObjectRecord | null> {
    const path = `/api/objects/${seg(this.accountId)}/${checkType(type)}/${checkId(id, "id")}`;
    return this.#call(
      {
        method: "GET",
        path,
        route: "GET /api/objects/:tenant/:type/:id",
        idempotent: true,
        auth: true,
        nullOn404: true,
      },
      parseObject,
    );
  }

  /** Like {@link getObject}, decoding the data as JSON (an InvalidResponseError if it is not JSON). */
  async getJson<T = JsonValue>(type: number, id: string): Promise<JsonObjectRecord<T> | null> {
    const record = await this.getObject(type, id);
    if (!record) return null;
    let value: JsonValue;
    try {
      value = bytesToJson(record.data);
    } catch {
      throw new InvalidResponseError(
        { method: "GET", path: `/api/objects/:tenant/${type}/${id}` },
        200,
        "object data is not JSON",
      );
    }
    const { data: _data, ...rest } = record;
    return { ...rest, value: value as T };
  }

  /**
   * `PUT` an object (1 round-trip, never retried). Without `id` it creates and
   * returns the new id; with `id` it updates iff `version` is the stored one,
   * else throws {@link VersionClashError}. The stored version becomes `version + 1`.
   */
  async putObject(input: PutObjectInput): Promise<{ id: string }> {
    const body: Record<string, JsonValue> = {
      type: checkType(input.type),
      version: input.version,
      data: toBase64(input.data),
    };
    if (input.id !== undefined && input.id !== "0") body.id = checkId(input.id, "id");
    return this.#call(
      {
        method: "PUT",
        path: `/api/objects/${seg(this.accountId)}`,
        route: "PUT /api/objects/:tenant",
        json: body,
        idempotent: false,
        auth: true,
        versionClash: true,
      },
      (b) => ({ id: big(obj(b, "answer").id ?? input.id, "id") }),
    );
  }

  /** {@link putObject} with JSON data (base64 of the JSON text on the wire). */
  async putJson(input: PutJsonInput): Promise<{ id: string }> {
    return this.putObject({
      type: input.type,
      ...(input.id !== undefined ? { id: input.id } : {}),
      version: input.version,
      data: jsonToBytes(input.value),
    });
  }

  /** `DELETE` an object and its associations (1 round-trip); `success:false` if it did not exist. */
  async deleteObject(type: number, id: string): Promise<DeleteResult> {
    const path = `/api/objects/${seg(this.accountId)}/${checkType(type)}/${checkId(id, "id")}`;
    return this.#call(
      {
        method: "DELETE",
        path,
        route: "DELETE /api/objects/:tenant/:type/:id",
        idempotent: true,
        auth: true,
        nullOn404: true,
      },
      parseDelete,
    ).then((r) => r ?? { success: false, message: "not found" });
  }

  /** `GET /api/objects/stats/:tenant`: counts and bytes, as the server reports them. */
  async objectStats(): Promise<JsonObject> {
    return this.#call(
      {
        method: "GET",
        path: `/api/objects/stats/${seg(this.accountId)}`,
        route: "GET /api/objects/stats/:tenant",
        idempotent: true,
        auth: true,
      },
      (b) => obj(b, "answer"),
    );
  }

  // ----------------------------------------------------------- associations

  /** `PUT` an association (1 round-trip, idempotent: re-PUT overwrites time/position/data). */
  async putAssociation(input: PutAssociationInput): Promise<void> {
    const time = input.time ?? nowMs();
    const data = input.json !== undefined ? jsonToBytes(input.json) : (input.data ?? new Uint8Array(0));
    await this.#call(
      {
        method: "PUT",
        path: `/api/objects/${seg(this.accountId)}/associations`,
        route: "PUT /api/objects/:tenant/associations",
        json: {
          type: checkName(input.type, "association type"),
          sourceId: checkId(input.sourceId, "sourceId"),
          targetId: checkId(input.targetId, "targetId"),
          time: checkId(time, "time"),
          position: checkId(input.position ?? time, "position"),
          data: toBase64(data),
        },
        idempotent: true,
        auth: true,
      },
      () => undefined,
    );
  }

  /** Lists associations of `type` from `sourceId` (1 round-trip), position descending. Empty → count 0. */
  async listAssociations(
    type: string,
    sourceId: string,
    query: ListAssociationsQuery = {},
  ): Promise<AssociationList> {
    const path = `/api/objects/${seg(this.accountId)}/associations/${seg(checkName(type, "association type"))}/${checkId(sourceId, "sourceId")}`;
    return this.#call(
      {
        method: "GET",
        path,
        route: "GET /api/objects/:tenant/associations/:type/:sourceId",
        query: { targetId: query.targetId, after: query.after, limit: query.limit },
        idempotent: true,
        auth: true,
        nullOn404: true,
      },
      (b) => {
        const o = obj(b, "answer");
        const associations = arr(o.associations ?? [], "associations").map(parseAssociation);
        return { count: optInt(o.count, "count", associations.length), associations };
      },
    ).then((r) => r ?? { count: 0, associations: [] });
  }

  /** Deletes one association (1 round-trip); `success:false` if it did not exist. */
  async deleteAssociation(type: string, sourceId: string, targetId: string): Promise<DeleteResult> {
    const path = `/api/objects/${seg(this.accountId)}/associations/${seg(checkName(type, "association type"))}/${checkId(sourceId, "sourceId")}/${checkId(targetId, "targetId")}`;
    return this.#call(
      {
        method: "DELETE",
        path,
        route: "DELETE /api/objects/:tenant/associations/:type/:sourceId/:targetId",
        idempotent: true,
        auth: true,
        nullOn404: true,
      },
      parseDelete,
    ).then((r) => r ?? { success: false, message: "not found" });
  }

  // ------------------------------------------------------ extensions (ours)

  /**
   * What the server offers beyond SUBSTRATE-API.md (GET /.well-known/hsagent-substrate, 1
   * round-trip, asked once per client; a server without the document offers nothing).
   */
  capabilities(): Promise<ServerCapabilities> {
    this.#capabilities ??= this.#call(
      {
        method: "GET",
        path: CAPABILITIES_PATH,
        route: `GET ${CAPABILITIES_PATH}`,
        idempotent: true,
        auth: false,
        nullOn404: true,
      },
      parseCapabilities,
    ).then(
      (c) => c ?? NO_CAPABILITIES,
      () => NO_CAPABILITIES,
    );
    return this.#capabilities;
  }

  /** True when {@link batch} goes out as one batched call (allowed here and offered by the server). */
  async batchSupported(): Promise<boolean> {
    return this.#batchAllowed && (await this.capabilities()).batch !== null;
  }

  /**
   * Several writes in ONE round-trip and one transaction, all or nothing, when the server offers
   * the batch extension; else (or with `batch: false` / `HSAGENT_SUBSTRATE_BATCH=off`) the same
   * items as single calls in order, which is neither atomic nor one round-trip. A lost version
   * race throws {@link BatchClashError} (batched: nothing was written). See batch.ts.
   */
  async batch(items: readonly BatchItem[]): Promise<BatchResult[]> {
    if (items.length === 0) return [];
    const caps = this.#batchAllowed ? await this.capabilities() : NO_CAPABILITIES;
    if (!caps.batch) return runSingly(this, items);
    if (items.length > caps.batch.maxItems) {
      throw new SubstrateError(`a batch holds at most ${caps.batch.maxItems} items`, "INVALID_ARGUMENT");
    }
    try {
      return await this.#call(batchRequest(this.accountId, items), (b) => parseBatchAnswer(b, items.length));
    } catch (error) {
      if (error instanceof VersionClashError && error.status === 409) {
        throw new BatchClashError(error, error.status, error.body, clashIndex(error.body));
      }
      throw error;
    }
  }

  // ----------------------------------------------------------------- chains

  #chainPath(op: string, chain: string, shard: number, tenant?: string): string {
    const t = tenant ?? this.username;
    const prefix = op ? `/api/chains/${op}` : "/api/chains";
    return `${prefix}/${seg(checkName(t, "tenant"))}/${seg(checkName(chain, "chain name"))}/${checkShard(shard)}`;
  }

  /**
   * Appends one block holding `payload` (1 round-trip; NOT retried: an append is
   * not idempotent). `tenant` (a username) defaults to our own; writing to
   * another tenant's chain is cross-user messaging.
   */
  async appendBlock(
    chain: string,
    shard: number,
    payload: Uint8Array | string,
    options: { tenant?: string } = {},
  ): Promise<AppendResult> {
    return this.#appendLike("append", chain, shard, payload, options.tenant);
  }

  /** Prepends one block (1 round-trip, not retried). */
  async prependBlock(
    chain: string,
    shard: number,
    payload: Uint8Array | string,
    options: { tenant?: string } = {},
  ): Promise<AppendResult> {
    return this.#appendLike("prepend", chain, shard, payload, options.tenant);
  }

  async #appendLike(
    op: "append" | "prepend",
    chain: string,
    shard: number,
    payload: Uint8Array | string,
    tenant: string | undefined,
  ): Promise<AppendResult> {
    const body = typeof payload === "string" ? utf8(payload) : payload;
    if (body.byteLength === 0)
      throw new SubstrateError("chain payload must not be empty", "INVALID_ARGUMENT");
    return this.#call(
      {
        method: "POST",
        path: this.#chainPath(op, chain, shard, tenant),
        route: `POST /api/chains/${op}/:tenant/:chain/:shard`,
        body,
        idempotent: false,
        auth: true,
      },
      (b) => {
        const o = obj(b, "answer");
        return {
          blockIdx: sbig(o.blockIdx, "blockIdx"),
          eventId: o.eventId == null ? null : String(o.eventId),
        };
      },
    );
  }

  /** One block by index (1 round-trip); null if absent. */
  async getBlock(chain: string, shard: number, blockIdx: string | number): Promise<ChainBlock | null> {
    const idx = String(blockIdx);
    if (!/^-?[0-9]{1,30}$/.test(idx))
      throw new SubstrateError("blockIdx must be a decimal index", "INVALID_ARGUMENT");
    return this.#call(
      {
        method: "GET",
        path: `${this.#chainPath("", chain, shard)}/${idx}`,
        route: "GET /api/chains/:tenant/:chain/:shard/:blockIdx",
        idempotent: true,
        auth: true,
        nullOn404: true,
      },
      (b) => parseBlock(obj(b, "answer").block ?? null),
    );
  }

  /** First block (1 round-trip); null if the chain is empty or absent. */
  async firstBlock(chain: string, shard: number): Promise<ChainBlock | null> {
    return this.#edgeBlock("first", chain, shard);
  }

  /** Last block (1 round-trip); null if the chain is empty or absent. */
  async lastBlock(chain: string, shard: number): Promise<ChainBlock | null> {
    return this.#edgeBlock("last", chain, shard);
  }

  async #edgeBlock(op: "first" | "last", chain: string, shard: number): Promise<ChainBlock | null> {
    return this.#call(
      {
        method: "GET",
        path: this.#chainPath(op, chain, shard),
        route: `GET /api/chains/${op}/:tenant/:chain/:shard`,
        idempotent: true,
        auth: true,
        nullOn404: true,
      },
      (b) => {
        const block = obj(b, "answer").block;
        return block === undefined || block === null ? null : parseBlock(block);
      },
    );
  }

  /** Blocks in an index range (1 round-trip). */
  async rangeBlocks(chain: string, shard: number, query: ChainRangeQuery = {}): Promise<ChainBlock[]> {
    return this.#call(
      {
        method: "GET",
        path: this.#chainPath("range", chain, shard),
        route: "GET /api/chains/range/:tenant/:chain/:shard",
        query: {
          startIdx: query.startIdx === undefined ? undefined : String(query.startIdx),
          endIdx: query.endIdx === undefined ? undefined : String(query.endIdx),
          order: query.order,
        },
        idempotent: true,
        auth: true,
        nullOn404: true,
      },
      parseBlocks,
    ).then((r) => r ?? []);
  }

  /** The `count` most recent blocks (1 round-trip; count ≤ 1000); `[]` if the chain is absent. */
  async recentBlocks(chain: string, shard: number, count = 50): Promise<ChainBlock[]> {
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      throw new SubstrateError("count must be in 1..1000", "INVALID_ARGUMENT");
    }
    return this.#call(
      {
        method: "GET",
        path: this.#chainPath("recent", chain, shard),
        route: "GET /api/chains/recent/:tenant/:chain/:shard",
        query: { count },
        idempotent: true,
        auth: true,
        nullOn404: true,
      },
      parseBlocks,
    ).then((r) => r ?? []);
  }

  /** Chain metadata (1 round-trip); null if the chain does not exist. */
  async chainMetadata(chain: string, shard: number): Promise<ChainMetadata | null> {
    return this.#call(
      {
        method: "GET",
        path: this.#chainPath("metadata", chain, shard),
        route: "GET /api/chains/metadata/:tenant/:chain/:shard",
        idempotent: true,
        auth: true,
        nullOn404: true,
      },
      (b) => {
        const c = obj(obj(b, "answer").chain, "chain");
        return {
          shardId: optInt(c.shardId, "shardId", shard),
          tenant: optStr(c.tenant, "tenant") ?? "",
          name: optStr(c.name, "name") ?? chain,
          blockCount: optInt(c.blockCount, "blockCount", 0),
          messageCount: optInt(c.messageCount, "messageCount", 0),
          payloadBytes: optInt(c.payloadBytes, "payloadBytes", 0),
          currentHead: optSbig(c.currentHead, "currentHead"),
          currentTail: optSbig(c.currentTail, "currentTail"),
          raw: c,
        };
      },
    );
  }

  /** Server-side validation of the chain's hash links (1 round-trip). */
  async validateChain(chain: string, shard: number): Promise<ChainValidation> {
    return this.#call(
      {
        method: "GET",
        path: this.#chainPath("validate", chain, shard),
        route: "GET /api/chains/validate/:tenant/:chain/:shard",
        idempotent: true,
        auth: true,
      },
      (b) => {
        const v = obj(obj(b, "answer").validation, "validation");
        return {
          isValid: bool(v.isValid, "isValid"),
          errorMessage: optStr(v.errorMessage, "errorMessage"),
          hasGaps: v.hasGaps === undefined ? false : bool(v.hasGaps, "hasGaps"),
          raw: v,
        };
      },
    );
  }

  /**
   * Marks one of our chains owner-write-only (our server's extension, SUBSTRATE-API.md §7): other
   * tenants' appends then get 403. 1 round-trip. Throws ApiError 404 where the server lacks it.
   */
  async setChainOwnerWriteOnly(chain: string, on = true): Promise<void> {
    await this.#call(
      {
        method: "PUT",
        path: `/api/chains/policy/${seg(this.username)}/${seg(checkName(chain, "chain name"))}`,
        route: "PUT /api/chains/policy/:tenant/:chain",
        json: { ownerWriteOnly: on },
        idempotent: true,
        auth: true,
      },
      () => undefined,
    );
  }

  /** `GET /api/chains/stats/:tenant` for our own tenant. */
  async chainStats(): Promise<JsonObject> {
    return this.#call(
      {
        method: "GET",
        path: `/api/chains/stats/${seg(this.username)}`,
        route: "GET /api/chains/stats/:tenant",
        idempotent: true,
        auth: true,
      },
      (b) => obj(b, "answer"),
    );
  }

  /** Deletes a chain of ours (1 round-trip); `success:false` if it did not exist. */
  async deleteChain(chain: string, shard: number): Promise<DeleteResult> {
    return this.#call(
      {
        method: "DELETE",
        path: this.#chainPath("", chain, shard),
        route: "DELETE /api/chains/:tenant/:chain/:shard",
        idempotent: true,
        auth: true,
        nullOn404: true,
      },
      parseDelete,
    ).then((r) => r ?? { success: false, message: "not found" });
  }

  // -------------------------------------------------------------- internals

  #requireAccount(): AccountInfo {
    if (!this.#account) throw new NotAuthenticatedError("not logged in: call login() first");
    return this.#account;
  }

  /** Known secrets of this session, scrubbed from any server text we keep. */
  #secrets(): string[] {
    const out: string[] = [];
    if (this.#token) out.push(this.#token);
    const c = this.#credentials;
    if (c && "password" in c) out.push(c.password);
    if (c && "key" in c) out.push(c.key, c.key.split("%")[1] ?? c.key);
    return out.filter((s) => s.length >= 4);
  }

  #scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets()) out = out.split(secret).join("[redacted]");
    return out;
  }

  async #registerOnly(username: string, password: string): Promise<string[]> {
    const result = await this.#call(
      {
        method: "POST",
        path: "/api/auth/register",
        route: "POST /api/auth/register",
        json: { username, password },
        idempotent: false,
        auth: false,
      },
      (b) => {
        const o = obj(b, "answer");
        return {
          jwt: str(o.jwt, "jwt"),
          words: o.words === undefined ? [] : arr(o.words, "words").map((w) => str(w, "word")),
        };
      },
    );
    this.#token = result.jwt;
    this.#authMethod = "password";
    return result.words;
  }

  /** POST /api/auth/login (+ register on 401 when allowed). Sets token and method. */
  async #loginOnly(creds: Credentials, autoRegister: boolean): Promise<void> {
    const isKey = "key" in creds;
    const json = isKey ? { key: creds.key } : { username: creds.username, password: creds.password };
    try {
      const jwt = await this.#call(
        {
          method: "POST",
          path: "/api/auth/login",
          route: "POST /api/auth/login",
          json,
          idempotent: true,
          auth: false,
        },
        (b) => str(obj(b, "answer").jwt, "jwt"),
      );
      this.#token = jwt;
      this.#authMethod = isKey ? "key" : "password";
    } catch (error) {
      if (!isKey && autoRegister && error instanceof ApiError && error.status === 401) {
        try {
          await this.#registerOnly(creds.username, creds.password);
          return;
        } catch (registerError) {
          // Taken username: either another process registered it a moment ago (two agents of
          // one new account starting together) — then one more login succeeds — or the password
          // was simply wrong, and that login fails as the first one did.
          if (registerError instanceof ApiError && registerError.status === 409) {
            await this.#loginOnly(creds, false);
            return;
          }
          throw registerError;
        }
      }
      throw error;
    }
  }

  async #reloginOnce(): Promise<void> {
    if (!this.#relogin) {
      const creds = this.#credentials;
      if (!creds) throw new NotAuthenticatedError("token rejected and no credentials to log in again");
      this.stats.relogins++;
      this.#relogin = this.#loginOnly(creds, false).finally(() => {
        this.#relogin = null;
      });
    }
    return this.#relogin;
  }

  async #call<T>(
    spec: Omit<HttpRequest, "token"> & { auth?: boolean; nullOn404: true; versionClash?: boolean },
    parse: (body: JsonValue) => T,
  ): Promise<T | null>;
  async #call<T>(
    spec: Omit<HttpRequest, "token"> & { auth?: boolean; nullOn404?: false; versionClash?: boolean },
    parse: (body: JsonValue) => T,
  ): Promise<T>;
  async #call<T>(
    spec: Omit<HttpRequest, "token"> & { auth?: boolean; nullOn404?: boolean; versionClash?: boolean },
    parse: (body: JsonValue) => T,
  ): Promise<T | null> {
    const target: RequestTarget = { method: spec.method, path: spec.path };
    const auth = spec.auth ?? true;
    try {
      if (auth && !this.#token) throw new NotAuthenticatedError("not logged in: call login() first");
      const usedToken = this.#token;
      let response = await this.#transport.send({ ...spec, token: auth ? usedToken : null });
      if (response.status === 401 && auth && this.#credentials) {
        // Another call may already have logged in again; only re-login if our token is still current.
        if (this.#token === usedToken) await this.#reloginOnce();
        else if (this.#relogin) await this.#relogin;
        response = await this.#transport.send({ ...spec, token: this.#token });
      }
      if (response.status === 404 && spec.nullOn404) {
        return null;
      }
      if (response.status < 200 || response.status >= 300)
        throw this.#httpError(target, response, spec.versionClash);
      return this.#parse(target, response, parse);
    } catch (error) {
      this.stats.failures++;
      throw error;
    }
  }

  #parse<T>(target: RequestTarget, response: HttpResponse, parse: (body: JsonValue) => T): T {
    if (response.tooLarge) throw new InvalidResponseError(target, response.status, "response body too large");
    let body: JsonValue;
    try {
      body = response.body.byteLength === 0 ? {} : bytesToJson(response.body);
    } catch {
      throw new InvalidResponseError(target, response.status, "response body is not JSON");
    }
    try {
      return parse(body);
    } catch (error) {
      if (error instanceof ShapeError) throw new InvalidResponseError(target, response.status, error.message);
      throw error;
    }
  }

  #httpError(target: RequestTarget, response: HttpResponse, versionClash?: boolean): ApiError {
    let body: unknown = null;
    let serverCode: string | undefined;
    let detail: string | undefined;
    if (!response.tooLarge && response.body.byteLength > 0) {
      let parsed: JsonValue | undefined;
      try {
        parsed = bytesToJson(response.body);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined && typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        const text = this.#scrub(JSON.stringify(parsed));
        body = text.length <= 4096 ? (JSON.parse(text) as JsonValue) : text.slice(0, 4096);
        const o = body as { error?: unknown; code?: unknown };
        if (typeof o.code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(o.code)) serverCode = o.code;
        if (typeof o.error === "string") detail = o.error.slice(0, 200);
      } else {
        body = this.#scrub(Buffer.from(response.body.subarray(0, 512)).toString("utf8"));
      }
    }
    const { status } = response;
    if (versionClash && (status === 409 || status === 500))
      return new VersionClashError(target, status, body, detail);
    const code = serverCode ?? (status === 401 ? "UNAUTHORIZED" : `HTTP_${status}`);
    return new ApiError(target, status, code, body, detail);
  }
}

function parseDelete(b: JsonValue): DeleteResult {
  const o = obj(b, "answer");
  const success = o.success === undefined ? true : bool(o.success, "success");
  const message = optStr(o.message, "message");
  return message === null ? { success } : { success, message };
}
