// A real child process appends audit events (acknowledged, still buffered) and
// is stopped with SIGTERM: its clean stop (close()) must write every one.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSubstrateAuditLog } from "../src/index.js";
import { newClient, type ServerHandle, startServer } from "./helpers/env.js";

let handle: ServerHandle;
beforeAll(async () => {
  handle = await startServer("sqlite");
});
afterAll(() => handle?.stop());

it("SIGTERM → close() writes every acknowledged event", async () => {
  const username = `k${randomBytes(5).toString("hex")}`;
  const password = randomBytes(10).toString("hex");
  const agentId = "5a5a5a5a-1111-4222-8333-444444444444";
  const script = fileURLToPath(new URL("./child/audit-writer.ts", import.meta.url));
  const child = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", script, handle.server.url, username, agentId, "150"],
    { env: { ...process.env, CHILD_PASSWORD: password }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    child.on("exit", (code) => reject(new Error(`child exited early (${code}): ${err}`)));
  });
  expect(line).toBe("acknowledged 150 persisted 0");
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  child.kill("SIGTERM");
  expect(await exited).toBe(0);

  const reader = createSubstrateAuditLog(await newClient(handle.server.url, username, password), agentId);
  const events = await reader.recent(1_000);
  expect(events.map((e) => e.detail?.i)).toEqual(Array.from({ length: 150 }, (_, i) => i));
  expect((await reader.validate()).isValid).toBe(true);
}, 60_000);
