// A small real HTTP proxy (node:http) in front of a real substrate server.
// Every request is read whole, handed to a `Fault` together with a `forward`
// function, and the fault decides what the client sees: the upstream answer,
// a rewritten one, or an answer invented without asking upstream. This is how
// the tests build deliberately broken substrates.

import http from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the proxy received it. */
export interface ProxyRequest {
  readonly method: string;
  /** Path with query string. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** An answer to send back. */
export interface ProxyResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Decides the answer to one request; `forward` sends a (possibly changed) request upstream. */
export type Fault = (
  req: ProxyRequest,
  forward: (req: ProxyRequest) => Promise<ProxyResponse>,
) => Promise<ProxyResponse>;

/** A running proxy. */
export interface RunningProxy {
  readonly url: string;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "host"]);

function cleanHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

/** JSON answer helper for faults. */
export function json(status: number, value: unknown): ProxyResponse {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(value)),
  };
}

/** Parses a JSON body (request or response); undefined if it is not JSON. */
export function parseBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Starts a proxy on 127.0.0.1 (free port) in front of `upstream`. */
export async function startProxy(upstream: string, fault: Fault): Promise<RunningProxy> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const forward = (req: ProxyRequest): Promise<ProxyResponse> =>
    new Promise((resolve, reject) => {
      const out = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, "content-length": String(req.body.byteLength) },
          agent,
        },
        (res) => {
          readAll(res).then(
            (body) => resolve({ status: res.statusCode ?? 502, headers: cleanHeaders(res.headers), body }),
            reject,
          );
        },
      );
      out.on("error", reject);
      out.end(req.body);
    });

  const server = http.createServer((req, res) => {
    readAll(req)
      .then((body) =>
        fault(
          { method: req.method ?? "GET", url: req.url ?? "/", headers: cleanHeaders(req.headers), body },
          forward,
        ),
      )
      .then(
        (answer) => {
          res.writeHead(answer.status, {
            ...answer.headers,
            "content-length": String(answer.body.byteLength),
          });
          res.end(answer.body);
        },
        () => {
          res.writeHead(502, { "content-type": "application/json" });
          res.end('{"error":"proxy failure"}');
        },
      );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/** The pass-through fault. */
export const passThrough: Fault = (req, forward) => forward(req);
