// The options of SubstrateClient (its constructor's one argument).

import type { RequestEvent, RetryOptions } from "./transport.js";
import type { Credentials } from "./types.js";

/** Options of {@link SubstrateClient}. */
export interface SubstrateClientOptions {
  /** Server origin, e.g. `http://127.0.0.1:7780` (the `/api` prefix is added by the client). */
  readonly baseUrl: string;
  /** Credentials used by `login()` without arguments and by re-login on 401. */
  readonly credentials?: Credentials;
  /** On password login answered 401, register the account, then continue (as HSAgent_2). Default false. */
  readonly autoRegister?: boolean;
  /** Per-attempt timeout covering headers and body, ms (default 10000). */
  readonly timeoutMs?: number;
  /** Retry policy for idempotent calls. */
  readonly retry?: Partial<RetryOptions>;
  /** Largest accepted response body in bytes (default 64 MiB). */
  readonly maxResponseBytes?: number;
  /** Called after every HTTP attempt (round-trip accounting). */
  readonly onRequest?: (event: RequestEvent) => void;
  /**
   * fetch implementation to send requests through (proxies, fault injection in tests). Default:
   * node:http(s) with a keep-alive agent, which costs agents far less CPU per call than fetch.
   */
  readonly fetch?: typeof globalThis.fetch;
  /** PEM certificate(s) to trust for an `https://` baseUrl (e.g. a self-signed server), besides the system CAs. */
  readonly ca?: string | Uint8Array;
  /**
   * Use the batch extension when the server advertises it (default true, unless the environment
   * says `HSAGENT_SUBSTRATE_BATCH=off`); false always sends batches as single calls.
   */
  readonly batch?: boolean;
}
