// Start the real `hsagent-substrate` bin from source (node --import tsx) in its own process for
// the hardening benches, and read its RSS and CPU time from /proc.

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(pkg, "src", "bin", "hsagent-substrate.ts");

/** A running server process. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawn the bin with `args` (a free port and silent logs are added). */
export async function spawnServer(args: string[] = []): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", BIN, "--port", "0", "--log-level", "silent", ...args],
    { cwd: pkg, stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /substrate listening on (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Resident set size of `pid` in MiB (Linux). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+([0-9]+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

/** CPU time (user + system) of `pid` in seconds (Linux, 100 ticks/s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}
