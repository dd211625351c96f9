// What every route module needs: the store, the token service, password cost and the
// authentication hook (401 on bad tokens, revocation check for key sessions, per-account 429).

import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import type { LoginGuard } from "./auth/login-guard.js";
import type { ScryptParams } from "./auth/password.js";
import type { Principal, TokenService } from "./auth/tokens.js";
import { ApiError, unauthorized } from "./errors.js";
import type { TenantQuota } from "./guard/quota.js";
import type { TokenBuckets } from "./rate-limit.js";
import type { SubstrateStore } from "./store/types.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller (set by the auth hook on authenticated routes). */
    principal: Principal | null;
  }
}

/** Shared state for route modules. */
export interface RouteContext {
  store: SubstrateStore;
  tokens: TokenService;
  scrypt: ScryptParams;
  /** Hash verified when a username is unknown, to keep login timing uniform. */
  dummyHash: Promise<string>;
  accountLimiter: TokenBuckets | null;
  /** Login rate, per-username back-off and the bounded hash pool. */
  login: LoginGuard;
  /** Per-tenant storage quota, or null when off. */
  quota: TenantQuota | null;
}

/** Extract the bearer token from the Authorization header. */
function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== "string") return null;
  // Fast path for the usual "Bearer <token>" (one space, no other whitespace).
  if (h.startsWith("Bearer ") && h.indexOf(" ", 7) < 0 && !/\s/.test(h.slice(7))) {
    return h.length > 7 ? h.slice(7) : null;
  }
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? (m[1] as string) : null;
}

/** Whether the token's account exists under the token's username (checked once per new token). */
async function accountExists(store: SubstrateStore, p: Principal): Promise<boolean> {
  const account = await store.findAccountById(p.accountId);
  return account !== null && account.username === p.username;
}

/**
 * Build the onRequest hook that authenticates a route. It is callback-style and finishes
 * synchronously for the common case (a password session whose token was verified before), so
 * authenticated requests pay for no promise; new tokens and key sessions (which check the key
 * still exists) take the asynchronous path.
 */
export function makeAuthHook(ctx: RouteContext) {
  const admit = (req: FastifyRequest, reply: FastifyReply, p: Principal): ApiError | null => {
    if (ctx.accountLimiter) {
      const wait = ctx.accountLimiter.take(`a:${p.accountId}`);
      if (wait > 0) {
        reply.header("Retry-After", String(wait));
        return new ApiError(429, "RATE_LIMITED", "too many requests");
      }
    }
    req.principal = p;
    return null;
  };
  const slow = async (req: FastifyRequest, reply: FastifyReply, token: string): Promise<ApiError | null> => {
    const p = await ctx.tokens.verify(token, (c) => accountExists(ctx.store, c));
    if (!p) return unauthorized("invalid or expired token");
    if (p.kind === "key" && !(await ctx.store.agentKeyExists(p.accountId, p.agentId ?? -1n))) {
      return unauthorized("agent key revoked");
    }
    return admit(req, reply, p);
  };
  return function authenticate(
    req: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const token = bearer(req);
    if (!token || token.length > 4096) {
      done(unauthorized("missing or malformed bearer token"));
      return;
    }
    const p = ctx.tokens.cached(token);
    if (p === null) {
      done(unauthorized("invalid or expired token"));
      return;
    }
    if (p !== undefined && p.kind === "password") {
      done(admit(req, reply, p) ?? undefined);
      return;
    }
    slow(req, reply, token).then(
      (err) => done(err ?? undefined),
      (err: unknown) => done(err as Error),
    );
  };
}

/** The principal of an authenticated request (the hook guarantees it). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

/** Render a millisecond timestamp as ISO 8601. */
export const iso = (ms: number): string => new Date(ms).toISOString();
