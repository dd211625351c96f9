// node:http(s) requests for tests that need what fetch cannot do: a chosen source address
// (127.0.0.2 is another client to the server), a CA for a self-signed HTTPS server, or a raw socket
// that sends part of a request and then stalls.

import http from "node:http";
import https from "node:https";
import net from "node:net";

/** A parsed answer. */
export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON answers.
  body: any;
}

/** Send one JSON request to `url + path` from `localAddress`, trusting `ca` for HTTPS. */
export function requestJson(
  url: string,
  method: string,
  path: string,
  json?: unknown,
  opts: { localAddress?: string; ca?: string | Buffer; token?: string; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const u = new URL(path, url);
  const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  const headers: Record<string, string | number> = { connection: "close" };
  if (body) {
    headers["content-type"] = "application/json";
    headers["content-length"] = body.length;
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const lib = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      u,
      {
        method,
        headers,
        agent: false,
        timeout: opts.timeoutMs ?? 30_000,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

/** A socket that sent `head` (and maybe part of a body) and then went silent; resolves on close. */
export interface StalledRequest {
  /** Resolves with what the server wrote and when (ms after connect) the socket closed. */
  closed: Promise<{ reply: string; afterMs: number }>;
  socket: net.Socket;
}

/** Open a connection to `url`, write `head` and `body`, then stall. */
export function stall(url: string, head: string, body?: Buffer): StalledRequest {
  const u = new URL(url);
  const socket = net.connect({ host: u.hostname, port: Number(u.port) });
  const started = Date.now();
  let reply = "";
  socket.on("data", (d: Buffer) => {
    reply += d.toString("latin1");
  });
  socket.on("error", () => {});
  socket.once("connect", () => {
    socket.write(head);
    if (body) socket.write(body);
  });
  const closed = new Promise<{ reply: string; afterMs: number }>((resolve) => {
    socket.once("close", () => resolve({ reply, afterMs: Date.now() - started }));
  });
  return { closed, socket };
}
