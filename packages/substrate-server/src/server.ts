// The HTTP server: Fastify with JSON-schema validation, pino logging (secrets redacted), JSON errors
// without internals, per-IP and per-account rate limits, and graceful close. `startSubstrateServer`
// is the programmatic entry point used by tests, the CLI and other packages.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from "fastify";
import { LoginGuard, type LoginGuardOptions } from "./auth/login-guard.js";
import { DEFAULT_SCRYPT, dummyHash, type ScryptParams } from "./auth/password.js";
import { JWT_SECRET_ENV, resolveJwtSecret } from "./auth/secret.js";
import { TokenService } from "./auth/tokens.js";
import type { RouteContext } from "./context.js";
import { ApiError, type ApiErrorCode } from "./errors.js";
import { BodyBudget, DEFAULT_BODY_BUDGET_BYTES, installBodyGuard } from "./guard/body-guard.js";
import { DEFAULT_TENANT_QUOTA_BYTES, TenantQuota } from "./guard/quota.js";
import { type ServerTimeouts, serverTimeoutOptions, type TlsFiles } from "./guard/timeouts.js";
import { MAX_JSON_BODY_BYTES } from "./limits.js";
import { registerObservability } from "./observability.js";
import { DEFAULT_RATE_LIMIT, type RateLimitOptions, TokenBuckets } from "./rate-limit.js";
import { requestLoggerOptions } from "./request-logger.js";
import { accountRoutes } from "./routes/accounts.js";
import { batchRoutes } from "./routes/batch.js";
import { chainPolicyRoutes } from "./routes/chain-policy.js";
import { chainRoutes } from "./routes/chains.js";
import { objectRoutes } from "./routes/objects.js";
import { openStore, parseDbUrl } from "./store/open.js";
import type { SubstrateStore } from "./store/types.js";

/** Options for {@link startSubstrateServer}. */
export interface SubstrateServerOptions {
  /** Interface to bind; default "127.0.0.1". */
  host?: string;
  /** Port; 0 (the default here) picks a free one. */
  port?: number;
  /** "sqlite:<file>", "sqlite::memory:" or a postgres:// URL. */
  db: string;
  /** PostgreSQL schema to use (created if missing); default "public". */
  pgSchema?: string;
  /** pino logger options, `true` for info level, or `false`/omitted for no logging. */
  logger?: boolean | { level?: string; stream?: NodeJS.WritableStream };
  /** JWT HMAC secret (≥ 32 bytes); else env HSAGENT_SUBSTRATE_JWT_SECRET, else `<data dir>/jwt-secret`. */
  jwtSecret?: string | Uint8Array;
  /** Lifetime of issued JWTs in seconds; default 3600. */
  tokenTtlSeconds?: number;
  /** Rate limits; `false` turns them off. Default {@link DEFAULT_RATE_LIMIT}. */
  rateLimit?: RateLimitOptions | false;
  /** scrypt cost for new password hashes; default {@link DEFAULT_SCRYPT}. */
  scrypt?: ScryptParams;
  /** SQLite `synchronous` pragma; default "NORMAL" (crash-safe; "FULL" adds power-loss safety). */
  sqliteSynchronous?: "FULL" | "NORMAL";
  /** PostgreSQL pool size; default 10. */
  pgPoolSize?: number;
  /** Login limits (hash pool, per-username back-off, per-address login rate); see login-guard.ts. */
  login?: LoginGuardOptions;
  /** Connection, header and body timeouts; see guard/timeouts.ts. */
  timeouts?: Partial<ServerTimeouts>;
  /** Body bytes held across all requests being received; default {@link DEFAULT_BODY_BUDGET_BYTES}. */
  bodyBudgetBytes?: number;
  /** Storage quota per tenant in bytes, or `false` for none; default {@link DEFAULT_TENANT_QUOTA_BYTES}. */
  tenantQuotaBytes?: number | false;
  /** Serve HTTPS with this certificate chain and private key (PEM). */
  tls?: TlsFiles;
}

/** A running server. */
export interface RunningSubstrateServer {
  /** Base URL, e.g. "http://127.0.0.1:7780" (the API lives under `/api`). */
  url: string;
  /** Stop accepting connections, finish in-flight requests, close the database. */
  close(): Promise<void>;
  /** The storage backend (for tests and embedding). */
  store: SubstrateStore;
  /** The Fastify instance. */
  app: FastifyInstance;
}

const STATUS_CODES: Record<number, ApiErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  408: "REQUEST_TIMEOUT",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

function loggerOption(logger: SubstrateServerOptions["logger"]): FastifyServerOptions["logger"] {
  if (!logger) return false;
  const base = typeof logger === "object" ? logger : {};
  return {
    level: base.level ?? "info",
    ...(base.stream ? { stream: base.stream } : {}),
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.jwt", "*.secret", "*.key"],
      censor: "[redacted]",
    },
  } as FastifyServerOptions["logger"];
}

