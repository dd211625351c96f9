/**
 * Real processes for end-to-end tests: the `hsagent-substrate`, `hsagent-relay` and
 * `hsagent-agent` bins (built dist), with their stdout followed line by line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
/** Absolute path of a package bin's built JS. */
export const BIN = {
  substrate: `${root}packages/substrate-server/dist/bin/hsagent-substrate.js`,
  relay: `${root}packages/relay/dist/bin/hsagent-relay.js`,
  agent: `${root}packages/agent/dist/bin/hsagent-agent.js`,
};

/** A spawned bin with its stdout lines. */
export class Proc {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(file: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [file, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buf = "";
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buf += chunk;
      let i = buf.indexOf("\n");
      while (i >= 0) {
        this.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
      }
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      if (this.stderr.length < 200_000) this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** JSON stdout lines. */
  json(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const l of this.lines) {
      try {
        out.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        // not a JSON line
      }
    }
    return out;
  }

  /** Wait for a stdout line matching `re`. */
  async waitLine(re: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      for (const l of this.lines) {
        const m = re.exec(l);
        if (m) return m;
      }
      if (Date.now() > until || this.child.exitCode !== null)
        throw new Error(`no line ${re} (exit ${this.child.exitCode}); stderr: ${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Send a signal and wait for the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Start the substrate bin; resolves with its URL. */
export async function spawnSubstrate(db: string, pgSchema?: string): Promise<{ proc: Proc; url: string }> {
  const args = ["--port", "0", "--db", db, "--no-rate-limit", "--log-level", "warn"];
  if (pgSchema) args.push("--pg-schema", pgSchema);
  const proc = new Proc(BIN.substrate, args, { HSAGENT_SUBSTRATE_JWT_SECRET: "s".repeat(48) });
  const m = await proc.waitLine(/substrate listening on (http:\/\/\S+)/);
  return { proc, url: m[1]! };
}

/** Start the relay bin; resolves with HOST:PORT. */
export async function spawnRelay(): Promise<{ proc: Proc; address: string }> {
  const proc = new Proc(BIN.relay, ["--port", "0", "--rate-limit", "0"]);
  const m = await proc.waitLine(/listening on (\S+:\d+)/);
  return { proc, address: m[1]! };
}

/** A substrate (SQLite in a temp dir) and a relay as processes, and a fresh account name. */
export interface ProcWorld {
  substrate: { proc: Proc; url: string };
  relay: { proc: Proc; address: string };
  account: { username: string; password: string };
  /** Every process of the test (push agents here): `close()` kills them all. */
  procs: Proc[];
  /** Kill every process in `procs` and remove the temp dir. */
  close(): Promise<void>;
}

/** Start a {@link ProcWorld}; `prefix` names its temp dir and account. */
export async function spawnWorld(prefix: string): Promise<ProcWorld> {
  const dir = mkdtempSync(join(tmpdir(), `hsagent-${prefix}-`));
  const procs: Proc[] = [];
  const close = async () => {
    await Promise.all(procs.map((p) => p.stop("SIGKILL")));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const substrate = await spawnSubstrate(`sqlite:${join(dir, "substrate.db")}`);
    procs.push(substrate.proc);
    const relay = await spawnRelay();
    procs.push(relay.proc);
    const username = `${prefix}${Math.random().toString(36).slice(2, 9)}`;
    return { substrate, relay, account: { username, password: `${prefix}-password-1` }, procs, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Start an agent process. */
export function spawnAgent(
  name: string,
  relay: string,
  substrate: string,
  account: { username: string; password: string },
  extra: string[] = [],
): Proc {
  return new Proc(
    BIN.agent,
    [
      "--name",
      name,
      "--relay",
      relay,
      "--substrate",
      substrate,
      "--register-interval-ms",
      "200",
      "--retransmit-ms",
      "1000",
      "--session-timeout-ms",
      "15000",
      "--log-level",
      "info",
      ...extra,
    ],
    {
      HSAGENT_USERNAME: account.username,
      HSAGENT_PASSWORD: account.password,
      HSAGENT_VAULT_PASSPHRASE: `vault-${name}`,
    },
  );
}
