// Headless Chromium for the fleet-page tests: Debian's `chromium` (path from HSAGENT_CHROMIUM,
// default /usr/bin/chromium) driven by playwright-core, in a fresh profile, with every page error,
// console error and off-origin request recorded so a test can fail on them.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** The Chromium binary the tests drive. */
export const CHROMIUM = process.env.HSAGENT_CHROMIUM ?? "/usr/bin/chromium";

/** A browser page plus what went wrong on it. */
export interface WatchedPage {
  readonly page: Page;
  /** Uncaught exceptions and console errors. */
  readonly errors: string[];
  /** Requests that left `origin` (anything but the page's own origin and data: URLs). */
  readonly offOrigin: string[];
  close(): Promise<void>;
}

/** Open a fresh headless Chromium whose requests are checked against `origin`. */
export async function openPage(origin: string): Promise<WatchedPage> {
  const profile = mkdtempSync(join(tmpdir(), "hsagent-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const offOrigin: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  context.on("request", (req) => {
    const url = req.url();
    if (url.startsWith("data:")) return;
    if (new URL(url).origin !== origin) offOrigin.push(url);
  });
  return {
    page,
    errors,
    offOrigin,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
