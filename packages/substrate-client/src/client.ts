// SubstrateClient: every endpoint of SUBSTRATE-API.md with typed inputs and validated outputs,
// plus the session handling HSAgent_2 relies on: login by password or key, optional
// auto-register, one transparent re-login on 401, and session narrowing to an agent key.
// This file is the public face only: each method is one line into its resource module
// (accounts.ts, objects.ts, associations.ts, chains.ts, batch.ts), and every request goes
// through the one request core (core.ts).

import * as accounts from "./accounts.js";
import * as associations from "./associations.js";
import { type BatchItem, type BatchResult, batchDisabledByEnv, sendBatch } from "./batch.js";
import { fetchCapabilities, NO_CAPABILITIES, type ServerCapabilities } from "./capabilities.js";
import type { AppendArgs } from "./chains.js";
import * as chains from "./chains.js";
import { RequestCore } from "./core.js";
import { SubstrateError } from "./errors.js";
import * as objects from "./objects.js";
import type { SubstrateClientOptions } from "./options.js";
import type { JsonObject } from "./shape.js";
import { type ClientStats, DEFAULT_RETRY, Transport } from "./transport.js";
import type {
  AccountInfo,
  AppendResult,
  AssociateKeyResult,
  AssociationList,
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

/**
 * Typed client of the substrate API. One instance = one session (one account);
 * it is safe to use concurrently. `stats.requests` counts every HTTP round-trip.
 */
export class SubstrateClient {
  /** Live counters; read `stats.requests` before/after an operation to count its round-trips. */
  readonly stats: ClientStats = { requests: 0, retries: 0, relogins: 0, failures: 0 };

  readonly #core: RequestCore;
  readonly #autoRegister: boolean;
  readonly #batchAllowed: boolean;
  #capabilities: Promise<ServerCapabilities> | null = null;

  constructor(options: SubstrateClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) {
      throw new SubstrateError("baseUrl must be an http(s) URL", "INVALID_ARGUMENT");
    }
    this.#autoRegister = options.autoRegister ?? false;
    this.#batchAllowed = options.batch ?? !batchDisabledByEnv();
    const transport = new Transport({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs ?? 10_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      maxResponseBytes: options.maxResponseBytes ?? 64 * 1024 * 1024,
      stats: this.stats,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });
    this.#core = new RequestCore(transport, this.stats, options.credentials ?? null);
  }

  /**
   * Closes idle keep-alive connections to the substrate now (idle ones also close by themselves
   * after 4 s and never keep the process alive). The client stays usable: a later call reconnects.
   */
  close(): void {
    this.#core.close();
  }

  // ---------------------------------------------------------------- session

  /** Account id of the session (the tenant of object paths). Throws if not logged in. */
  get accountId(): string {
    return this.#core.requireAccount().id;
  }

  /** Username of the session (the tenant of chain paths). Throws if not logged in. */
  get username(): string {
    return this.#core.requireAccount().username;
  }

  /** The account of the session, or null before login. */
  get account(): AccountInfo | null {
    return this.#core.account;
  }

  /** `"password"`, `"key"`, or null before login. */
  get authMethod(): AuthMethod | null {
    return this.#core.authMethod;
  }

  /**
   * Logs in (2 round-trips: login + `/me`; 3–4 when auto-registering).
   * Uses `credentials`, or those given to the constructor; remembers them for re-login on 401.
   */
  async login(credentials?: Credentials): Promise<AccountInfo> {
    return accounts.login(this.#core, credentials, this.#autoRegister);
  }

  /** Registers a password account and logs in as it (2 round-trips: register + `/me`). */
  async register(username: string, password: string): Promise<AccountInfo & RegisterResult> {
    return accounts.register(this.#core, username, password);
  }

  /** `GET /api/account/me` (1 round-trip). */
  async me(): Promise<AccountInfo> {
    return accounts.me(this.#core);
  }

  /**
   * Session narrowing (2 round-trips): provisions a fresh agent key with
   * `POST /api/agent/associate`, logs in with it and forgets the password.
   * Returns the key `"<username>%<64 hex>"` — a secret: store it like a password.
   */
  async narrow(): Promise<string> {
    return accounts.narrow(this.#core);
  }

  /** Forgets token and credentials (no round-trip). */
  logout(): void {
    this.#core.logout();
  }

  // ------------------------------------------------------------- agent keys

  /** `POST /api/agent/associate` (password session only). `secretHex`: 64 hex, optional `0x`. */
  async associateKey(secretHex: string): Promise<AssociateKeyResult> {
    return accounts.associateKey(this.#core, secretHex);
  }

  /** `POST /api/agent/revoke` (password session only). */
  async revokeKey(secretHex: string): Promise<void> {
    return accounts.revokeKey(this.#core, secretHex);
  }

  /** `POST /api/agent/check?account=` (no auth): is this secret associated with the account? */
  async checkKey(
    accountId: string,
    secretHex: string,
  ): Promise<{ associated: boolean; agent: string | null }> {
    return accounts.checkKey(this.#core, accountId, secretHex);
  }

  /** `POST /api/agent/verify` (no auth): is this key valid? */
  async verifyKey(key: string): Promise<boolean> {
    return accounts.verifyKey(this.#core, key);
  }

  // ---------------------------------------------------------------- objects

  /** `GET` one object (1 round-trip); `null` when it does not exist. */
  async getObject(type: number, id: string): Promise<ObjectRecord | null> {
    return objects.getObject(this.#core, type, id);
  }

  /** Like {@link getObject}, decoding the data as JSON (an InvalidResponseError if it is not JSON). */
  async getJson<T = JsonValue>(type: number, id: string): Promise<JsonObjectRecord<T> | null> {
    return objects.getJson<T>(this.#core, type, id);
  }

  /**
   * `PUT` an object (1 round-trip, never retried). Without `id` it creates and
   * returns the new id; with `id` it updates iff `version` is the stored one,
   * else throws {@link VersionClashError}. The stored version becomes `version + 1`.
   */
  async putObject(input: PutObjectInput): Promise<{ id: string }> {
    return objects.putObject(this.#core, input);
  }

  /** {@link putObject} with JSON data (base64 of the JSON text on the wire). */
  async putJson(input: PutJsonInput): Promise<{ id: string }> {
    return objects.putJson(this.#core, input);
  }

  /** `DELETE` an object and its associations (1 round-trip); `success:false` if it did not exist. */
  async deleteObject(type: number, id: string): Promise<DeleteResult> {
    return objects.deleteObject(this.#core, type, id);
  }

  /** `GET /api/objects/stats/:tenant`: counts and bytes, as the server reports them. */
  async objectStats(): Promise<JsonObject> {
    return objects.objectStats(this.#core);
  }

  // ----------------------------------------------------------- associations

  /** `PUT` an association (1 round-trip, idempotent: re-PUT overwrites time/position/data). */
  async putAssociation(input: PutAssociationInput): Promise<void> {
    return associations.putAssociation(this.#core, input);
  }

  /** Lists associations of `type` from `sourceId` (1 round-trip), position descending. Empty → count 0. */
  async listAssociations(
    type: string,
    sourceId: string,
    query: ListAssociationsQuery = {},
  ): Promise<AssociationList> {
    return associations.listAssociations(this.#core, type, sourceId, query);
  }

  /** Deletes one association (1 round-trip); `success:false` if it did not exist. */
  async deleteAssociation(type: string, sourceId: string, targetId: string): Promise<DeleteResult> {
    return associations.deleteAssociation(this.#core, type, sourceId, targetId);
  }

  // ------------------------------------------------------ extensions (ours)

  /**
   * What the server offers beyond SUBSTRATE-API.md (GET /.well-known/hsagent-substrate, 1
   * round-trip, asked once per client; a server without the document offers nothing).
   */
  capabilities(): Promise<ServerCapabilities> {
    this.#capabilities ??= fetchCapabilities(this.#core);
    return this.#capabilities;
  }

  /** True when {@link batch} goes out as one batched call (allowed here and offered by the server). */
  async batchSupported(): Promise<boolean> {
    return this.#batchAllowed && (await this.capabilities()).batch !== null;
  }

  /**
   * True when batches go to the server as one call and it takes item `op` there (e.g.
   * `expectNoAssociation`, which older servers lack); false means such a batch would run as
   * single calls.
   */
  async batchSupports(op: BatchItem["op"]): Promise<boolean> {
    if (!this.#batchAllowed) return false;
    return (await this.capabilities()).batch?.ops.has(op) ?? false;
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
    return sendBatch(this.#core, caps, items, this);
  }

  // ----------------------------------------------------------------- chains

  /**
   * Appends one block holding `payload` (1 round-trip; NOT retried: an append is
   * not idempotent). `tenant` (a username) defaults to our own; writing to
   * another tenant's chain is cross-user messaging.
   */
  async appendBlock(...args: AppendArgs): Promise<AppendResult> {
    return chains.appendBlock(this.#core, "append", ...args);
  }

  /** Prepends one block (1 round-trip, not retried); arguments as {@link appendBlock}. */
  async prependBlock(...args: AppendArgs): Promise<AppendResult> {
    return chains.appendBlock(this.#core, "prepend", ...args);
  }

  /** One block by index (1 round-trip); null if absent. */
  async getBlock(chain: string, shard: number, blockIdx: string | number): Promise<ChainBlock | null> {
    return chains.getBlock(this.#core, chain, shard, blockIdx);
  }

  /** First block (1 round-trip); null if the chain is empty or absent. */
  async firstBlock(chain: string, shard: number): Promise<ChainBlock | null> {
    return chains.edgeBlock(this.#core, "first", chain, shard);
  }

  /** Last block (1 round-trip); null if the chain is empty or absent. */
  async lastBlock(chain: string, shard: number): Promise<ChainBlock | null> {
    return chains.edgeBlock(this.#core, "last", chain, shard);
  }

  /** Blocks in an index range (1 round-trip); `[]` if the chain is absent. */
  async rangeBlocks(chain: string, shard: number, query: ChainRangeQuery = {}): Promise<ChainBlock[]> {
    return chains.rangeBlocks(this.#core, chain, shard, query);
  }

  /** The `count` most recent blocks (1 round-trip; count ≤ 1000); `[]` if the chain is absent. */
  async recentBlocks(chain: string, shard: number, count = 50): Promise<ChainBlock[]> {
    return chains.recentBlocks(this.#core, chain, shard, count);
  }

  /** Chain metadata (1 round-trip); null if the chain does not exist. */
  async chainMetadata(chain: string, shard: number): Promise<ChainMetadata | null> {
    return chains.chainMetadata(this.#core, chain, shard);
  }

  /** Server-side validation of the chain's hash links (1 round-trip). */
  async validateChain(chain: string, shard: number): Promise<ChainValidation> {
    return chains.validateChain(this.#core, chain, shard);
  }

  /**
   * Marks one of our chains owner-write-only (our server's extension, SUBSTRATE-API.md §7): other
   * tenants' appends then get 403. 1 round-trip. Throws ApiError 404 where the server lacks it.
   */
  async setChainOwnerWriteOnly(chain: string, on = true): Promise<void> {
    return chains.setChainOwnerWriteOnly(this.#core, chain, on);
  }

  /** `GET /api/chains/stats/:tenant` for our own tenant. */
  async chainStats(): Promise<JsonObject> {
    return chains.chainStats(this.#core);
  }

  /** Deletes a chain of ours (1 round-trip); `success:false` if it did not exist. */
  async deleteChain(chain: string, shard: number): Promise<DeleteResult> {
    return chains.deleteChain(this.#core, chain, shard);
  }
}
