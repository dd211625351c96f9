// JWTs (HS256 via jose). Password logins and key logins get distinguishable tokens (`knd` claim),
// because provisioning or revoking agent keys needs a password session.

import { createSecretKey, type KeyObject, randomUUID } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";

/** Which credential produced a token. */
export type TokenKind = "password" | "key";

/** The authenticated caller, decoded from a verified token. */
export interface Principal {
  accountId: bigint;
  username: string;
  kind: TokenKind;
  /** Agent id for key sessions. */
  agentId?: bigint;
}

const ISSUER = "hsagent-substrate";

/** How many verified tokens to remember (agents reuse one token for an hour). */
const CACHE_SIZE = 10_000;

/** Signs and verifies substrate JWTs with one HMAC key. */
export class TokenService {
  readonly #key: KeyObject;
  readonly #ttlSeconds: number;
  /** token → principal and expiry (ms); a verified token is immutable, so it need not be re-verified. */
  readonly #verified = new Map<string, { p: Principal; expMs: number }>();

  /** @param secret HMAC key (at least 32 bytes). @param ttlSeconds token lifetime. */
  constructor(secret: Uint8Array, ttlSeconds: number) {
    if (secret.length < 32) throw new Error("JWT secret must be at least 32 bytes");
    // Import once: handing jose raw bytes would re-import the key on every call.
    this.#key = createSecretKey(secret);
    this.#ttlSeconds = ttlSeconds;
  }

  /** Mint a token for a principal. */
  async sign(p: Principal): Promise<string> {
    const claims: Record<string, string> = { usr: p.username, knd: p.kind === "key" ? "key" : "pw" };
    if (p.agentId !== undefined) claims.agt = p.agentId.toString();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(p.accountId.toString())
      .setIssuer(ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(now + this.#ttlSeconds)
      .setJti(randomUUID())
      .sign(this.#key);
  }

  /**
   * Look a token up among the already verified ones, synchronously: the principal if it was
   * verified before and has not expired, null if it expired, undefined if it is not cached
   * (then call {@link verify}).
   */
  cached(token: string): Principal | null | undefined {
    const hit = this.#verified.get(token);
    if (hit === undefined) return undefined;
    if (hit.expMs > Date.now()) return hit.p;
    this.#verified.delete(token);
    return null;
  }

  /**
   * Verify a token; null if invalid, expired, without `exp`, or malformed. A token that was not
   * verified before is remembered only if `accept` (e.g. "the account exists") agrees; else null.
   */
  async verify(token: string, accept?: (p: Principal) => Promise<boolean>): Promise<Principal | null> {
    const hit = this.cached(token);
    if (hit !== undefined) return hit;
    const p = await this.#verifyUncached(token);
    if (p && accept && !(await accept(p.p))) return null;
    if (p) {
      if (this.#verified.size >= CACHE_SIZE) {
        const oldest = this.#verified.keys().next().value;
        if (oldest !== undefined) this.#verified.delete(oldest);
      }
      this.#verified.set(token, p);
      return p.p;
    }
    return null;
  }

  async #verifyUncached(token: string): Promise<{ p: Principal; expMs: number } | null> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ["HS256"],
        issuer: ISSUER,
        requiredClaims: ["exp"],
      });
      if (typeof payload.exp !== "number") return null;
      const expMs = payload.exp * 1000;
      const sub = payload.sub;
      const usr = payload.usr;
      const knd = payload.knd;
      if (typeof sub !== "string" || !/^[0-9]{1,19}$/.test(sub) || typeof usr !== "string") return null;
      if (knd === "pw") return { p: { accountId: BigInt(sub), username: usr, kind: "password" }, expMs };
      if (knd === "key" && typeof payload.agt === "string" && /^[0-9]{1,19}$/.test(payload.agt)) {
        return {
          p: { accountId: BigInt(sub), username: usr, kind: "key", agentId: BigInt(payload.agt) },
          expMs,
        };
      }
      return null;
    } catch {
      return null;
    }
  }
}
