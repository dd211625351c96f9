// Does the fleet page stay smooth with 50 agents? A synthetic 50-agent fleet (the fleet-view
// bench feeder) served in-process, opened in headless Chromium for a window: animation frames per
// second, long tasks (> 50 ms) and the main-thread time they blocked, as the browser reports them.
// Build first. Last stdout line: one JSON object.   (BENCH_AGENTS, BENCH_WINDOW_S)

import { FleetModel, startFleetViewServer } from "@hsagent/fleet-view";
import { feedSyntheticFleet } from "../../../packages/fleet-view/bench/synthetic.js";
import { openPage } from "../test/browser.js";

const N = Number(process.env.BENCH_AGENTS ?? 50);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 10);

const model = new FleetModel({ title: "smoothness bench" });
const stopFeed = feedSyntheticFleet(model, N);
const server = await startFleetViewServer({ model });
const browser = await openPage(new URL(server.url).origin);
try {
  const { page } = browser;
  // a plain string: the bench runs under tsx, whose helpers must not leak into the page
  await page.addInitScript(`
    window.__long = [];
    window.__frames = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); })
      .observe({ type: "longtask", buffered: true });
    const tick = () => { window.__frames++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  `);
  await page.goto(server.url);
  await page
    .getByTestId("agent-row")
    .nth(N - 1)
    .waitFor();
  const before = (await page.evaluate("({ frames: window.__frames, long: window.__long.length })")) as {
    frames: number;
    long: number;
  };
  await page.waitForTimeout(WINDOW_S * 1000);
  const after = (await page.evaluate("({ frames: window.__frames, long: [...window.__long] })")) as {
    frames: number;
    long: number[];
  };
  const longs = after.long.slice(before.long);
  console.log(
    JSON.stringify({
      bench: "fleet-view-smoothness",
      agents: N,
      windowSeconds: WINDOW_S,
      rows: await page.getByTestId("agent-row").count(),
      framesPerSecond: Math.round(((after.frames - before.frames) / WINDOW_S) * 10) / 10,
      longTasks: longs.length,
      longTaskMsTotal: Math.round(longs.reduce((a, b) => a + b, 0)),
      longTaskMsMax: Math.round(Math.max(0, ...longs)),
      pageErrors: browser.errors,
    }),
  );
} finally {
  await browser.close();
  await server.close();
  stopFeed();
}
