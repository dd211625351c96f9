// Per-tenant storage quota. A tenant's usage is its object and association bytes plus the payload
// bytes of its chains (a chain counts against the tenant that owns it, whoever appended). Usage is
// read from the store at most every `refreshMs` per tenant and advanced by every write admitted in
// between, so a check costs no query on the hot path; replaced object data is counted twice until
// the next refresh, which errs on the safe side.

import { ApiError } from "../errors.js";
import type { SubstrateStore } from "../store/types.js";

/** Default quota: 1 GiB per tenant. */
export const DEFAULT_TENANT_QUOTA_BYTES = 1024 * 1024 * 1024;

/** The tenant a write lands in. */
export interface QuotaTenant {
  accountId: bigint;
  username: string;
}

interface Usage {
  bytes: number;
  at: number;
}

/** 413 with code QUOTA_EXCEEDED. */
export function quotaExceeded(limit: number): ApiError {
  return new ApiError(413, "QUOTA_EXCEEDED", `the tenant's storage quota (${limit} bytes) is used up`);
}

/** Tracks usage per tenant against one limit. */
export class TenantQuota {
  readonly limit: number;
  readonly #store: SubstrateStore;
  readonly #refreshMs: number;
  readonly #usage = new Map<string, Usage>();
  readonly #loading = new Map<string, Promise<Usage>>();

  constructor(store: SubstrateStore, limit: number = DEFAULT_TENANT_QUOTA_BYTES, refreshMs = 10_000) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new Error("quota must be a positive integer");
    this.#store = store;
    this.limit = limit;
    this.#refreshMs = refreshMs;
  }

  async #measure(t: QuotaTenant): Promise<Usage> {
    const [stats, chains] = await Promise.all([
      this.#store.objectStats(t.accountId),
      this.#store.listChains(t.username),
    ]);
    let bytes = Number(stats.objectBytes + stats.associationBytes);
    for (const c of chains) bytes += Number(c.payloadBytes);
    return { bytes, at: Date.now() };
  }

  async #current(t: QuotaTenant): Promise<Usage> {
    const key = t.accountId.toString();
    const u = this.#usage.get(key);
    if (u && Date.now() - u.at < this.#refreshMs) return u;
    let pending = this.#loading.get(key);
    if (!pending) {
      pending = this.#measure(t).finally(() => this.#loading.delete(key));
      this.#loading.set(key, pending);
    }
    const fresh = await pending;
    // Keep the cap on remembered tenants modest: drop everything stale when it grows large.
    if (this.#usage.size > 10_000) this.#usage.clear();
    this.#usage.set(key, fresh);
    return fresh;
  }

  /**
   * Admit a write of `bytes` into tenant `t`, or throw 413 QUOTA_EXCEEDED. Synchronous (returns
   * undefined, or throws) while the tenant's usage is fresh, which is the rule on the hot path; a
   * promise when the usage must be read from the store first.
   */
  admit(t: QuotaTenant, bytes: number): Promise<void> | undefined {
    const u = this.#usage.get(t.accountId.toString());
    if (u && Date.now() - u.at < this.#refreshMs) {
      this.#take(u, bytes);
      return undefined;
    }
    return this.#current(t).then((fresh) => this.#take(fresh, bytes));
  }

  #take(u: Usage, bytes: number): void {
    if (u.bytes + bytes > this.limit) throw quotaExceeded(this.limit);
    u.bytes += bytes;
  }
}
