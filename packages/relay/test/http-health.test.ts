// The relay's optional HTTP port: /healthz, /readyz (503 once the relay closes) and Prometheus
// /metrics that follow real traffic; the bin's --http-port; bad flags refused.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parseArgs } from "../src/cli-args.js";
import {
  connectRelay,
  RelayError,
  type RelayHttp,
  type RelayServer,
  startRelay,
  startRelayHttp,
} from "../src/index.js";

const BIN = fileURLToPath(new URL("../dist/bin/hsagent-relay.js", import.meta.url));

function value(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

let relay: RelayServer | null = null;
let web: RelayHttp | null = null;
afterEach(async () => {
  await web?.close();
  await relay?.close();
  web = null;
  relay = null;
});

describe("relay HTTP port", () => {
  it("serves health, readiness and metrics that follow the traffic", async () => {
    relay = await startRelay({ port: 0 });
    web = await startRelayHttp(relay, { port: 0 });
    expect((await fetch(`${web.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${web.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${web.url}/nope`)).status).toBe(404);
    expect((await fetch(`${web.url}/metrics`, { method: "POST" })).status).toBe(405);

    const a = await connectRelay({ host: "127.0.0.1", port: relay.address.port });
    const b = await connectRelay({ host: "127.0.0.1", port: relay.address.port });
    const got = new Promise<void>((resolve) => b.onMessage(() => resolve()));
    const deadline = Date.now() + 10_000;
    let delivered = false;
    void got.then(() => {
      delivered = true;
    });
    while (!delivered && Date.now() < deadline) {
      await a.send({ hello: 1 });
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await fetch(`${web.url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(value(text, "hsagent_relay_connections")).toBe(2);
    expect(value(text, "hsagent_relay_connections_total")).toBe(2);
    expect(value(text, "hsagent_relay_lines_in_total")).toBeGreaterThanOrEqual(1);
    expect(value(text, "hsagent_relay_lines_out_total")).toBeGreaterThanOrEqual(1);
    expect(value(text, 'hsagent_relay_drops_total{reason="too_long"}')).toBe(0);
    await a.close();
    await b.close();

    await relay.close();
    const ready = await fetch(`${web.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${web.url}/healthz`)).status).toBe(200);
  });

  it("parses --http-port and --http-host, and refuses bad values", () => {
    const r = parseArgs(["--port", "0", "--http-port", "0", "--http-host", "::1"]);
    expect(r).toMatchObject({ kind: "run", http: { host: "::1", port: 0 } });
    for (const bad of [
      ["--http-port", "70000"],
      ["--http-port", "x"],
      ["--http-host", ""],
      ["--http-port"],
    ]) {
      expect(() => parseArgs(bad)).toThrow(RelayError);
    }
  });

  it.skipIf(!existsSync(BIN) && process.env.CI !== "true")(
    "the bin serves /metrics with --http-port 0",
    async () => {
      const child = spawn(process.execPath, [BIN, "--port", "0", "--http-port", "0"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      try {
        let out = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
          out += d;
        });
        const deadline = Date.now() + 20_000;
        while (!/relay http on (\S+)\n/.test(out) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        const url = /relay http on (\S+)\n/.exec(out)?.[1];
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const text = await (await fetch(`${url}/metrics`)).text();
        expect(value(text, "hsagent_relay_connections")).toBe(0);
      } finally {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
  );
});
