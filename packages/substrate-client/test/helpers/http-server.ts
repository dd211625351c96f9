// A real node:http server for resilience tests: each test scripts its answers
// per request; the helper counts requests and TCP connections.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface ScriptedServer {
  url: string;
  server: Server;
  connections: number;
  requests: { method: string; url: string; authorization: string | undefined; body: string }[];
  close(): Promise<void>;
}

/** Starts a scripted server on a random loopback port. */
export async function startScripted(handler: Handler): Promise<ScriptedServer> {
  const state: ScriptedServer = {
    url: "",
    server: createServer(),
    connections: 0,
    requests: [],
    close: async () => {},
  };
  const server = state.server;
  server.on("connection", () => {
    state.connections++;
  });
  server.on("request", (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      state.requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization,
        body: body.toString("utf8"),
      });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** Writes a JSON answer. */
export function json(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Answers the login + /me handshake like a substrate (account 42, username "u")
 * and returns true; returns false for other routes.
 */
export function answerAuth(req: IncomingMessage, res: ServerResponse, jwt = "jwt-token-1"): boolean {
  if (req.url === "/api/auth/login" && req.method === "POST") {
    json(res, 200, { jwt });
    return true;
  }
  if (req.url === "/api/account/me" && req.method === "GET") {
    json(res, 200, { account: { type: 1, id: "42", version: 0, attrs: { username: "u" } } });
    return true;
  }
  return false;
}

/** A loopback port that was free a moment ago: nothing listens on it, so connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
