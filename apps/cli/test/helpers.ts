// Test helpers of the apps (the daemon's tests import them too): run a BUILT bin (`hsagent`,
// `hsagentd`) as a child process with a clean environment, and a world of a real substrate
// server (SQLite) and relay in a temporary directory for one test file.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RelayServer, startRelay } from "@hsagent/relay";
import { type RunningSubstrateServer, startSubstrateServer } from "@hsagent/substrate-server";
import { afterAll, beforeAll } from "vitest";

/** Path of bin/run.js. */
export const BIN = fileURLToPath(new URL("../bin/run.js", import.meta.url));

/** Result of a finished run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The parent's environment without any HSAGENT_* / HSAGENTD_* variable, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("HSAGENT")) env[k] = v;
  return { ...env, NO_COLOR: "1", ...extra };
}

/** A running child with its output so far. */
export interface CliChild {
  readonly child: ChildProcess;
  readonly out: { stdout: string; stderr: string };
  readonly done: Promise<CliResult>;
}

/** Start `hsagent args...`. */
export function startCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): CliChild {
  return startBin(BIN, args, options);
}

/** Start `node bin args...` with a clean environment plus `options.env`, collecting its output. */
export function startBin(
  bin: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): CliChild {
  const child = spawn(process.execPath, [bin, ...args], {
    env: cleanEnv(options.env),
    cwd: options.cwd ?? process.cwd(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out.stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    out.stderr += d;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, ...out }));
  });
  return { child, out, done };
}

/** `hsagent up` with the fleet page on any port, `agents` (comma-separated) and a fresh relay and substrate. */
export function upWithWebArgs(agents: string, dataDir: string): string[] {
  return [
    "up",
    "--web",
    "127.0.0.1:0",
    "--agents",
    agents,
    "--data-dir",
    dataDir,
    "--relay-port",
    "0",
    "--substrate-port",
    "0",
  ];
}

/** Run `hsagent args...` to completion (killed after `timeoutMs`). */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const c = startCli(args, options);
  const timer = setTimeout(() => c.child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const r = await c.done;
  clearTimeout(timer);
  return r;
}

/** Resolve once `predicate(out)` holds (polling), or reject after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Parse JSON lines of stdout, skipping non-JSON lines. */
export function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // partial line
    }
  }
  return out;
}

/** True if `text` looks like it holds a stack trace. */
export function hasStack(text: string): boolean {
  return /^\s+at .+[(:]\d+/m.test(text);
}

/** A real substrate server (SQLite) and, unless turned off, a relay, in a temporary directory. */
export interface TestWorld {
  readonly dir: string;
  readonly substrate: RunningSubstrateServer;
  /** Absent with `{ relay: false }`. */
  readonly relay: RelayServer;
}

/**
 * Start a {@link TestWorld} before the test file's tests (`ready` receives it) and tear it down
 * after them: relay, substrate server, directory.
 */
export function useTestWorld(
  prefix: string,
  ready: (world: TestWorld) => void,
  options: { relay?: boolean } = {},
): void {
  let world: Partial<TestWorld> = {};
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    world = { dir };
    world = { dir, substrate: await startSubstrateServer({ db: `sqlite:${join(dir, "s.db")}`, port: 0 }) };
    if (options.relay !== false) world = { ...world, relay: await startRelay({ port: 0 }) };
    ready(world as TestWorld);
  }, 60_000); // starting a substrate server takes seconds on a loaded machine
  afterAll(async () => {
    await world.relay?.close();
    await world.substrate?.close();
    if (world.dir) await rm(world.dir, { recursive: true, force: true });
  });
}
