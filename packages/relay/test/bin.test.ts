// The real `hsagent-relay` bin as a child process: startup line, relaying, SIGTERM with
// the shutdown notice and exit 0, and flag errors (exit 2). Needs `dist` (build first).

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parseArgs } from "../src/cli-args.js";
import { RawClient } from "./helpers.js";

const BIN = fileURLToPath(new URL("../dist/bin/hsagent-relay.js", import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl !== -1) resolve(buf.slice(0, nl));
    });
    child.once("exit", (code) => reject(new Error(`exited ${code} before printing; stdout=${buf}`)));
  });
}

// Locally without a build this is skipped; in CI (where `pnpm test` builds first) a missing bin fails.
describe.skipIf(!existsSync(BIN) && process.env.CI !== "true")("hsagent-relay bin", () => {
  it("prints the listening line, relays, and on SIGTERM warns clients and exits 0", async () => {
    const child = spawn(process.execPath, [BIN, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let stdout = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    const line = await firstLine(child);
    const m = /^relay listening on 127\.0\.0\.1:(\d+)$/.exec(line);
    expect(m).not.toBeNull();
    const port = Number(m![1]);
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    // Wait for both to be registered: a line from b reaching a proves b is in; then a → b.
    const probe = setInterval(() => b.write("probe\n"), 20);
    await a.waitLines(1).finally(() => clearInterval(probe));
    a.write("hello\n");
    await b.waitUntil(() =>
      b.text.some((t) => t === `{"remote_addr": "${a.localAddr}", "content": "hello"}\n`),
    );
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    await a.waitClosed(5000);
    await b.waitClosed(5000);
    expect(a.text.at(-1)).toBe("Warning: Server is shutting down.\n");
    expect(b.text.at(-1)).toBe("Warning: Server is shutting down.\n");
    expect(await exited).toBe(0);
    expect(stdout).toBe(`${line}\n`); // exactly one line on stdout
  });

  it("rejects bad flags with one clear error line and exit code 2", () => {
    for (const args of [["--port", "abc"], ["--bogus"], ["--rate-limit"], ["--port", "70000"]]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^hsagent-relay: /);
    }
  });

  it("exits 1 with one error line when the port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = spawnSync(process.execPath, [BIN, "--port", String(port)], { encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`hsagent-relay: cannot listen on 127.0.0.1:${port}: EADDRINUSE\n`);
    } finally {
      blocker.close();
    }
  });

  it("prints usage for --help and exits 0", () => {
    const r = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("--max-line-bytes");
  });
});

describe("parseArgs", () => {
  it("parses every flag in both forms, with defaults", () => {
    expect(parseArgs([])).toEqual({
      kind: "run",
      verbose: false,
      options: { host: "127.0.0.1", port: 8888 },
      http: null,
    });
    expect(
      parseArgs([
        "--host=0.0.0.0",
        "--port",
        "0",
        "--max-line-bytes",
        "1024",
        "--rate-limit=0",
        "--idle-timeout-ms",
        "5000",
        "--max-queue-bytes=4096",
        "--verbose",
      ]),
    ).toEqual({
      kind: "run",
      verbose: true,
      http: null,
      options: {
        host: "0.0.0.0",
        port: 0,
        maxLineBytes: 1024,
        rateLimitPerMinute: 0,
        idleTimeoutMs: 5000,
        maxQueueBytes: 4096,
      },
    });
    expect(parseArgs(["--port", "1", "--help"])).toEqual({ kind: "help" });
  });

  it("throws INVALID_OPTION for bad values", () => {
    for (const bad of [
      ["--max-line-bytes", "0"],
      ["--port", "-1"],
      ["--idle-timeout-ms", "1.5"],
      ["--host", ""],
      ["x"],
    ]) {
      expect(() => parseArgs(bad)).toThrowError(expect.objectContaining({ code: "INVALID_OPTION" }));
    }
  });
});
