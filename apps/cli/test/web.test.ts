// The fleet page of a real `hsagent up --web` with three agents, in headless Chromium: the rows
// appear, the session total grows, a message forged on the relay shows up under its rejection
// reason, the page throws nothing and requests nothing off-origin. A screenshot is kept in
// artifacts/ (gitignored) at the repository root.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectRelay } from "@hsagent/relay";
import { afterAll, describe, expect, it } from "vitest";
import { defaultWebArg } from "../src/lib/web.js";
import { CHROMIUM, openPage, type WatchedPage } from "./browser.js";
import { type CliChild, runCli, startCli, upWithWebArgs, waitFor } from "./helpers.js";

const ARTIFACTS = fileURLToPath(new URL("../../../artifacts/", import.meta.url));

// Without Chromium the browser tests skip locally; in CI (.ci/run installs it) they fail instead.
describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== "true")("hsagent up --web", () => {
  const dir = mkdtempSync(join(tmpdir(), "hsagent-web-"));
  let up: CliChild | null = null;
  let browser: WatchedPage | null = null;
  afterAll(async () => {
    await browser?.close();
    up?.child.kill("SIGINT");
    if (up) await up.done;
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows three agents, a growing session total and a forged message's rejection reason", async () => {
    const t0 = Date.now();
    up = startCli(upWithWebArgs("alpha,beta,gamma", join(dir, "data")));
    const out = up.out;
    const line = () => /^fleet view: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out.stdout);
    await waitFor(() => line() !== null || up?.child.exitCode !== null, 60_000, "the fleet view line");
    const url = line()?.[1];
    expect(url, out.stderr).toBeDefined();
    const lineMs = Date.now() - t0;

    browser = await openPage(new URL(url as string).origin);
    const { page } = browser;
    const tLoad = Date.now();
    await page.goto(url as string);
    const rows = page.getByTestId("agent-row");
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
    const rowsMs = Date.now() - tLoad;
    expect(await rows.allTextContents()).toEqual([
      expect.stringMatching(/^alpha/),
      expect.stringMatching(/^beta/),
      expect.stringMatching(/^gamma/),
    ]);

    const total = page.getByTestId("sessions-total");
    const read = async () => Number(await total.textContent());
    const before = await read();
    await page.waitForTimeout(6000);
    const after6s = await read();
    // on a loaded machine the pairs may pause a little longer: allow more time, report the 6-s growth
    await expect.poll(read, { timeout: 30_000 }).toBeGreaterThan(before);

    // a message forged on the relay: "beta" says "confirm" to alpha with nothing a confirm needs
    const ids = Object.fromEntries(
      [...out.stdout.matchAll(/^agent +(\w+) \(([0-9a-f-]{36})\)$/gm)].map((m) => [m[1], m[2]]),
    );
    const relayAddr = /^relay +(\S+):(\d+)$/m.exec(out.stdout);
    expect(relayAddr).not.toBeNull();
    const mallory = await connectRelay({ host: relayAddr?.[1] as string, port: Number(relayAddr?.[2]) });
    await mallory.send({ from: ids.beta, to: ids.alpha, intent: "confirm", garbage: true });
    const reasonRow = page.locator('[data-testid="rejections"] tr[data-reason="malformed"] td');
    await expect
      .poll(async () => Number((await reasonRow.textContent({ timeout: 15_000 })) ?? 0), {
        timeout: 15_000,
      })
      .toBeGreaterThanOrEqual(1);
    await mallory.close();

    // on-demand audit check of one agent, with the keyboard
    await page.getByRole("button", { name: "Check the audit chain of alpha" }).focus();
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.locator('tr[data-agent="alpha"] .audit').getAttribute("data-status"), {
        timeout: 20_000,
      })
      .toBe("valid");

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "fleet-view.png"), fullPage: true });
    expect(browser.errors).toEqual([]);
    expect(browser.offOrigin).toEqual([]);
    console.log(
      JSON.stringify({ fleetViewLineMs: lineMs, threeRowsMs: rowsMs, sessionsTotal: { before, after6s } }),
    );
  }, 180_000);

  it("beyond loopback: refuses to start without a token; with one, the URL never carries it", async () => {
    const args = ["up", "--data-dir", join(dir, "data2"), "--relay-port", "0", "--substrate-port", "0"];
    const refused = await runCli([...args, "--web", "0.0.0.0:0"], { timeoutMs: 90_000 });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/needs a token: set HSAGENT_WEB_TOKEN or give a token file/);
    const token = "web-token-for-the-test-0123456789";
    const short = await runCli([...args, "--web", "0.0.0.0:0"], {
      env: { HSAGENT_WEB_TOKEN: "short" },
      timeoutMs: 90_000,
    });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 16 characters/);
    expect(short.stderr).not.toContain("short\n");
    const ok = startCli([...args, "--web", "0.0.0.0:0", "--agents", "alpha"], {
      env: { HSAGENT_WEB_TOKEN: token },
    });
    try {
      await waitFor(
        () => /^fleet view: /m.test(ok.out.stdout) || ok.child.exitCode !== null,
        60_000,
        "the line",
      );
      const url = /^fleet view: (\S+)$/m.exec(ok.out.stdout)?.[1] as string;
      expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
      const local = url.replace("0.0.0.0", "127.0.0.1");
      expect((await fetch(`${local}api/snapshot`)).status).toBe(401);
      const authed = await fetch(`${local}api/snapshot`, { headers: { authorization: `Bearer ${token}` } });
      expect(authed.status).toBe(200);
      expect(ok.out.stdout + ok.out.stderr).not.toContain(token);
    } finally {
      ok.child.kill("SIGINT");
      await ok.done;
    }
  }, 180_000);

  it("a bare --web gets the default address", () => {
    expect(defaultWebArg(["up", "--web"])).toEqual(["up", "--web", "127.0.0.1:7790"]);
    expect(defaultWebArg(["up", "--web", "--agents", "a,b"])).toEqual([
      "up",
      "--web",
      "127.0.0.1:7790",
      "--agents",
      "a,b",
    ]);
    expect(defaultWebArg(["up", "--web", "0.0.0.0:1"])).toEqual(["up", "--web", "0.0.0.0:1"]);
  });
});
