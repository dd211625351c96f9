// No per-request child logger when the level logs no requests (warn and above), and still one
// (with its request id) at info; errors are logged either way.

import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { buildSubstrateApp, openSqliteStore } from "../src/index.js";

async function requestLogIsShared(level: string): Promise<{ shared: boolean; logs: string }> {
  let logs = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  const app = await buildSubstrateApp(openSqliteStore({ file: ":memory:" }), {
    logger: { level, stream },
    rateLimit: false,
    jwtSecret: new Uint8Array(32).fill(7),
  });
  let shared: boolean | null = null;
  app.addHook("onRequest", (req, _reply, done) => {
    shared = req.log === app.log;
    done();
  });
  await app.inject({ method: "GET", url: "/.well-known/hsagent-substrate" });
  await app.close();
  return { shared: shared === true, logs };
}

describe("request loggers", () => {
  it("share the server's logger at warn", async () => {
    const r = await requestLogIsShared("warn");
    expect(r.shared).toBe(true);
    expect(r.logs).not.toContain("incoming request");
  });
  it("are per-request children at info", async () => {
    const r = await requestLogIsShared("info");
    expect(r.shared).toBe(false);
    expect(r.logs).toContain("incoming request");
  });
});
