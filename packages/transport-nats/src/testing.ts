/**
 * Testing helper (`@hsagent/transport-nats/testing`): real nats-server processes on free ports (the OS picks them: `-p -1`), alone or as
 * a cluster with routes, with their ports read from the server's own log.
 */
import { type ChildProcess, spawn } from "node:child_process";

/** One running nats-server process. */
export interface NatsNode {
  /** `127.0.0.1:PORT` for clients. */
  readonly client: string;
  /** `nats://127.0.0.1:PORT` for routes (cluster nodes only). */
  readonly route: string | null;
  readonly proc: ChildProcess;
  /** Log lines so far. */
  readonly log: string[];
  /** `kill -9` and wait for the exit. */
  kill9(): Promise<void>;
  /** Graceful stop. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/** Start one nats-server with extra arguments; resolves when it listens (and its routes port is known). */
export function startNatsNode(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cluster?: boolean } = {},
): Promise<NatsNode> {
  const proc = spawn("nats-server", ["-a", "127.0.0.1", "-p", "-1", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  const log: string[] = [];
  let client: string | null = null;
  let route: string | null = null;
  let ready = false;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  return new Promise<NatsNode>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`nats-server did not start:\n${log.join("\n")}`));
    }, READY_TIMEOUT_MS);
    const check = () => {
      if (!client || !ready || (options.cluster && !route)) return;
      clearTimeout(timer);
      resolve({
        client,
        route,
        proc,
        log,
        async kill9() {
          proc.kill("SIGKILL");
          await exited;
        },
        async stop() {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
          await exited;
        },
      });
    };
    let rest = "";
    const onData = (chunk: Buffer) => {
      rest += chunk.toString("utf8");
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        log.push(line);
        const c = /Listening for client connections on (\S+)/.exec(line);
        if (c) client = c[1]!.replace(/^0\.0\.0\.0:/, "127.0.0.1:");
        const r = /Listening for route connections on (\S+)/.exec(line);
        if (r) route = `nats://${r[1]!.replace(/^0\.0\.0\.0:/, "127.0.0.1:")}`;
        if (line.includes("Server is ready")) ready = true;
      }
      check();
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`nats-server exited with ${code}:\n${log.join("\n")}`));
    });
  });
}

/** Count of route connections a node has logged. */
function routes(node: NatsNode): number {
  return node.log.filter((l) => l.includes("Route connection created")).length;
}

/** A cluster of `n` routed nodes; resolves once every node has a route to every other. */
export async function startNatsCluster(n: number): Promise<NatsNode[]> {
  const name = `hsagent-test-${Math.random().toString(36).slice(2, 8)}`;
  const clusterArgs = ["--cluster_name", name, "--cluster", "nats://127.0.0.1:-1"];
  const first = await startNatsNode(clusterArgs, { cluster: true });
  const nodes = [first];
  for (let i = 1; i < n; i++)
    nodes.push(await startNatsNode([...clusterArgs, "--routes", first.route!], { cluster: true }));
  const until = Date.now() + READY_TIMEOUT_MS;
  while (nodes.some((node) => routes(node) < n - 1)) {
    if (Date.now() > until) throw new Error("the NATS cluster did not form its routes");
    await new Promise((r) => setTimeout(r, 50));
  }
  return nodes;
}

/** Stop every node (best effort). */
export async function stopAll(nodes: NatsNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
}
