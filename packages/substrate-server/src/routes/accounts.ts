// §1 Accounts and §2 agent keys: register, login (password or key), me, associate/revoke/check/verify.

import { randomInt } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { hashSecret, parseAgentKey, parseSecret } from "../auth/keys.js";
import { checkNewPassword, MAX_PASSWORD_LENGTH } from "../auth/login-guard.js";
import { hashPassword, verifyPassword } from "../auth/password.js";
import { makeAuthHook, principalOf, type RouteContext } from "../context.js";
import { ApiError, badRequest, forbidden, notFound, unauthorized } from "../errors.js";
import { RECOVERY_WORDS } from "../recovery-words.data.js";
import { parseId, parseName } from "../wire.js";

/**
 * The static words of the chain routes (`/api/chains/<word>/...`); a username may not be one of
 * them, so `/api/chains/<username>/...` is never ambiguous.
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  "append",
  "prepend",
  "first",
  "last",
  "range",
  "recent",
  "metadata",
  "validate",
  "stats",
  "policy",
]);

const USERNAME = /^[A-Za-z0-9_.~-]{1,255}$/;

/** Credentials are small: a large body on these unauthenticated routes is refused before it is read. */
const CREDENTIALS_BODY_LIMIT = 16 * 1024;

const credentialsBody = {
  type: "object",
  properties: {
    username: { type: "string", maxLength: 255 },
    password: { type: "string", maxLength: MAX_PASSWORD_LENGTH },
    key: { type: "string", maxLength: 400 },
  },
} as const;

const secretBody = {
  type: "object",
  required: ["secret"],
  properties: { secret: { type: "string", maxLength: 200 } },
} as const;

function recoveryWords(): string[] {
  return [0, 1, 2].map(() => RECOVERY_WORDS[randomInt(RECOVERY_WORDS.length)] as string);
}

/** Register account and agent-key routes. */
export function accountRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const auth = makeAuthHook(ctx);
  const { store, tokens } = ctx;

  const credentialRoute = { schema: { body: credentialsBody }, bodyLimit: CREDENTIALS_BODY_LIMIT };

  app.post("/api/auth/register", credentialRoute, async (req, reply) => {
    const body = req.body as { username?: unknown; password?: unknown };
    const username = parseName(body.username, "username");
    if (RESERVED_USERNAMES.has(username)) throw badRequest("username is reserved");
    const password = checkNewPassword(body.password);
    if (await store.findAccountByUsername(username)) {
      throw new ApiError(409, "USERNAME_TAKEN", "username-taken");
    }
    const hash = await ctx.login.hash(req, reply, username, () => hashPassword(password, ctx.scrypt));
    const account = await store.createAccount(username, hash, Date.now());
    if (!account) throw new ApiError(409, "USERNAME_TAKEN", "username-taken");
    const jwt = await tokens.sign({ accountId: account.id, username, kind: "password" });
    return reply.code(201).send({ jwt, words: recoveryWords() });
  });

  app.post("/api/auth/login", credentialRoute, async (req, reply) => {
    const body = req.body as { username?: unknown; password?: unknown; key?: unknown };
    if (body.key !== undefined) {
      const key = parseAgentKey(body.key);
      if (!key) throw unauthorized("invalid credentials");
      const account = await store.findAccountByUsername(key.username);
      const found = account ? await store.findAgentKey(account.id, hashSecret(key.secretHex)) : null;
      if (!account || !found) throw unauthorized("invalid credentials");
      const jwt = await tokens.sign({
        accountId: account.id,
        username: account.username,
        kind: "key",
        agentId: found.agentId,
      });
      return { jwt };
    }
    if (typeof body.username !== "string" || typeof body.password !== "string") {
      throw badRequest("username and password (or key) are required");
    }
    // A username that could never have been registered is not looked up (and never reaches SQL).
    const { username, password } = body;
    const account = USERNAME.test(username) ? await store.findAccountByUsername(username) : null;
    const stored = account?.passwordHash ?? (await ctx.dummyHash);
    const ok = await ctx.login.check(req, reply, username, () => verifyPassword(password, stored));
    if (!account || !ok) throw unauthorized("invalid credentials");
    return {
      jwt: await tokens.sign({ accountId: account.id, username: account.username, kind: "password" }),
    };
  });

  app.get("/api/account/me", { onRequest: auth }, async (req) => {
    const p = principalOf(req);
    const account = await store.findAccountById(p.accountId);
    if (!account) throw unauthorized("account no longer exists");
    return {
      account: {
        type: 1,
        id: account.id.toString(),
        version: account.version,
        attrs: { username: account.username },
      },
    };
  });

  app.post("/api/agent/associate", { onRequest: auth, schema: { body: secretBody } }, async (req) => {
    const p = principalOf(req);
    if (p.kind !== "password") throw forbidden("agent keys can only be managed with a password session");
    const raw = (req.body as { secret: unknown }).secret;
    const hex = parseSecret(raw);
    if (!hex) throw badRequest('secret must be 64 hex digits, optionally prefixed with "0x"');
    const key = await store.addAgentKey(p.accountId, hashSecret(hex), Date.now());
    if (!key) throw new ApiError(409, "CONFLICT", "agent key already associated");
    return { ok: true, collection: p.accountId.toString(), agent: key.agentId.toString(), secret: raw };
  });

  app.post("/api/agent/revoke", { onRequest: auth, schema: { body: secretBody } }, async (req) => {
    const p = principalOf(req);
    if (p.kind !== "password") throw forbidden("agent keys can only be managed with a password session");
    const hex = parseSecret((req.body as { secret: unknown }).secret);
    if (!hex) throw badRequest('secret must be 64 hex digits, optionally prefixed with "0x"');
    if (!(await store.removeAgentKey(p.accountId, hashSecret(hex)))) throw notFound("unknown agent key");
    return { ok: true };
  });

  app.post(
    "/api/agent/check",
    {
      schema: {
        body: secretBody,
        querystring: { type: "object", required: ["account"], properties: { account: { type: "string" } } },
      },
    },
    async (req) => {
      const accountId = parseId((req.query as { account: unknown }).account, "account");
      const hex = parseSecret((req.body as { secret: unknown }).secret);
      if (!hex) throw badRequest('secret must be 64 hex digits, optionally prefixed with "0x"');
      const key = await store.findAgentKey(accountId, hashSecret(hex));
      return { associated: key !== null, agent: key ? key.agentId.toString() : null };
    },
  );

  app.post(
    "/api/agent/verify",
    {
      schema: {
        body: { type: "object", required: ["key"], properties: { key: { type: "string", maxLength: 400 } } },
      },
    },
    async (req) => {
      const key = parseAgentKey((req.body as { key: unknown }).key);
      if (!key) return { valid: false };
      const account = await store.findAccountByUsername(key.username);
      const found = account ? await store.findAgentKey(account.id, hashSecret(key.secretHex)) : null;
      return { valid: found !== null };
    },
  );
}
