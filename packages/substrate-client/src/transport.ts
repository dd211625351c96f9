// One HTTP round-trip layer: per-attempt timeout covering headers AND body, a
// cap on the response size, retries with exponential backoff and full jitter
// (honouring a capped Retry-After) for idempotent requests only, and a counter
// + hook per attempt so callers can report substrate calls.
// By default requests go through node:http(s) with a keep-alive agent: agents
// make a dozen calls per session, and WHATWG fetch (Request/Response objects,
// web streams, AbortSignal per call) cost them several times the CPU of the
// whole HTTP exchange. A caller-supplied `fetch` goes through ky instead (its
// own retry is disabled: the retry policy here must know which calls are
// idempotent — object-create PUT and chain append are not — and must count
// every attempt).

import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import ky, { TimeoutError as KyTimeoutError } from "ky";
import { NetworkError, type RequestTarget, TimeoutError } from "./errors.js";

/** Retry policy for idempotent requests (GET, DELETE, association PUT...). */
export interface RetryOptions {
  /** Retries after the first attempt (default 3). 0 disables retries. */
  readonly limit: number;
  /** First backoff delay in ms (default 200); doubles per attempt. */
  readonly baseDelayMs: number;
  /** Upper bound of one backoff delay in ms (default 5000). */
  readonly maxDelayMs: number;
  /** Upper bound applied to a server's Retry-After, in ms (default 10000). */
  readonly maxRetryAfterMs: number;
}

/** Defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: RetryOptions = {
  limit: 3,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  maxRetryAfterMs: 10_000,
};

/** One HTTP attempt, reported to `onRequest` after it finished (or failed). */
export interface RequestEvent {
  /** HTTP method. */
  readonly method: string;
  /** Route template, e.g. `GET /api/objects/:tenant/:type/:id`. */
  readonly route: string;
  /** HTTP status, or 0 when no answer came (network error, timeout). */
  readonly status: number;
  /** 1 for the first attempt, 2 for the first retry... */
  readonly attempt: number;
  /** Wall time of the attempt in ms. */
  readonly durationMs: number;
}

/** Live counters of a client. `requests` counts every HTTP round-trip (attempts, re-logins included). */
export interface ClientStats {
  /** HTTP requests sent (each retry and each re-login counts). */
  requests: number;
  /** Retries made after 429/503/network errors. */
  retries: number;
  /** Transparent re-logins after a 401. */
  relogins: number;
  /** Calls that ended in an error (including internally handled ones, e.g. the 401 before an auto-register). */
  failures: number;
}

/** A request as the client builds it. */
export interface HttpRequest {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Encoded path starting with `/api/`. */
  readonly path: string;
  /** Route template for stats and hooks. */
  readonly route: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly json?: unknown;
  readonly body?: Uint8Array;
  /** Safe to repeat: retried on 429/503/network errors. */
  readonly idempotent: boolean;
  readonly token?: string | null;
}

/** A raw answer: status, headers of interest and the (capped) body bytes. */
export interface HttpResponse {
  readonly status: number;
  readonly body: Uint8Array;
  readonly tooLarge: boolean;
}

/** Settings of the transport. */
export interface TransportOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly retry: RetryOptions;
  readonly maxResponseBytes: number;
  readonly fetch?: typeof globalThis.fetch;
  /** Extra trusted CA certificates (PEM) for https:// (node:https path only). */
  readonly ca?: string | Uint8Array;
  readonly onRequest?: (event: RequestEvent) => void;
  readonly stats: ClientStats;
  /** Injected for tests; defaults to setTimeout-based sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses a Retry-After header (delta seconds or HTTP date) into ms, or null. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** Backoff before retry number `retry` (1-based): full jitter in [d/2, d], d = base·2^(retry-1) capped. */
export function backoffDelay(retry: number, options: RetryOptions, random = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    if (typeof current === "object" && current !== null) {
      const code = (current as { code?: unknown }).code;
      if (typeof code === "string" && /^[A-Z_0-9]{2,40}$/.test(code)) return code;
      current = (current as { cause?: unknown }).cause;
    } else {
      break;
    }
  }
  return undefined;
}

async function readCapped(response: Response, max: number): Promise<{ body: Uint8Array; tooLarge: boolean }> {
  if (!response.body) return { body: new Uint8Array(0), tooLarge: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return { body: new Uint8Array(0), tooLarge: true };
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body, tooLarge: false };
}

/**
 * The `ca` option for https.Agent: the given PEM plus the system's roots (Node's `ca` replaces the
 * defaults, and a server certificate from a public CA should still verify).
 */
function caOption(ca: string | Uint8Array | undefined): { ca?: string[] } {
  if (ca === undefined) return {};
  const pem = typeof ca === "string" ? ca : Buffer.from(ca).toString("utf8");
  return { ca: [...tls.rootCertificates, pem] };
}

/** Idle keep-alive sockets are closed after this long (below common server keep-alive timeouts). */
const IDLE_SOCKET_MS = 4000;

type Attempt =
  | { kind: "response"; response: HttpResponse; retryAfter: string | null }
  | { kind: "network"; code: string | undefined }
  | { kind: "timeout" };

