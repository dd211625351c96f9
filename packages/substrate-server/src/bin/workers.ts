// `hsagent-substrate --workers <n>`: n server processes (node:cluster) sharing one port, for a
// SQLite file (WAL; chain writes use BEGIN IMMEDIATE and object updates are one version-checked
// UPDATE, so several processes on one file are safe) or PostgreSQL.
//
// The primary serves no requests. Before forking it resolves the JWT secret once (so a first-start
// `jwt-secret` file is generated exactly once, and PostgreSQL without HSAGENT_SUBSTRATE_JWT_SECRET
// still gets one secret for all workers) and opens the database once, which applies migrations, so
// workers never race on them. Each worker asks for the secret over the IPC channel (never argv or
// env), starts a server on the shared port and reports back; once all n listen, the primary prints
// the one `substrate listening on …` line. A worker that dies is replaced (logged on stderr); more
// than MAX_RESTARTS deaths within RESTART_WINDOW_MS stop the whole server with exit 1. SIGINT or
// SIGTERM to the primary closes every worker gracefully and exits 0.

import cluster, { type Worker } from "node:cluster";
import { JWT_SECRET_ENV, resolveJwtSecret } from "../auth/secret.js";
import { type SubstrateServerOptions, startSubstrateServer } from "../server.js";
import { openStore, parseDbUrl } from "../store/open.js";

/** Largest accepted `--workers`. */
export const MAX_WORKERS = 64;
/** Crash-loop guard: more than this many worker deaths within {@link RESTART_WINDOW_MS} → give up. */
export const MAX_RESTARTS = 5;
/** Crash-loop guard window. */
export const RESTART_WINDOW_MS = 60_000;
/** Response header naming the worker that answered (only with `--workers` > 1). */
export const WORKER_HEADER = "x-substrate-worker";

/** What the bin passes to a server process. */
export type ServeOptions = Omit<SubstrateServerOptions, "jwtSecret">;

type ToPrimary = { t: "hello" } | { t: "listening"; url: string } | { t: "failed"; message: string };
type ToWorker = { t: "secret"; b64: string };

const log = (line: string) => process.stderr.write(`hsagent-substrate: ${line}\n`);

/** Format a startup error like the single-process bin does: code and message, no stack. */
function startupMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `${e.code ?? ""} ${e.message ?? String(err)}`;
}

/** Worker side: get the secret, serve, report, close gracefully on a signal or a lost primary. */
export async function runWorker(opts: ServeOptions): Promise<void> {
  const send = (m: ToPrimary) => process.send?.(m);
  const secret = await new Promise<Buffer>((resolve) => {
    const onMessage = (m: ToWorker) => {
      if (m?.t !== "secret") return;
      process.off("message", onMessage);
      resolve(Buffer.from(m.b64, "base64"));
    };
    process.on("message", onMessage);
    send({ t: "hello" });
  });
  let server: Awaited<ReturnType<typeof startSubstrateServer>>;
  try {
    server = await startSubstrateServer({ ...opts, jwtSecret: secret });
  } catch (err) {
    send({ t: "failed", message: startupMessage(err) });
    process.exit(1);
  }
  const id = String(cluster.worker?.id ?? process.pid);
  // Ahead of Fastify's own listener, so the header is set before the answer is written.
  server.app.server.prependListener("request", (_req, res) => res.setHeader(WORKER_HEADER, id));
  send({ t: "listening", url: server.url });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`worker ${id}: close failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // The primary is gone (killed): do not linger as an orphan.
  process.on("disconnect", stop);
}

/** Primary side: prepare the database and secret, fork `n` workers, supervise them. */
export async function runPrimary(opts: ServeOptions, n: number): Promise<void> {
  const loc = parseDbUrl(opts.db);
  const secret = resolveJwtSecret(undefined, loc.kind === "sqlite" ? loc.dataDir : undefined);
  if (loc.kind === "postgres" && !process.env[JWT_SECRET_ENV] && opts.logger) {
    log(`no ${JWT_SECRET_ENV}: tokens are valid on this server's workers only and die with it`);
  }
  // Opening the store applies pending migrations once, before any worker starts (and surfaces an
  // unreachable database as a startup fault, exit 1).
  await (await openStore(loc, opts)).close();

  const secretB64 = Buffer.from(secret).toString("base64");
  const live = new Set<Worker>();
  const listening = new Set<number>();
  const deaths: number[] = [];
  let announced = false;
  let stopping = false;
  let exitCode = 0;
  let startupError: string | undefined;

  const shutdown = (code: number) => {
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    if (live.size === 0) process.exit(exitCode);
    for (const w of live) w.process.kill("SIGTERM");
  };

  const fork = () => {
    const w = cluster.fork();
    live.add(w);
    w.on("message", (m: ToPrimary) => {
      if (m.t === "hello") w.send({ t: "secret", b64: secretB64 } satisfies ToWorker);
      else if (m.t === "failed") startupError = m.message;
      else if (m.t === "listening") {
        listening.add(w.id);
        if (announced) log(`worker ${w.id} (pid ${w.process.pid}) listening`);
        else if (listening.size === n) {
          announced = true;
          process.stdout.write(`substrate listening on ${m.url}\n`);
        }
      }
    });
  };

  cluster.on("exit", (w, code, signal) => {
    live.delete(w);
    listening.delete(w.id);
    if (stopping) {
      if (code !== 0 && signal !== "SIGTERM" && signal !== "SIGINT") exitCode = 1;
      if (live.size === 0) process.exit(exitCode);
      return;
    }
    const how = signal ?? `exit ${code}`;
    if (!announced) {
      log(`failed to start: ${startupError ?? `worker exited during start (${how})`}`);
      shutdown(1);
      return;
    }
    const now = Date.now();
    while (deaths.length > 0 && now - (deaths[0] as number) > RESTART_WINDOW_MS) deaths.shift();
    deaths.push(now);
    if (deaths.length > MAX_RESTARTS) {
      log(
        `worker ${w.id} (pid ${w.process.pid}) died (${how}); ${deaths.length} deaths within ${RESTART_WINDOW_MS / 1000} s, giving up`,
      );
      shutdown(1);
      return;
    }
    log(`worker ${w.id} (pid ${w.process.pid}) died (${how}), restarting`);
    fork();
  });

  const onSignal = (signal: string) => {
    if (stopping) return;
    log(`${signal}, closing ${live.size} workers`);
    shutdown(0);
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

  for (let i = 0; i < n; i++) fork();
}
