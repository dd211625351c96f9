// Test helpers: run the BUILT `hsagent` binary as a child process with a clean environment.

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Path of bin/run.js. */
export const BIN = fileURLToPath(new URL("../bin/run.js", import.meta.url));

/** Result of a finished run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The parent's environment without any HSAGENT_* variable, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("HSAGENT_")) env[k] = v;
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
  const child = spawn(process.execPath, [BIN, ...args], {
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
