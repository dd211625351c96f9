// `hsagent relay serve --http-port 0`: the relay's health and metrics endpoint beside it.

import { describe, expect, it } from "vitest";
import { startCli, waitFor } from "./helpers.js";

describe("hsagent relay serve --http-port", () => {
  it("prints the HTTP URL and answers /readyz and /metrics", async () => {
    const c = startCli(["relay", "serve", "--port", "0", "--http-port", "0"]);
    try {
      await waitFor(
        () => /relay http on \S+\n/.test(c.out.stdout) || c.child.exitCode !== null,
        30_000,
        "line",
      );
      const url = /relay http on (\S+)\n/.exec(c.out.stdout)?.[1];
      expect(url, c.out.stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${url}/metrics`)).text()).toContain("hsagent_relay_connections 0");
    } finally {
      c.child.kill("SIGINT");
      expect((await c.done).code).toBe(0);
    }
  });
});
