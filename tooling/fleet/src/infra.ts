/**
 * Fault-injection infrastructure: the substrate server and the relay as restartable child
 * processes (see infra-host.ts), and a node:http fault proxy that can answer slowly or with 500s.
 */
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const INFRA_SCRIPT = fileURLToPath(new URL("../src/infra-host.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

/** A restartable infrastructure process listening on a fixed port after its first start. */
export class InfraProcess {
  #child: ChildProcess | null = null;
  #port = 0;
  stderr = "";
  /** Times the process exited without being asked to (crashes). */
  unexpectedExits = 0;
  #expectExit = false;

  constructor(
    readonly mode: "substrate" | "relay",
    readonly env: Record<string, string> = {},
  ) {}

  /** Process id of the running process (CPU accounting), or null. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** host:port once started. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** Start (or restart on the same port); resolves when listening. */
  async start(timeoutMs = 30_000): Promise<void> {
    this.#expectExit = false;
    const child = spawn(process.execPath, ["--conditions=source", "--import", TSX, INFRA_SCRIPT, this.mode], {
      env: { ...process.env, ...this.env, HSAGENT_FLEET_PORT: String(this.#port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    child.stderr!.setEncoding("utf8").on("data", (c: string) => {
      if (this.stderr.length < 50_000) this.stderr += c;
    });
    child.on("exit", () => {
      if (!this.#expectExit) this.unexpectedExits++;
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(
        () => reject(new Error(`${this.mode} did not start: ${this.stderr.slice(-500)}`)),
        timeoutMs,
      );
      child.stdout!.setEncoding("utf8").on("data", (c: string) => {
        out += c;
        const m = /listening \S+:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.mode} exited ${code}: ${this.stderr.slice(-500)}`));
      });
    });
    this.#port = port;
  }

  /** Kill with a signal (default SIGKILL) and wait for the exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.#expectExit = true;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  }
}

/** How the fault proxy answers right now. */
export type ProxyMode =
  | { kind: "pass" }
  | { kind: "slow"; delayMs: number }
  /**
   * Answer `status` to every request, or only to requests of `method`, or (`deletes`) only to
   * object deletions: a DELETE, or a batch with a `deleteObject` item (a purge carrying audit).
   */
  | { kind: "error"; status: number; method?: string; deletes?: boolean };

/** True if the request deletes an object (a DELETE, or a batch holding a `deleteObject` item). */
function deletesObject(method: string | undefined, url: string | undefined, body: Buffer): boolean {
  if (method === "DELETE") return true;
  return method === "POST" && (url ?? "").startsWith("/api/batch/") && body.includes('"op":"deleteObject"');
}

/** A node:http reverse proxy in front of the substrate server, with switchable faults. */
export interface FaultProxy {
  url: string;
  mode: ProxyMode;
  /** Requests answered with a fault (delayed or errored). */
  faulted: number;
  close(): Promise<void>;
}

/** Start a fault proxy forwarding to `target` (http://host:port). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const state: { mode: ProxyMode; faulted: number } = { mode: { kind: "pass" }, faulted: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const mode = state.mode;
      if (
        mode.kind === "error" &&
        (mode.method === undefined || mode.method === req.method) &&
        (!mode.deletes || deletesObject(req.method, req.url, Buffer.concat(chunks)))
      ) {
        state.faulted++;
        res.writeHead(mode.status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "INTERNAL", message: "fault proxy" } }));
        return;
      }
      const forward = () => {
        const up = http.request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
            agent,
          },
          (upRes) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
          },
        );
        up.on("error", () => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
        up.end(Buffer.concat(chunks));
      };
      if (mode.kind === "slow") {
        state.faulted++;
        setTimeout(forward, mode.delayMs);
      } else forward();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(m: ProxyMode) {
      state.mode = m;
    },
    get faulted() {
      return state.faulted;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}
