// What every route module needs: the store, the token service, password cost and the
// authentication hook (401 on bad tokens, revocation check for key sessions, per-account 429).

import type { FastifyReply, FastifyRequest } from "fastify";
import type { ScryptParams } from "./auth/password.js";
import type { Principal, TokenService } from "./auth/tokens.js";
import { ApiError, unauthorized } from "./errors.js";
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
}

/** Extract the bearer token from the Authorization header. */
function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== "string") return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? (m[1] as string) : null;
}

/** Build the onRequest hook that authenticates a route. */
export function makeAuthHook(ctx: RouteContext) {
  return async function authenticate(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = bearer(req);
    if (!token || token.length > 4096) throw unauthorized("missing or malformed bearer token");
    const p = await ctx.tokens.verify(token);
    if (!p) throw unauthorized("invalid or expired token");
    if (p.kind === "key" && !(await ctx.store.agentKeyExists(p.accountId, p.agentId ?? -1n))) {
      throw unauthorized("agent key revoked");
    }
    if (ctx.accountLimiter) {
      const wait = ctx.accountLimiter.take(`a:${p.accountId}`);
      if (wait > 0) {
        reply.header("Retry-After", String(wait));
        throw new ApiError(429, "RATE_LIMITED", "too many requests");
      }
    }
    req.principal = p;
  };
}

/** The principal of an authenticated request (the hook guarantees it). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

/** Render a millisecond timestamp as ISO 8601. */
export const iso = (ms: number): string => new Date(ms).toISOString();
