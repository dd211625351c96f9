// The README's TypeScript example must run as written (with the package import pointed at src).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it, vi } from "vitest";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");

it("runs the README example", async () => {
  const readme = readFileSync(join(pkg, "README.md"), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toContain("startSubstrateServer");
  const dir = mkdtempSync(join(tmpdir(), "substrate-readme-"));
  const file = join(dir, "example.ts");
  writeFileSync(
    file,
    (code as string).replace('"@hsagent/substrate-server"', JSON.stringify(join(pkg, "src", "index.ts"))),
  );
  const logs: unknown[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    logs.push(...args);
  });
  try {
    await import(file);
  } finally {
    spy.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
  expect(logs).toContainEqual({ account: { type: 1, id: "1", version: 1, attrs: { username: "alice" } } });
});
