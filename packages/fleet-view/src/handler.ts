// The fleet page's HTTP surface, mountable in any node:http server: the bundled assets, a JSON
// snapshot, the SSE stream, on-demand audit checks and — when a token is configured — a login
// form. `handle` returns false for paths it does not own so the host can answer them.

import type { IncomingMessage, ServerResponse } from "node:http";
import { type Asset, loadAssets } from "./assets.js";
import { PageAuth } from "./auth.js";
import { LOGIN_PAGE } from "./login-page.js";
import type { FleetModel } from "./model.js";
import type { HealthItem } from "./snapshot.js";
import { SseHub } from "./sse.js";

/** Options of {@link createFleetView}. */
export interface FleetViewOptions {
  readonly model: FleetModel;
  /** Page token; null/undefined = no login (only sensible on loopback). */
  readonly token?: string | null;
  /** Check the dependencies (relay or NATS, substrate); polled every `healthIntervalMs` while a page is open. */
  readonly health?: () => Promise<readonly HealthItem[]>;
  /** Validate `name`'s audit chain and record it in the model (see `checkAudit`). */
  readonly audit?: (name: string) => Promise<void>;
  /** ms between two health checks (default 5000). */
  readonly healthIntervalMs?: number;
  /** ms between two SSE updates at most (default 250). */
  readonly intervalMs?: number;
  /** Serve the front-end from this directory instead of the built one. */
  readonly assetsDir?: string;
}

/** A mounted fleet view. */
export interface FleetView {
  /** Answer `req` if it is one of the page's paths; false otherwise (nothing written). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Streams open now. */
  readonly streams: number;
  /** Stop timers and end every stream. */
  close(): void;
}

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};
const MAX_FORM_BYTES = 4096;
const NAME_RE = /^[A-Za-z0-9_.~-]{1,255}$/;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "cache-control": "no-store", ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

function sendAsset(req: IncomingMessage, res: ServerResponse, a: Asset): void {
  if (req.headers["if-none-match"] === a.etag) {
    res.writeHead(304, { ...SECURITY_HEADERS, etag: a.etag }).end();
    return;
  }
  const gz = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": a.type,
    "cache-control": "no-cache",
    etag: a.etag,
    vary: "accept-encoding",
    ...(gz ? { "content-encoding": "gzip" } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : gz ? a.gzip : a.body);
}

function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", () => resolve(null));
  });
}

/** Build the page's request handler over `options.model`. */
export function createFleetView(options: FleetViewOptions): FleetView {
  const { model } = options;
  const assets = loadAssets(options.assetsDir);
  const auth = new PageAuth(options.token ?? null);
  const hub = new SseHub({ payload: () => model.snapshot(), intervalMs: options.intervalMs ?? 250 });
  const unsubscribe = model.onChange(() => hub.markDirty());

  let healthTimer: NodeJS.Timeout | null = null;
  let checking = false;
  const refreshHealth = () => {
    if (!options.health || checking) return;
    checking = true;
    options
      .health()
      .then((items) => model.setHealth(items))
      .catch((err: unknown) =>
        model.setHealth([
          {
            name: "health",
            ok: false,
            detail: `check failed: ${(err as Error).message}`,
            checkedAt: Date.now(),
          },
        ]),
      )
      .finally(() => {
        checking = false;
      });
  };
  const watchHealth = () => {
    if (healthTimer || !options.health) return;
    refreshHealth();
    healthTimer = setInterval(() => {
      if (hub.size === 0) {
        if (healthTimer) clearInterval(healthTimer);
        healthTimer = null;
        return;
      }
      refreshHealth();
    }, options.healthIntervalMs ?? 5000);
    healthTimer.unref();
  };

  const audits = new Set<string>();
  const runAudit = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const name = url.searchParams.get("agent") ?? "";
    if (req.headers["x-requested-with"] !== "fleet-view") {
      sendJson(res, 403, { error: "missing x-requested-with header" });
      return;
    }
    if (!NAME_RE.test(name) || !model.has(name)) {
      sendJson(res, 404, { error: "no such agent" });
      return;
    }
    if (!options.audit) {
      sendJson(res, 501, { error: "audit checks are not available here" });
      return;
    }
    if (audits.has(name)) {
      sendJson(res, 409, { error: "a check of this agent is running" });
      return;
    }
    audits.add(name);
    try {
      await options.audit(name);
    } finally {
      audits.delete(name);
    }
    const row = model.snapshot().agents.find((a) => a.name === name);
    sendJson(res, 200, { agent: name, audit: row?.audit ?? null });
  };

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://fleet.invalid");
    } catch {
      return false;
    }
    const path = url.pathname;
    const method = req.method ?? "GET";
    const read = method === "GET" || method === "HEAD";

    if (path === "/login" && auth.required) {
      if (method !== "POST") {
        send(res, 405, "text/plain", "use the form\n", { allow: "POST" });
        return true;
      }
      void readForm(req).then((form) => {
        const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
        const cookie = form ? auth.login(form.get("token") ?? "", secure) : null;
        if (cookie) res.writeHead(303, { ...SECURITY_HEADERS, "set-cookie": cookie, location: "/" }).end();
        else send(res, 401, "text/html; charset=utf-8", LOGIN_PAGE("The token is not right."));
      });
      return true;
    }
    const asset = read ? assets.get(path) : undefined;
    const api = path === "/api/snapshot" || path === "/api/events" || path === "/api/audit";
    if (!asset && !api) return false;
    if (!auth.allows(req)) {
      if (path === "/") send(res, 401, "text/html; charset=utf-8", LOGIN_PAGE(null));
      else sendJson(res, 401, { error: "log in first" });
      return true;
    }
    if (asset) sendAsset(req, res, asset);
    else if (path === "/api/audit") {
      if (method !== "POST") send(res, 405, "text/plain", "POST only\n", { allow: "POST" });
      else void runAudit(req, res, url).catch(() => sendJson(res, 500, { error: "audit check failed" }));
    } else if (!read) send(res, 405, "text/plain", "GET only\n", { allow: "GET, HEAD" });
    else if (path === "/api/snapshot") sendJson(res, 200, model.snapshot());
    else if (hub.add(res)) watchHealth();
    return true;
  };

  return {
    handle,
    get streams() {
      return hub.size;
    },
    close() {
      unsubscribe();
      if (healthTimer) clearInterval(healthTimer);
      healthTimer = null;
      hub.close();
    },
  };
}
