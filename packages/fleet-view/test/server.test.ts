// The fleet view over real HTTP: assets with gzip, SSE updates coalesced, the token login (the
// token travels in a POST body and never comes back in a URL or cookie), input that is refused
// cleanly, and the audit endpoint.

import { afterEach, describe, expect, it } from "vitest";
import { FleetModel, type FleetViewServer, loadToken, startFleetViewServer } from "../src/index.js";

const TOKEN = "a-long-enough-test-token-4711";
let server: FleetViewServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** Read SSE `snapshot` events from `url` for `ms`, returning their parsed data. */
async function readEvents(url: string, ms: number, during?: () => void): Promise<unknown[]> {
  const ctrl = new AbortController();
  const res = await fetch(url, { signal: ctrl.signal });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const events: unknown[] = [];
  let buf = "";
  const timer = setTimeout(() => ctrl.abort(), ms);
  let started = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString("utf8");
      let i = buf.indexOf("\n\n");
      while (i >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (frame.startsWith("event: snapshot") && data) events.push(JSON.parse(data));
        i = buf.indexOf("\n\n");
      }
      if (!started && events.length > 0) {
        started = true;
        during?.();
      }
    }
  } catch (err) {
    if ((err as Error).name !== "AbortError") throw err;
  } finally {
    clearTimeout(timer);
  }
  return events;
}

describe("fleet view server", () => {
  it("serves the page gzipped with a strict CSP, and 404s what it does not own", async () => {
    server = await startFleetViewServer({ model: new FleetModel() });
    const page = await fetch(server.url, { headers: { "accept-encoding": "gzip" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const js = await fetch(`${server.url}app.js`);
    expect(js.headers.get("content-type")).toContain("text/javascript");
    const etag = js.headers.get("etag") as string;
    expect((await fetch(`${server.url}app.js`, { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await fetch(`${server.url}nope`)).status).toBe(404);
    expect((await fetch(`${server.url}api/snapshot`, { method: "DELETE" })).status).toBe(405);
  });

  it("coalesces a burst of changes into few SSE updates that end in the final state", async () => {
    const model = new FleetModel();
    model.started("alpha", "id-a");
    server = await startFleetViewServer({ model, intervalMs: 200 });
    const events = await readEvents(`${server.url}api/events`, 1500, () => {
      for (let i = 0; i < 500; i++) model.rejected("alpha", "malformed");
    });
    // the first snapshot on connect, then the 500 changes in at most a few ticks
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.length).toBeLessThanOrEqual(4);
    const last = events.at(-1) as { rejections: Record<string, number> };
    expect(last.rejections.malformed).toBe(500);
    expect(server.view.streams).toBeLessThanOrEqual(1);
  });

  it("refuses to listen beyond loopback without a token", async () => {
    await expect(startFleetViewServer({ model: new FleetModel(), host: "0.0.0.0" })).rejects.toMatchObject({
      code: "TOKEN_REQUIRED",
    });
  });

  it("with a token: login form, cookie session, bearer for scripts; the token never echoed", async () => {
    server = await startFleetViewServer({ model: new FleetModel(), token: TOKEN });
    const anon = await fetch(server.url);
    expect(anon.status).toBe(401);
    expect(await anon.text()).toContain('<form method="post" action="/login">');
    expect((await fetch(`${server.url}api/snapshot`)).status).toBe(401);
    expect((await fetch(`${server.url}app.js`)).status).toBe(401);
    expect((await fetch(`${server.url}api/events`)).status).toBe(401);

    const post = (token: string) =>
      fetch(`${server?.url}login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token }).toString(),
      });
    const wrong = await post("not-the-token-at-all");
    expect(wrong.status).toBe(401);
    const ok = await post(TOKEN);
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/");
    const cookie = ok.headers.get("set-cookie") as string;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(";")[0] as string;
    expect((await fetch(`${server.url}api/snapshot`, { headers: { cookie: session } })).status).toBe(200);
    expect((await fetch(server.url, { headers: { cookie: "hsfv=forged" } })).status).toBe(401);
    expect(
      (await fetch(`${server.url}api/snapshot`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);
    // an oversized form is refused without harm, and the server still answers
    const big = await fetch(`${server.url}login`, {
      method: "POST",
      body: "token=".padEnd(100_000, "x"),
    }).catch(() => null);
    expect(big === null || big.status === 401).toBe(true);
    expect((await fetch(server.url)).status).toBe(401);
  });

  it("runs an audit check on demand for a known agent only, with the custom header", async () => {
    const model = new FleetModel();
    model.started("alpha", "id-a");
    const checked: string[] = [];
    server = await startFleetViewServer({
      model,
      audit: async (name) => {
        checked.push(name);
        model.audit(name, { status: "valid", detail: null, at: Date.now() });
      },
    });
    const post = (agent: string, headers: Record<string, string> = { "x-requested-with": "fleet-view" }) =>
      fetch(`${server?.url}api/audit?agent=${encodeURIComponent(agent)}`, { method: "POST", headers });
    expect((await post("alpha", {})).status).toBe(403);
    expect((await post("nobody")).status).toBe(404);
    expect((await post("../../etc")).status).toBe(404);
    const r = await post("alpha");
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ agent: "alpha", audit: { status: "valid" } });
    expect(checked).toEqual(["alpha"]);
  });
});

describe("loadToken", () => {
  it("reads the environment, refuses short tokens, and never puts the token in an error", () => {
    expect(loadToken({ env: {} })).toBeNull();
    expect(loadToken({ env: { HSAGENT_WEB_TOKEN: ` ${TOKEN}\n` } })).toBe(TOKEN);
    expect(() => loadToken({ env: { HSAGENT_WEB_TOKEN: "short-secret" } })).toThrow(/at least 16/);
    try {
      loadToken({ env: { HSAGENT_WEB_TOKEN: "short-secret" } });
    } catch (err) {
      expect((err as Error).message).not.toContain("short-secret");
    }
    expect(() => loadToken({ file: "/nonexistent/token" })).toThrow(/cannot be read \(ENOENT\)/);
  });
});