/** Sends requests; see the module header for the policy. */
export class Transport {
  readonly #options: TransportOptions;
  readonly #ky: typeof ky | null;
  readonly #agent: http.Agent | null;
  readonly #base: URL;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#sleep = options.sleep ?? sleepMs;
    this.#base = new URL(options.baseUrl.replace(/\/+$/, ""));
    if (options.fetch) {
      this.#ky = ky.create({ retry: 0, throwHttpErrors: false, timeout: false, fetch: options.fetch });
      this.#agent = null;
    } else {
      this.#ky = null;
      const agentOptions = { keepAlive: true, scheduling: "lifo" as const, timeout: IDLE_SOCKET_MS };
      this.#agent =
        this.#base.protocol === "https:"
          ? new https.Agent({ ...agentOptions, ...caOption(options.ca) })
          : new http.Agent(agentOptions);
    }
  }

  /** Close idle keep-alive connections (in-flight requests finish). */
  close(): void {
    this.#agent?.destroy();
  }

  /** Sends `request`, retrying per policy; resolves with any HTTP answer, throws NetworkError/TimeoutError. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const target: RequestTarget = { method: request.method, path: request.path };
    const { retry } = this.#options;
    const maxAttempts = request.idempotent ? retry.limit + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(request, attempt);
      const canRetry = attempt < maxAttempts;
      if (result.kind === "timeout") throw new TimeoutError(target, this.#options.timeoutMs);
      if (result.kind === "network") {
        if (!canRetry) throw new NetworkError(target, result.code, attempt);
        this.#options.stats.retries++;
        await this.#sleep(backoffDelay(attempt, retry));
        continue;
      }
      const { status } = result.response;
      if ((status === 429 || status === 503) && canRetry) {
        const after = parseRetryAfter(result.retryAfter);
        const wait = after === null ? backoffDelay(attempt, retry) : Math.min(after, retry.maxRetryAfterMs);
        this.#options.stats.retries++;
        await this.#sleep(wait);
        continue;
      }
      return result.response;
    }
  }

  async #attempt(request: HttpRequest, attempt: number): Promise<Attempt> {
    const { baseUrl, timeoutMs, maxResponseBytes, stats } = this.#options;
    const url = new URL(baseUrl.replace(/\/+$/, "") + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: "application/json" };
    if (request.token) headers.authorization = `Bearer ${request.token}`;
    let body: string | Uint8Array | undefined;
    if (request.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.json);
    } else if (request.body !== undefined) {
      headers["content-type"] = "application/octet-stream";
      body = request.body;
    }
    if (!this.#ky) return this.#attemptNode(request, url, headers, body, attempt);
    // One deadline for the whole attempt: headers and body.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    stats.requests++;
    const started = performance.now();
    let status = 0;
    try {
      const response = await this.#ky(url, {
        method: request.method,
        headers,
        body,
        signal: controller.signal,
      });
      status = response.status;
      const { body: bytes, tooLarge } = await readCapped(response, maxResponseBytes);
      return {
        kind: "response",
        response: { status, body: bytes, tooLarge },
        retryAfter: response.headers.get("retry-after"),
      };
    } catch (error) {
      if (timedOut || error instanceof KyTimeoutError) return { kind: "timeout" };
      return { kind: "network", code: causeCode(error) };
    } finally {
      clearTimeout(timer);
      this.#report(request, status, attempt, started);
    }
  }

  /** Tell `onRequest` about a finished attempt (a faulty hook must not break the request). */
  #report(request: HttpRequest, status: number, attempt: number, started: number): void {
    const { onRequest } = this.#options;
    if (!onRequest) return;
    try {
      onRequest({
        method: request.method,
        route: request.route,
        status,
        attempt,
        durationMs: performance.now() - started,
      });
    } catch {
      // nothing to log here
    }
  }

  /** One attempt over node:http(s) with the keep-alive agent (the default path). */
  #attemptNode(
    request: HttpRequest,
    url: URL,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    attempt: number,
  ): Promise<Attempt> {
    const { timeoutMs, maxResponseBytes, stats } = this.#options;
    stats.requests++;
    const started = performance.now();
    const payload = body === undefined ? undefined : typeof body === "string" ? Buffer.from(body) : body;
    if (payload !== undefined) headers["content-length"] = String(payload.byteLength);
    const send = url.protocol === "https:" ? https.request : http.request;
    return new Promise<Attempt>((resolve) => {
      let status = 0;
      let settled = false;
      const finish = (result: Attempt): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#report(request, status, attempt, started);
        resolve(result);
      };
      let req: http.ClientRequest;
      // One deadline for the whole attempt: headers and body.
      const timer = setTimeout(() => {
        finish({ kind: "timeout" });
        req.destroy();
      }, timeoutMs);
      try {
        req = send(url, { method: request.method, headers, agent: this.#agent! }, (res) => {
          status = res.statusCode ?? 0;
          const retryAfter = res.headers["retry-after"];
          const chunks: Buffer[] = [];
          let size = 0;
          let tooLarge = false;
          res.on("data", (chunk: Buffer) => {
            if (tooLarge) return;
            size += chunk.byteLength;
            if (size > maxResponseBytes) {
              tooLarge = true;
              chunks.length = 0;
              finish({
                kind: "response",
                response: { status, body: new Uint8Array(0), tooLarge: true },
                retryAfter: typeof retryAfter === "string" ? retryAfter : null,
              });
              // Stop reading; the socket is not reused (its remaining body is unread).
              res.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on("end", () => {
            const bytes = Buffer.concat(chunks, size);
            finish({
              kind: "response",
              response: {
                status,
                body: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
                tooLarge: false,
              },
              retryAfter: typeof retryAfter === "string" ? retryAfter : null,
            });
          });
          res.on("error", (error: Error) => {
            status = 0;
            finish({ kind: "network", code: causeCode(error) });
          });
          res.on("close", () => {
            // Closed before the whole body arrived (connection reset mid-body).
            if (res.complete) return;
            status = 0;
            finish({ kind: "network", code: "ECONNRESET" });
          });
        });
      } catch (error) {
        finish({ kind: "network", code: causeCode(error) });
        return;
      }
      req.on("error", (error: Error) => {
        status = 0;
        finish({ kind: "network", code: causeCode(error) });
      });
      req.end(payload);
    });
  }
}