/** Build (but do not listen) the Fastify app over a store. */
export async function buildSubstrateApp(
  store: SubstrateStore,
  opts: Omit<SubstrateServerOptions, "db" | "host" | "port"> & { jwtSecret: Uint8Array },
): Promise<FastifyInstance> {
  const app = Fastify({
    ...serverTimeoutOptions(opts.timeouts, opts.tls),
    logger: loggerOption(opts.logger),
    ...requestLoggerOptions(
      opts.logger ? (typeof opts.logger === "object" ? (opts.logger.level ?? "info") : "info") : undefined,
    ),
    bodyLimit: MAX_JSON_BODY_BYTES,
    routerOptions: { maxParamLength: 300 },
    forceCloseConnections: "idle",
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Malformed URLs (bad percent-encoding): answer like every other 400, without echoing the URL.
    frameworkErrors: (_err, _req, reply) => {
      (reply as unknown as FastifyReply).code(400).send({ error: "malformed URL", code: "BAD_REQUEST" });
    },
  });
  app.decorateRequest("principal", null);
  // Clients that send `Content-Type: application/json` on every request (also a body-less DELETE)
  // are fine: an empty JSON body means "no body"; anything else goes to Fastify's safe parser.
  const jsonParser = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    if (body === "") {
      done(null, undefined);
      return;
    }
    jsonParser(req, typeof body === "string" ? body : body.toString("utf8"), done);
  });

  const limits = opts.rateLimit === false ? null : { ...DEFAULT_RATE_LIMIT, ...(opts.rateLimit ?? {}) };
  const ipLimiter = limits ? new TokenBuckets(limits.perIp) : null;
  const ctx: RouteContext = {
    store,
    tokens: new TokenService(opts.jwtSecret, opts.tokenTtlSeconds ?? 3600),
    scrypt: opts.scrypt ?? DEFAULT_SCRYPT,
    dummyHash: dummyHash(opts.scrypt ?? DEFAULT_SCRYPT),
    accountLimiter: limits ? new TokenBuckets(limits.perAccount) : null,
    login: new LoginGuard(
      limits
        ? opts.login
        : {
            loginRate: false,
            backoff: false,
            hashPool: { queue: 100_000, perName: Number.POSITIVE_INFINITY },
            ...opts.login,
          },
    ),
    quota:
      opts.tenantQuotaBytes === false
        ? null
        : new TenantQuota(store, opts.tenantQuotaBytes ?? DEFAULT_TENANT_QUOTA_BYTES),
  };
  installBodyGuard(
    app,
    new BodyBudget(opts.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET_BYTES),
    opts.timeouts?.bodyMs,
  );

  if (ipLimiter) {
    // Callback-style (not async): this runs on every request, and a promise per request costs.
    app.addHook("onRequest", (req, reply, done) => {
      const wait = ipLimiter.take(`ip:${req.ip}`);
      if (wait > 0) {
        reply.header("Retry-After", String(wait));
        done(new ApiError(429, "RATE_LIMITED", "too many requests"));
        return;
      }
      done();
    });
  }

  registerObservability(app, store);

  app.setErrorHandler((err: FastifyError | ApiError | Error, req, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.status).send({ error: err.message, code: err.code });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.code(400).send({ error: `bad request: ${fe.message}`.slice(0, 500), code: "BAD_REQUEST" });
    }
    const status = fe.statusCode;
    if (typeof status === "number" && status >= 400 && status < 500) {
      const code = STATUS_CODES[status] ?? "BAD_REQUEST";
      return reply.code(status).send({ error: (fe.message || "bad request").slice(0, 500), code });
    }
    req.log.error({ err, reqId: req.id }, "request failed");
    return reply.code(500).send({ error: "internal error", code: "INTERNAL" });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ error: "no such route", code: "NOT_FOUND" }),
  );

  accountRoutes(app, ctx);
  objectRoutes(app, ctx);
  chainPolicyRoutes(app, ctx);
  batchRoutes(app, ctx);
  await app.register(async (scope) => chainRoutes(scope, ctx));
  // While closing, answer in-flight requests with `Connection: close` so their sockets do not
  // linger as idle keep-alive connections and delay shutdown. This costs nothing per request: the
  // open connections are tracked (per connection, not per request), and only on close are the
  // responses still in flight switched to `Connection: close`. Requests that arrive later get
  // Fastify's 503, which closes its connection too.
  const sockets = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  app.addHook("preClose", (done) => {
    for (const socket of sockets) {
      const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (!res) continue;
      if (!res.headersSent) res.shouldKeepAlive = false;
      else res.once("finish", () => socket.end());
    }
    app.server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
      res.shouldKeepAlive = false;
    });
    done();
  });
  app.addHook("onClose", async () => store.close());
  return app;
}

/** Start a substrate server; resolves once it accepts requests. */
export async function startSubstrateServer(opts: SubstrateServerOptions): Promise<RunningSubstrateServer> {
  const loc = parseDbUrl(opts.db);
  const jwtSecret = resolveJwtSecret(opts.jwtSecret, loc.kind === "sqlite" ? loc.dataDir : undefined);
  const store = await openStore(loc, opts);
  let app: FastifyInstance;
  try {
    app = await buildSubstrateApp(store, { ...opts, jwtSecret });
    if (loc.kind === "postgres" && opts.jwtSecret === undefined && !process.env[JWT_SECRET_ENV]) {
      app.log.warn(`no ${JWT_SECRET_ENV}: tokens are valid on this replica only and die with the process`);
    }
    await app.listen({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 0 });
  } catch (err) {
    await store.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : (opts.port ?? 0);
  const host = opts.host ?? "127.0.0.1";
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | null = null;
  return {
    url: `${opts.tls ? "https" : "http"}://${urlHost}:${port}`,
    store,
    app,
    close: () => {
      closing ??= app.close().then(() => undefined);
      return closing;
    },
  };
}
