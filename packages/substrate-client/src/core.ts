// The request core of the substrate client: the one path every call takes — bearer token, one
// transparent re-login on 401, HTTP status → typed error (server text scrubbed of our secrets),
// JSON decoding and shape validation of the answer — and the session state that path needs
// (token, credentials, account). The resource modules (accounts.ts, objects.ts,
// associations.ts, chains.ts, batch.ts) only build requests and read answers; nothing else
// sends. Internal: not exported from the package.

import { loginOnly } from "./accounts.js";
import { bytesToJson } from "./codec.js";
import {
  ApiError,
  InvalidResponseError,
  NotAuthenticatedError,
  type RequestTarget,
  VersionClashError,
} from "./errors.js";
import { bool, obj, optStr, ShapeError } from "./shape.js";
import type { ClientStats, HttpRequest, HttpResponse, Transport } from "./transport.js";
import type { AccountInfo, AuthMethod, Credentials, DeleteResult, JsonValue } from "./types.js";

/** HTTP method of a call. */
export type Method = HttpRequest["method"];

/** One call as a resource module describes it. */
export interface CallSpec {
  /** `"<METHOD> <route template>"`, e.g. `"GET /api/objects/:tenant/:type/:id"` (stats and hooks). */
  readonly route: `${Method} /${string}`;
  /** Encoded path. */
  readonly path: string;
  readonly query?: HttpRequest["query"];
  readonly json?: unknown;
  readonly body?: Uint8Array;
  /** Safe to repeat (retried on 429/503/network errors). Default: true for GET and DELETE only. */
  readonly idempotent?: boolean;
  /** Sends the session token (default true). */
  readonly auth?: boolean;
  /** A 404 answers `null` instead of throwing. */
  readonly nullOn404?: boolean;
  /** A 409 (or 500, as old hosted servers answer) is a {@link VersionClashError}. */
  readonly versionClash?: boolean;
}

/** Reads a decoded JSON answer; throws ShapeError when it is not of the documented shape. */
export type Parse<T> = (body: JsonValue) => T;

/** The request path and session of one {@link SubstrateClient}. */
export class RequestCore {
  readonly #transport: Transport;
  readonly #stats: ClientStats;
  #credentials: Credentials | null;
  #token: string | null = null;
  #authMethod: AuthMethod | null = null;
  #account: AccountInfo | null = null;
  #relogin: Promise<void> | null = null;

  constructor(transport: Transport, stats: ClientStats, credentials: Credentials | null) {
    this.#transport = transport;
    this.#stats = stats;
    this.#credentials = credentials;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#transport.close();
  }

  // ---------------------------------------------------------------- session

  get credentials(): Credentials | null {
    return this.#credentials;
  }

  set credentials(credentials: Credentials | null) {
    this.#credentials = credentials;
  }

  get account(): AccountInfo | null {
    return this.#account;
  }

  set account(account: AccountInfo | null) {
    this.#account = account;
  }

  get authMethod(): AuthMethod | null {
    return this.#authMethod;
  }

  /** The logged-in account; throws NotAuthenticatedError before login. */
  requireAccount(): AccountInfo {
    if (!this.#account) throw new NotAuthenticatedError("not logged in: call login() first");
    return this.#account;
  }

  /** Records a fresh session token (after login or register). */
  signedIn(token: string, method: AuthMethod): void {
    this.#token = token;
    this.#authMethod = method;
  }

  /** Forgets token, credentials and account. */
  logout(): void {
    this.#token = null;
    this.#credentials = null;
    this.#authMethod = null;
    this.#account = null;
  }

  // ---------------------------------------------------------------- calling

  /** Sends one call and reads its answer with `parse`; `null` on 404 when `nullOn404`. */
  call<T>(spec: CallSpec & { nullOn404: true }, parse: Parse<T>): Promise<T | null>;
  call<T>(spec: CallSpec & { nullOn404?: false }, parse: Parse<T>): Promise<T>;
  async call<T>(spec: CallSpec, parse: Parse<T>): Promise<T | null> {
    const method = spec.route.slice(0, spec.route.indexOf(" ")) as Method;
    const target: RequestTarget = { method, path: spec.path };
    const auth = spec.auth ?? true;
    const idempotent = spec.idempotent ?? (method === "GET" || method === "DELETE");
    // A literal per send, not `{ ...request, token }`: V8 (Node 20) adds a property to a spread
    // copy through a slow path (~1 µs each).
    const request = (token: string | null): HttpRequest => ({
      method,
      path: spec.path,
      route: spec.route,
      query: spec.query,
      json: spec.json,
      body: spec.body,
      idempotent,
      token,
    });
    try {
      if (auth && !this.#token) throw new NotAuthenticatedError("not logged in: call login() first");
      const usedToken = this.#token;
      let response = await this.#transport.send(request(auth ? usedToken : null));
      if (response.status === 401 && auth && this.#credentials) {
        // Another call may already have logged in again; only re-login if our token is still current.
        if (this.#token === usedToken) await this.#reloginOnce();
        else if (this.#relogin) await this.#relogin;
        response = await this.#transport.send(request(this.#token));
      }
      if (response.status === 404 && spec.nullOn404) return null;
      if (response.status < 200 || response.status >= 300)
        throw this.#httpError(target, response, spec.versionClash);
      return this.#parse(target, response, parse);
    } catch (error) {
      this.#stats.failures++;
      throw error;
    }
  }

  /** A DELETE call: its `{success, message?}` answer, or `success:false` when nothing was there (404). */
  async delete(route: CallSpec["route"], path: string): Promise<DeleteResult> {
    const result = await this.call({ route, path, nullOn404: true }, parseDelete);
    return result ?? { success: false, message: "not found" };
  }

  async #reloginOnce(): Promise<void> {
    if (!this.#relogin) {
      const creds = this.#credentials;
      if (!creds) throw new NotAuthenticatedError("token rejected and no credentials to log in again");
      this.#stats.relogins++;
      this.#relogin = loginOnly(this, creds, false).finally(() => {
        this.#relogin = null;
      });
    }
    return this.#relogin;
  }

  #parse<T>(target: RequestTarget, response: HttpResponse, parse: Parse<T>): T {
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

  /** Replaces the session's known secrets in server text we keep. */
  #scrub(text: string): string {
    const secrets: string[] = [];
    if (this.#token) secrets.push(this.#token);
    const c = this.#credentials;
    if (c && "password" in c) secrets.push(c.password);
    if (c && "key" in c) secrets.push(c.key, c.key.split("%")[1] ?? c.key);
    let out = text;
    for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
    return out;
  }
}

function parseDelete(b: JsonValue): DeleteResult {
  const o = obj(b, "answer");
  const success = o.success === undefined ? true : bool(o.success, "success");
  const message = optStr(o.message, "message");
  return message === null ? { success } : { success, message };
}
