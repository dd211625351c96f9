// The latency chart: uPlot lines of handshake and session p50/p99 per 5-second bucket over the
// last minutes, plus a text summary for screen readers and for when the chart is too narrow.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { LatencyPoint } from "../src/snapshot.js";
import { ms, setText } from "./dom.js";

type Series = (number | null)[];

function merge(
  handshake: readonly LatencyPoint[],
  session: readonly LatencyPoint[],
): [number[], Series, Series, Series, Series] {
  const ts = [...new Set([...handshake.map((p) => p.t), ...session.map((p) => p.t)])].sort((a, b) => a - b);
  const h = new Map(handshake.map((p) => [p.t, p]));
  const s = new Map(session.map((p) => [p.t, p]));
  return [
    ts,
    ts.map((t) => h.get(t)?.p50 ?? null),
    ts.map((t) => h.get(t)?.p99 ?? null),
    ts.map((t) => s.get(t)?.p50 ?? null),
    ts.map((t) => s.get(t)?.p99 ?? null),
  ];
}

/** The latency chart in `host`, with its text summary in `text`. */
export class LatencyChart {
  readonly #plot: uPlot;
  #last = "";

  constructor(
    readonly host: HTMLElement,
    readonly text: HTMLElement,
  ) {
    const colors = ["#2f7ed8", "#1b4f8a", "#d9822b", "#8a4a12"];
    this.#plot = new uPlot(
      {
        width: Math.max(300, host.clientWidth || 600),
        height: 220,
        scales: { x: { time: true } },
        legend: { live: false },
        axes: [
          { stroke: "currentColor", grid: { stroke: "#8884" } },
          { stroke: "currentColor", grid: { stroke: "#8884" } },
        ],
        series: [
          {},
          { label: "handshake p50", stroke: colors[0], width: 2, spanGaps: true },
          { label: "handshake p99", stroke: colors[1], width: 1, dash: [4, 4], spanGaps: true },
          { label: "session p50", stroke: colors[2], width: 2, spanGaps: true },
          { label: "session p99", stroke: colors[3], width: 1, dash: [4, 4], spanGaps: true },
        ],
      },
      [[], [], [], [], []],
      host,
    );
    new ResizeObserver(() =>
      this.#plot.setSize({ width: Math.max(300, host.clientWidth), height: 220 }),
    ).observe(host);
  }

  /** Draw the points (only when they changed). */
  render(handshake: readonly LatencyPoint[], session: readonly LatencyPoint[]): void {
    const key = JSON.stringify([handshake.at(-1), session.at(-1), handshake.length, session.length]);
    if (key === this.#last) return;
    this.#last = key;
    this.#plot.setData(merge(handshake, session));
    const h = handshake.at(-1);
    const s = session.at(-1);
    setText(
      this.text,
      `Latest handshake p50 ${ms(h?.p50)}, p99 ${ms(h?.p99)}; session p50 ${ms(s?.p50)}, p99 ${ms(s?.p99)}.`,
    );
  }
}
