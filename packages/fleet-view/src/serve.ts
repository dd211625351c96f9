// A stand-alone HTTP server for the fleet view (what `hsagent up --web` runs). It listens on
// loopback without a token; anywhere else it refuses to start unless a token is given.

import http from "node:http";
import { FleetViewError, isLoopback } from "./auth.js";
import { createFleetView, type FleetView, type FleetViewOptions } from "./handler.js";

/** Options of {@link startFleetViewServer}. */
export interface FleetViewServerOptions extends FleetViewOptions {
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Port; 0 picks a free one (default 0). */
  readonly port?: number;
}

/** A listening fleet view. */
export interface FleetViewServer {
  /** `http://HOST:PORT/` — never carries the token. */
  readonly url: string;
  readonly view: FleetView;
  close(): Promise<void>;
}

/** Split `HOST:PORT`, `[v6]:PORT` or `PORT`; null when malformed. */
export function parseListen(text: string, defaultHost = "127.0.0.1"): { host: string; port: number } | null {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:\s[\]]+):(\d{1,5})$/.exec(text);
  const host = m ? (m[1] ?? defaultHost) : defaultHost;
  const portText = m ? m[2] : /^\d{1,5}$/.test(text) ? text : null;
  const port = Number(portText);
  if (portText === null || portText === undefined || port > 65535) return null;
  return { host, port };
}

/** Start the view on its own HTTP server. */
export async function startFleetViewServer(options: FleetViewServerOptions): Promise<FleetViewServer> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host) && !options.token) {
    throw new FleetViewError(
      `the fleet view on ${host} (not loopback) needs a token: set HSAGENT_WEB_TOKEN or give a token file`,
      "TOKEN_REQUIRED",
    );
  }
  const view = createFleetView(options);
  const server = http.createServer((req, res) => {
    if (!view.handle(req, res)) res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      view.close();
      reject(
        new FleetViewError(
          `the fleet view cannot listen on ${host}:${options.port ?? 0} (${err.code})`,
          "LISTEN",
        ),
      );
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  server.requestTimeout = 0; // SSE streams are long-lived; headersTimeout still bounds slow clients
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : (options.port ?? 0);
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    view,
    close: () =>
      new Promise<void>((resolve) => {
        view.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
