// The default transport (node:https with a keep-alive agent) against a TLS endpoint: a
// TLS-terminating proxy with a throwaway self-signed certificate in front of the real server.
// The certificate is trusted through the documented NODE_EXTRA_CA_CERTS in a child process.

import { execFile } from "node:child_process";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWithCert, type TlsSubstrate } from "./helpers/tls.js";

let server: TlsSubstrate;
let proxy: https.Server;
let tlsRequests = 0;

beforeAll(async () => {
  server = await startWithCert({ tls: false });
  const target = new URL(server.url);
  proxy = https.createServer({ key: server.key, cert: server.ca }, (req, res) => {
    tlsRequests++;
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
});

afterAll(async () => {
  proxy?.close();
  await server?.stop();
});

it("registers, writes and reads an object over https (default node:https transport)", async () => {
  const port = (proxy.address() as AddressInfo).port;
  const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
  const script = `
    const { SubstrateClient } = await import(${JSON.stringify(entry)});
    const client = new SubstrateClient({
      baseUrl: "https://127.0.0.1:${port}",
      credentials: { username: "tls" + Date.now().toString(36), password: "pw-over-tls-1" },
      autoRegister: true,
    });
    await client.login();
    const { id } = await client.putJson({ type: 7001, version: 0, value: { over: "tls" } });
    const back = await client.getJson(7001, id);
    client.close();
    process.stdout.write(JSON.stringify(back.value));
  `;
  // Asynchronously: the proxy answers from this process's event loop.
  const run = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script],
    {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: server.certFile },
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  expect(run.stderr).not.toMatch(/Error/);
  expect(JSON.parse(run.stdout)).toEqual({ over: "tls" });
  expect(tlsRequests).toBeGreaterThanOrEqual(4);
});
