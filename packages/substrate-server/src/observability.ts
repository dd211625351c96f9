// Health and Prometheus metrics of the substrate server: `/healthz` (the process answers),
// `/readyz` (the database answers a query) and `/metrics` — requests by route and status, a
// latency histogram by route, database reachability and connection-pool use — via prom-client,
// in a registry of this app alone (several servers may share a process).

import type { FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { StoreHealth } from "./store/health.js";
import type { SubstrateStore } from "./store/types.js";

/** Latency buckets, seconds. */
export const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const START = Symbol("hsagent.start");

/** Add `/healthz`, `/readyz` and `/metrics` to `app`, and count every request. Returns the registry. */
export function registerObservability(app: FastifyInstance, store: SubstrateStore): Registry {
  const registry = new Registry();
  const requests = new Counter({
    name: "hsagent_substrate_http_requests_total",
    help: "HTTP requests answered, by method, route template and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "hsagent_substrate_http_request_duration_seconds",
    help: "Time from request received to response sent, by method and route template.",
    labelNames: ["method", "route"] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
  // One health query per scrape, shared by both gauges (prom-client collects them concurrently).
  let scrape: Promise<StoreHealth> | null = null;
  const health = () => {
    scrape ??= store.health();
    return scrape;
  };
  new Gauge({
    name: "hsagent_substrate_db_up",
    help: "1 when the database answered a trivial query at scrape time.",
    labelNames: ["backend"] as const,
    registers: [registry],
    async collect() {
      this.set({ backend: store.kind }, (await health()).ok ? 1 : 0);
    },
  });
  new Gauge({
    name: "hsagent_substrate_db_pool_connections",
    help: "PostgreSQL pool: connections open (total), idle, clients waiting for one, and the pool size (max).",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const h = await health();
      this.reset();
      if (h.pool) {
        this.set({ state: "total" }, h.pool.total);
        this.set({ state: "idle" }, h.pool.idle);
        this.set({ state: "waiting" }, h.pool.waiting);
        this.set({ state: "max" }, h.pool.max);
      }
    },
  });

  app.addHook("onRequest", (req, _reply, done) => {
    (req as unknown as Record<symbol, bigint>)[START] = process.hrtime.bigint();
    done();
  });
  app.addHook("onResponse", (req, reply, done) => {
    const started = (req as unknown as Record<symbol, bigint | undefined>)[START];
    const route = req.routeOptions.url ?? "unmatched";
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    if (started !== undefined) {
      latency.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    }
    done();
  });

  app.get("/healthz", (_req, reply) => {
    reply.type("text/plain").send("ok\n");
  });
  app.get("/readyz", async (_req, reply) => {
    const h = await store.health();
    reply
      .code(h.ok ? 200 : 503)
      .type("text/plain")
      .send(h.ok ? "ready\n" : `not ready: database ${h.detail ?? "unavailable"}\n`);
  });
  app.get("/metrics", async (_req, reply) => {
    scrape = null;
    const text = await registry.metrics();
    reply.type(registry.contentType).send(text);
  });
  return registry;
}
