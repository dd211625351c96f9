// The fleet page's entry point: subscribes to /api/events (Server-Sent Events), and draws each
// snapshot at most once per animation frame. Same origin only; nothing secret is held here.

import type { FleetSnapshot, HealthItem } from "../src/snapshot.js";
import { AgentsTable } from "./agents.js";
import { LatencyChart } from "./chart.js";
import { byId, el, renderCounts, setText } from "./dom.js";
import { PairMatrix } from "./pairs.js";

const agents = new AgentsTable(
  byId<HTMLTableElement>("agents").tBodies[0] as HTMLTableSectionElement,
  (name) => {
    void fetch(`/api/audit?agent=${encodeURIComponent(name)}`, {
      method: "POST",
      headers: { "x-requested-with": "fleet-view" },
    }).catch(() => setText(byId("conn"), "audit request failed"));
  },
);
const pairs = new PairMatrix(
  byId<HTMLTableElement>("pairs"),
  byId<HTMLCanvasElement>("pairs-canvas"),
  byId("pairs-text"),
);
const chart = new LatencyChart(byId("chart"), byId("latency-text"));
const total = byId("sessions-total");
const conn = byId("conn");
const health = byId("health");
const rejections = byId<HTMLTableElement>("rejections").tBodies[0] as HTMLTableSectionElement;
const aborts = byId<HTMLTableElement>("aborts").tBodies[0] as HTMLTableSectionElement;

function renderHealth(items: readonly HealthItem[]): void {
  const key = items.map((h) => `${h.name}${h.ok}${h.detail}`).join("|");
  if (health.dataset.key === key) return;
  health.dataset.key = key;
  health.replaceChildren(
    ...items.map((h) =>
      el(
        "li",
        { "data-ok": String(h.ok), "data-name": h.name },
        `${h.name}: ${h.ok ? "ok" : "DOWN"} — ${h.detail}`,
      ),
    ),
  );
}

let pending: FleetSnapshot | null = null;
function draw(): void {
  const s = pending;
  pending = null;
  if (!s) return;
  setText(byId("title"), s.title);
  setText(total, String(s.sessionsTotal));
  agents.render(s.agents, s.now);
  pairs.render(s.pairs.names, s.pairs.counts);
  chart.render(s.latency.handshake, s.latency.session);
  renderCounts(rejections, s.rejections);
  renderCounts(aborts, s.aborts);
  renderHealth(s.health);
}

const events = new EventSource("/api/events");
events.addEventListener("open", () => setText(conn, "live"));
events.addEventListener("error", () => setText(conn, "reconnecting…"));
events.addEventListener("snapshot", (e) => {
  const first = pending === null;
  pending = JSON.parse((e as MessageEvent<string>).data) as FleetSnapshot;
  if (first) requestAnimationFrame(draw);
});
