// The relay's optional HTTP port: `/healthz` (the process answers), `/readyz` (the relay still
// accepts connections) and Prometheus `/metrics` (connections, lines, drops, warnings, queues)
// through prom-client, read from `relay.metrics()` at scrape time. Nothing else is served.

import http from "node:http";
import { Counter, Gauge, Registry } from "prom-client";
import type { RelayMetrics, RelayServer } from "./server.js";

/** A listening health/metrics endpoint. */
export interface RelayHttp {
  /** e.g. `http://127.0.0.1:9465`. */
  readonly url: string;
  readonly registry: Registry;
  close(): Promise<void>;
}

/** The relay's counters as a prom-client registry (read once per scrape). */
export function relayRegistry(relay: Pick<RelayServer, "metrics">): Registry {
  const registry = new Registry();
  const registers = [registry];
  let reading: RelayMetrics | null = null;
  const read = (): RelayMetrics => {
    reading ??= relay.metrics();
    queueMicrotask(() => {
      reading = null;
    });
    return reading;
  };
  const counter = (name: string, help: string, value: (m: RelayMetrics) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(Math.max(0, value(read())));
      },
    });
  const gauge = (name: string, help: string, value: (m: RelayMetrics) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value(read()));
      },
    });
  gauge("hsagent_relay_connections", "Client connections open now.", (m) => m.connections.current);
  counter(
    "hsagent_relay_connections_total",
    "Client connections accepted since start.",
    (m) => m.connections.total,
  );
  counter("hsagent_relay_lines_in_total", "Lines received from clients.", (m) => m.lines.in);
  counter("hsagent_relay_lines_out_total", "Line deliveries written to clients.", (m) => m.lines.out);
  new Counter({
    name: "hsagent_relay_drops_total",
    help: "Lines dropped (too_long, rate_limit, invalid UTF-8) and clients cut as slow consumers or idle.",
    labelNames: ["reason"],
    registers,
    collect() {
      const m = read();
      this.reset();
      this.inc({ reason: "too_long" }, m.drops.tooLong);
      this.inc({ reason: "rate_limit" }, m.drops.rateLimit);
      this.inc({ reason: "invalid" }, m.drops.invalid);
      this.inc({ reason: "slow_consumer" }, m.drops.slowConsumer);
      this.inc({ reason: "idle" }, m.idleDisconnects);
    },
  });
  counter("hsagent_relay_warnings_sent_total", "Warning lines sent to clients.", (m) => m.warnings.sent);
  counter(
    "hsagent_relay_warnings_suppressed_total",
    "Warnings suppressed by rate limiting.",
    (m) => m.warnings.suppressed,
  );
  gauge(
    "hsagent_relay_output_queued_bytes",
    "Unsent outgoing bytes over all connections.",
    (m) => m.outputQueuedBytes,
  );
  gauge(
    "hsagent_relay_output_queue_high_water_bytes",
    "Largest outgoing queue seen on a connection.",
    (m) => m.outputQueueHighWater,
  );
  return registry;
}

/** Serve `/healthz`, `/readyz` and `/metrics` for `relay` on host:port (0 = any free port). */
export async function startRelayHttp(
  relay: Pick<RelayServer, "metrics" | "listening">,
  options: { host?: string; port?: number } = {},
): Promise<RelayHttp> {
  const host = options.host ?? "127.0.0.1";
  const registry = relayRegistry(relay);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const ready = relay.listening;
      res
        .writeHead(ready ? 200 : 503, { "content-type": "text/plain" })
        .end(ready ? "ready\n" : "not ready\n");
    } else if (path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics failed\n"),
      );
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : (options.port ?? 0);
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    registry,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
