// Everything a password check passes through, in order: the per-username back-off (login only),
// the per-address login rate, then the bounded hash pool (one check per username at a time). Routes call
// `LoginGuard.check` / `LoginGuard.hash` instead of scrypt directly, so every path that costs a hash
// is limited the same way. Refusals are 429 with Retry-After.

import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError, badRequest } from "../errors.js";
import type { BucketConfig } from "../rate-limit.js";
import { TokenBuckets } from "../rate-limit.js";
import { HashPool, type HashPoolOptions, PoolFullError } from "./hash-pool.js";
import { LoginBackoff, type LoginBackoffOptions } from "./login-backoff.js";

/** Shortest password accepted at registration. Exactly 8: HSAgent_2's selftest registers `password`. */
export const MIN_PASSWORD_LENGTH = 8;
/** Longest password accepted. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Per-address budget of password checks (login with a password, registration): 10/s, bursts of 50. */
export const DEFAULT_LOGIN_RATE: BucketConfig = { ratePerSecond: 10, burst: 50 };

/** Settings of {@link LoginGuard}. */
export interface LoginGuardOptions {
  /** Hash pool sizes. */
  hashPool?: Partial<HashPoolOptions>;
  /** Per-username back-off; `false` turns it off. */
  backoff?: Partial<LoginBackoffOptions> | false;
  /** Per-address rate of password checks; `false` turns it off. */
  loginRate?: BucketConfig | false;
}

/** Validate a new password: a string of {@link MIN_PASSWORD_LENGTH}..{@link MAX_PASSWORD_LENGTH} characters. */
export function checkNewPassword(v: unknown): string {
  if (typeof v !== "string" || v.length < MIN_PASSWORD_LENGTH || v.length > MAX_PASSWORD_LENGTH) {
    throw badRequest(
      `password must be a string of ${MIN_PASSWORD_LENGTH}..${MAX_PASSWORD_LENGTH} characters`,
    );
  }
  return v;
}

function tooMany(reply: FastifyReply, seconds: number, message: string): ApiError {
  reply.header("Retry-After", String(seconds));
  return new ApiError(429, "RATE_LIMITED", message);
}

/** The per-server login limits; see the module header. */
export class LoginGuard {
  readonly pool: HashPool;
  readonly backoff: LoginBackoff | null;
  readonly #rate: TokenBuckets | null;

  constructor(opts: LoginGuardOptions = {}) {
    this.pool = new HashPool(opts.hashPool);
    this.backoff = opts.backoff === false ? null : new LoginBackoff(opts.backoff);
    this.#rate = opts.loginRate === false ? null : new TokenBuckets(opts.loginRate ?? DEFAULT_LOGIN_RATE);
  }

  #takeRate(req: FastifyRequest, reply: FastifyReply): void {
    const wait = this.#rate?.take(`login:${req.ip}`) ?? 0;
    if (wait > 0) throw tooMany(reply, wait, "too many password attempts from this address; retry later");
  }

  #pooled<T>(req: FastifyRequest, reply: FastifyReply, name: string, work: () => Promise<T>): Promise<T> {
    return this.pool.run({ client: req.ip, name }, work).catch((err: unknown) => {
      if (err instanceof PoolFullError) throw tooMany(reply, err.retryAfter, err.message);
      throw err;
    });
  }

  /** Hash a new password for `username` (registration) under the address rate and the pool. */
  hash(
    req: FastifyRequest,
    reply: FastifyReply,
    username: string,
    work: () => Promise<string>,
  ): Promise<string> {
    this.#takeRate(req, reply);
    return this.#pooled(req, reply, username, work);
  }

  /**
   * Check a password for `username` under the address rate, the username's back-off and the pool.
   * `check` resolves true when the credentials are right.
   */
  async check(
    req: FastifyRequest,
    reply: FastifyReply,
    username: string,
    check: () => Promise<boolean>,
  ): Promise<boolean> {
    const backoff = this.backoff;
    const key = LoginBackoff.key(username, req.ip);
    const wait = backoff?.begin(key) ?? 0;
    if (wait > 0) throw tooMany(reply, wait, "too many failed logins for this user; retry later");
    let ok: boolean;
    try {
      this.#takeRate(req, reply);
      ok = await this.#pooled(req, reply, username, check);
    } catch (err) {
      backoff?.cancel(key);
      throw err;
    }
    backoff?.finish(key, ok);
    return ok;
  }
}
