// /healthz, /readyz and /metrics of the substrate server, on SQLite and PostgreSQL: requests are
// counted by route template and status, latency lands in the histogram, the database's health and
// the pool's use are reported, and /readyz turns 503 once the database stops answering.

import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, Client, newUser, type TestServer } from "./helpers.js";

function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf("}"));
    const got = Object.fromEntries(
      inside.split(",").map((kv) => {
        const eq = kv.indexOf("=");
        return [kv.slice(0, eq), kv.slice(eq + 2, -1)];
      }),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return null;
}

describe.each(BACKENDS)("observability ($name)", (backend) => {
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  it("answers /healthz and /readyz while the database answers", async () => {
    server = await backend.start();
    const anon = new Client(server.url);
    const h = await anon.get("/healthz");
    expect(h.status).toBe(200);
    expect(h.text).toBe("ok\n");
    const r = await anon.get("/readyz");
    expect(r.status).toBe(200);
    expect(r.text).toBe("ready\n");
  });

  it("counts requests by route template and status, with a latency histogram", async () => {
    server = await backend.start();
    const user = await newUser(server.url);
    await user.client.get(`/api/objects/${user.id}/7/1`); // a templated route (404: no such object)
    await user.client.get(`/api/objects/${user.id}/7/2`);
    await new Client(server.url).get("/no/such/path");
    const m = await new Client(server.url).get("/metrics");
    expect(m.status).toBe(200);
    expect(m.headers.get("content-type")).toContain("text/plain");
    const t = m.text;
    expect(
      sample(t, "hsagent_substrate_http_requests_total", { route: "/api/auth/register", status: "201" }),
    ).toBe(1);
    expect(
      sample(t, "hsagent_substrate_http_requests_total", { route: "/api/account/me", status: "200" }),
    ).toBe(1);
    expect(sample(t, "hsagent_substrate_http_requests_total", { route: "unmatched", status: "404" })).toBe(1);
    // raw ids never become labels: both land on the template
    const objects = { method: "GET", route: "/api/objects/:tenant/:type/:id" };
    expect(sample(t, "hsagent_substrate_http_request_duration_seconds_count", objects)).toBe(2);
    expect(t).not.toContain(`/api/objects/${user.id}/7/1`);
    expect(
      sample(t, "hsagent_substrate_http_request_duration_seconds_count", {
        method: "POST",
        route: "/api/auth/register",
      }),
    ).toBe(1);
    expect(
      sample(t, "hsagent_substrate_http_request_duration_seconds_bucket", {
        method: "POST",
        route: "/api/auth/register",
        le: "+Inf",
      }),
    ).toBe(1);
    expect(sample(t, "hsagent_substrate_db_up", { backend: backend.name })).toBe(1);
    if (backend.name === "postgres") {
      expect(sample(t, "hsagent_substrate_db_pool_connections", { state: "max" })).toBe(8);
      expect(sample(t, "hsagent_substrate_db_pool_connections", { state: "total" })).toBeGreaterThanOrEqual(
        1,
      );
    } else {
      expect(t).not.toContain("hsagent_substrate_db_pool_connections{");
    }
  });

  it("turns /readyz to 503 and db_up to 0 when the database stops answering", async () => {
    server = await backend.start();
    const anon = new Client(server.url);
    expect((await anon.get("/readyz")).status).toBe(200);
    // the database goes away under a running server (its own close then has nothing left to do)
    const store = server.store as { close(): Promise<void> };
    await store.close();
    store.close = async () => {};
    const r = await anon.get("/readyz");
    expect(r.status).toBe(503);
    expect(r.text).toMatch(/^not ready: database /);
    expect(r.text).not.toContain("postgres://");
    expect((await anon.get("/healthz")).status).toBe(200);
    const m = await anon.get("/metrics");
    expect(m.status).toBe(200);
    expect(sample(m.text, "hsagent_substrate_db_up", { backend: backend.name })).toBe(0);
  });
});
