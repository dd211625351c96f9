// The daemon: agents from a config file, each with its own substrate session, plus an HTTP
// endpoint for health (/healthz), readiness (/readyz) and Prometheus metrics (/metrics).
// `stop()` stops every agent (open sessions are aborted), purges any session state left in the
// substrate, and closes the HTTP server.

import http from "node:http";
import { type Agent, createAgent } from "@hsagent/agent";
import {
  agentConfigFrom,
  credentialsFromEnv as envCredentials,
  relayTlsOptions,
  vaultPassphraseFromEnv,
} from "@hsagent/config";
import { CodedError, type Transport } from "@hsagent/relay";
import { type Credentials, SubstrateClient } from "@hsagent/substrate-client";
import type { Logger } from "pino";
import type { DaemonConfig } from "./config.js";
import { DaemonMetrics } from "./metrics.js";
import { startDaemonWeb } from "./web.js";

/** Machine-readable reasons the daemon cannot start. */
export type DaemonErrorCode =
  | "NO_CREDENTIALS"
  | "NO_PASSPHRASE"
  | "HTTP_LISTEN"
  | "AGENT_START"
  /** The fleet page failed (`WEB_` + the fleet view's code). */
  | `WEB_${string}`;

/** Why the daemon cannot start; `code` is machine-readable. */
export class DaemonError extends CodedError<DaemonErrorCode> {
  constructor(message: string, code: DaemonErrorCode, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Options of {@link startDaemon}. */
export interface DaemonOptions {
  /** Environment holding the secrets (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** pino logger. */
  readonly logger: Logger;
}

/** A running daemon. */
export interface Daemon {
  /** Base URL of the HTTP endpoint, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** True once every agent started. */
  readonly ready: boolean;
  /** The Prometheus exposition text. */
  metricsText(): Promise<string>;
  /** The fleet page's URL when the config has a `web` section, else null. */
  readonly webUrl: string | null;
  /** Stop agents, purge their session state, close HTTP; resolves with the number of states purged. */
  stop(): Promise<{ purged: number }>;
}

/**
 * Substrate credentials from the environment (API key, or username + password), read by the
 * shared loader of @hsagent/config; none is a DaemonError `NO_CREDENTIALS`.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): Credentials {
  const credentials = envCredentials(env);
  if (credentials) return credentials;
  throw new DaemonError(
    "no substrate credentials: set HSAGENT_USERNAME and HSAGENT_PASSWORD, or HSAGENT_API_KEY",
    "NO_CREDENTIALS",
  );
}

interface Entry {
  readonly name: string;
  readonly agent: Agent;
  started: boolean;
  /** The agent's NATS transport (closed after the agent stops), if any. */
  transport?: Transport;
}

/** Start the HTTP endpoint, then every agent of `config`. */
export async function startDaemon(config: DaemonConfig, options: DaemonOptions): Promise<Daemon> {
  const env = options.env ?? process.env;
  const log = options.logger;
  const credentials = credentialsFromEnv(env);
  const passphrase = vaultPassphraseFromEnv(env);
  if (!passphrase)
    throw new DaemonError("no vault passphrase: set HSAGENT_VAULT_PASSPHRASE", "NO_PASSPHRASE");
  const { config: agentConfig, relay: relayOptions } = agentConfigFrom(
    config.protocol,
    config.allowLegacy,
    undefined,
    config.pq,
  );
  const relay = { host: config.relay.host, port: config.relay.port, ...relayOptions };
  if (config.nats === null) Object.assign(relay, relayTlsOptions(config.relay, config.relayCaFile));
  const startedAt = Date.now();
  const entries: Entry[] = [];
  let stopping = false;

  const isReady = () =>
    !stopping && entries.length === config.agents.length && entries.every((e) => e.started);
  const metrics = new DaemonMetrics(
    () =>
      entries.map((e) => {
        const m = e.agent.metrics();
        return {
          agent: e.name,
          ready: e.started,
          sessions: m.sessions,
          rejections: m.rejections,
          substrateCalls: m.substrateCalls,
          relayReconnects: m.relayReconnects,
          droppedUnknownPeers: m.droppedUnknownPeers,
          legacyRefusals: m.legacyRefusals,
          legacyIgnored: m.legacyIgnored,
          rejectionAuditBlocks: m.rejectionAuditBlocks,
          rejectionWarnsSuppressed: m.rejectionWarnsSuppressed,
          sessionCap: m.sessionCap,
          registerIntervalMs: m.registerIntervalMs,
        };
      }),
    startedAt,
  );
  const metricsText = () => metrics.text();

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const ready = isReady();
      res
        .writeHead(ready ? 200 : 503, { "content-type": "text/plain" })
        .end(ready ? "ready\n" : "not ready\n");
    } else if (path === "/metrics") {
      metricsText().then(
        (text) => res.writeHead(200, { "content-type": metrics.contentType }).end(text),
        () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics failed\n"),
      );
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new DaemonError(
          `cannot listen on ${config.http.host}:${config.http.port} (${err.code})`,
          "HTTP_LISTEN",
        ),
      ),
    );
    server.listen(config.http.port, config.http.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.http.port;
  const host = config.http.host.includes(":") ? `[${config.http.host}]` : config.http.host;
  const url = `http://${host}:${port}`;
  log.info({ url }, "http endpoint listening");

  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const web = await startDaemonWeb(config, env, log).catch(async (err: unknown) => {
    await closeServer();
    throw err;
  });
  try {
    for (const name of config.agents) {
      const client = new SubstrateClient({
        baseUrl: config.substrateUrl,
        credentials,
        autoRegister: "username" in credentials,
      });
      const transport = config.nats === null ? undefined : await openNats(config.nats, client, env, name);
      const agent = createAgent({
        name,
        ...(transport ? { transport } : { relay }),
        substrate: { client },
        vaultPassphrase: passphrase,
        config: agentConfig,
        logger: log,
      });
      const entry: Entry = { name, agent, started: false, ...(transport ? { transport } : {}) };
      agent.on("established", (e) => metrics.observeHandshake(name, e.handshakeMs / 1000));
      web?.attach(name, agent);
      entries.push(entry);
      try {
        await agent.start();
      } catch (err) {
        const code = (err as { code?: string }).code ?? "ERROR";
        throw new DaemonError(
          `agent ${name} failed to start (${code}): ${(err as Error).message}`,
          "AGENT_START",
          {
            cause: err,
          },
        );
      }
      entry.started = true;
      web?.started(name, agent);
      log.info({ agentId: agent.agentId, name }, "agent started");
    }
  } catch (err) {
    stopping = true;
    await Promise.all(entries.map((e) => e.agent.stop().catch(() => {})));
    await Promise.all(entries.map((e) => e.transport?.close()));
    await web?.close();
    await closeServer();
    throw err;
  }
  log.info({ agents: config.agents.length }, "ready");

  let stopped: Promise<{ purged: number }> | null = null;
  return {
    url,
    get ready() {
      return isReady();
    },
    metricsText,
    webUrl: web?.url ?? null,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        await Promise.all(entries.map((e) => e.agent.stop()));
        await Promise.all(entries.map((e) => e.transport?.close()));
        // stop() aborts and purges open sessions; purge anything a failed write left behind.
        const counts = await Promise.all(
          entries
            .filter((e) => e.started)
            .map((e) =>
              e.agent.stores.sessions.purgeAll().catch((err: unknown) => {
                log.warn({ agent: e.name, err: (err as Error).message }, "session purge failed");
                return 0;
              }),
            ),
        );
        await web?.close();
        await closeServer();
        return { purged: counts.reduce((a, b) => a + b, 0) };
      })();
      return stopped;
    },
  };
}

/** Log in (the tenant is the account) and connect a NATS transport; credentials from `env`. */
async function openNats(
  url: string,
  client: SubstrateClient,
  env: NodeJS.ProcessEnv,
  name: string,
): Promise<Transport> {
  try {
    await client.login();
    const { openNatsTransport } = await import("@hsagent/transport-nats");
    return await openNatsTransport(url, { tenant: client.accountId, env, name });
  } catch (err) {
    throw new DaemonError(`agent ${name}: NATS ${url}: ${(err as Error).message}`, "AGENT_START", {
      cause: err,
    });
  }
}
