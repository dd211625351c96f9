// Accounts and agent keys (SUBSTRATE-API.md §2–3): login by password or key (with the
// optional auto-register HSAgent_2 relies on), register, `/me`, session narrowing to an agent
// key, and the agent-key endpoints. Each function is one method of SubstrateClient.

import { randomBytes } from "node:crypto";
import { checkId, checkName, checkSecret } from "./args.js";
import type { RequestCore } from "./core.js";
import { ApiError, NotAuthenticatedError } from "./errors.js";
import { arr, big, bool, obj, optInt, str } from "./shape.js";
import type { AccountInfo, AssociateKeyResult, Credentials, JsonValue, RegisterResult } from "./types.js";

const optAgent = (v: JsonValue | undefined): string | null =>
  v === undefined || v === null ? null : String(v);

/** `POST /api/auth/register`; the session is the new account's. Returns the recovery words. */
async function registerOnly(core: RequestCore, username: string, password: string): Promise<string[]> {
  const result = await core.call(
    {
      route: "POST /api/auth/register",
      path: "/api/auth/register",
      json: { username, password },
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
  core.signedIn(result.jwt, "password");
  return result.words;
}

/** `POST /api/auth/login` (+ register on 401 when allowed). Sets token and method. */
export async function loginOnly(core: RequestCore, creds: Credentials, autoRegister: boolean): Promise<void> {
  const isKey = "key" in creds;
  const json = isKey ? { key: creds.key } : { username: creds.username, password: creds.password };
  try {
    const jwt = await core.call(
      { route: "POST /api/auth/login", path: "/api/auth/login", json, idempotent: true, auth: false },
      (b) => str(obj(b, "answer").jwt, "jwt"),
    );
    core.signedIn(jwt, isKey ? "key" : "password");
  } catch (error) {
    if (!isKey && autoRegister && error instanceof ApiError && error.status === 401) {
      try {
        await registerOnly(core, creds.username, creds.password);
        return;
      } catch (registerError) {
        // Taken username: either another process registered it a moment ago (two agents of
        // one new account starting together) — then one more login succeeds — or the password
        // was simply wrong, and that login fails as the first one did.
        if (registerError instanceof ApiError && registerError.status === 409) {
          await loginOnly(core, creds, false);
          return;
        }
        throw registerError;
      }
    }
    throw error;
  }
}

/** Logs in with `credentials` (or the remembered ones), then reads `/me`. */
export async function login(
  core: RequestCore,
  credentials: Credentials | undefined,
  autoRegister: boolean,
): Promise<AccountInfo> {
  const creds = credentials ?? core.credentials;
  if (!creds) throw new NotAuthenticatedError("no credentials to log in with");
  core.credentials = creds;
  await loginOnly(core, creds, autoRegister);
  core.account = await me(core);
  return core.account;
}

/** Registers a password account and logs in as it. */
export async function register(
  core: RequestCore,
  username: string,
  password: string,
): Promise<AccountInfo & RegisterResult> {
  checkName(username, "username");
  // Known before the call, so an error echoing the password is scrubbed.
  core.credentials = { username, password };
  const words = await registerOnly(core, username, password);
  core.account = await me(core);
  return { ...core.account, words };
}

/** `GET /api/account/me`. */
export function me(core: RequestCore): Promise<AccountInfo> {
  return core.call({ route: "GET /api/account/me", path: "/api/account/me" }, (b) => {
    const acc = obj(obj(b, "answer").account, "account");
    const attrs = acc.attrs === undefined ? {} : obj(acc.attrs, "account.attrs");
    return {
      id: big(acc.id, "account.id"),
      username: str(attrs.username, "account.attrs.username"),
      version: optInt(acc.version, "account.version", 0),
    };
  });
}

/** Provisions a fresh agent key, logs in with it and forgets the password; returns the key. */
export async function narrow(core: RequestCore): Promise<string> {
  const account = core.requireAccount();
  const creds = core.credentials;
  if (core.authMethod === "key" && creds && "key" in creds) return creds.key;
  if (core.authMethod !== "password") throw new NotAuthenticatedError("narrow() needs a password session");
  const { secretHex } = await associateKey(core, randomBytes(32).toString("hex"));
  const key = `${account.username}%${secretHex}`;
  await loginOnly(core, { key }, false);
  core.credentials = { key };
  return key;
}

/** `POST /api/agent/associate` (password session only). */
export function associateKey(core: RequestCore, secretHex: string): Promise<AssociateKeyResult> {
  const secret = checkSecret(secretHex);
  const ours = secret.slice(2);
  return core.call(
    { route: "POST /api/agent/associate", path: "/api/agent/associate", json: { secret } },
    (b) => {
      const o = obj(b, "answer");
      const echoed = typeof o.secret === "string" ? o.secret.replace(/^0x/, "").toLowerCase() : "";
      return { agent: optAgent(o.agent), secretHex: /^[0-9a-f]{64}$/.test(echoed) ? echoed : ours };
    },
  );
}

/** `POST /api/agent/revoke` (password session only). */
export async function revokeKey(core: RequestCore, secretHex: string): Promise<void> {
  const json = { secret: checkSecret(secretHex) };
  await core.call(
    { route: "POST /api/agent/revoke", path: "/api/agent/revoke", json, idempotent: true },
    () => {},
  );
}

/** `POST /api/agent/check?account=` (no auth). */
export function checkKey(
  core: RequestCore,
  accountId: string,
  secretHex: string,
): Promise<{ associated: boolean; agent: string | null }> {
  checkId(accountId, "accountId");
  return core.call(
    {
      route: "POST /api/agent/check",
      path: "/api/agent/check",
      query: { account: accountId },
      json: { secret: secretHex },
      idempotent: true,
      auth: false,
    },
    (b) => {
      const o = obj(b, "answer");
      return { associated: bool(o.associated, "associated"), agent: optAgent(o.agent) };
    },
  );
}

/** `POST /api/agent/verify` (no auth). */
export function verifyKey(core: RequestCore, key: string): Promise<boolean> {
  return core.call(
    {
      route: "POST /api/agent/verify",
      path: "/api/agent/verify",
      json: { key },
      idempotent: true,
      auth: false,
    },
    (b) => bool(obj(b, "answer").valid, "valid"),
  );
}
