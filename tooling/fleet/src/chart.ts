/**
 * The bench chart as hand-written SVG (no dependencies): handshake latency (p50 solid, p99
 * dashed) and sessions/s against the number of agents, one colour per backend.
 */
import type { Backend, BenchResults } from "./results.js";

const COLORS: Record<Backend, string> = { sqlite: "#1f77b4", postgres: "#d62728" };
const W = 420;
const H = 300;
const M = { left: 60, right: 20, top: 40, bottom: 50 };

interface Series {
  backend: Backend;
  dashed: boolean;
  points: [number, number][];
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A "nice" upper bound for an axis (1, 2, 5 × 10^k). */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (value <= m * exp) return m * exp;
  return 10 * exp;
}

function panel(x0: number, title: string, yLabel: string, xs: number[], series: Series[]): string {
  const maxX = Math.max(...xs, 1);
  const maxY = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => x0 + M.left + (x / maxX) * pw;
  const sy = (y: number) => M.top + ph - (y / maxY) * ph;
  const out: string[] = [];
  out.push(
    `<text x="${x0 + W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  );
  out.push(
    `<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(maxX)}" y2="${sy(0)}" stroke="#333"/>` +
      `<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(0)}" y2="${sy(maxY)}" stroke="#333"/>`,
  );
  for (let i = 0; i <= 4; i++) {
    const v = (maxY * i) / 4;
    out.push(
      `<line x1="${sx(0)}" y1="${sy(v)}" x2="${sx(maxX)}" y2="${sy(v)}" stroke="#ddd"/>` +
        `<text x="${sx(0) - 6}" y="${sy(v) + 4}" text-anchor="end" font-size="11">${+v.toPrecision(3)}</text>`,
    );
  }
  for (const x of xs)
    out.push(`<text x="${sx(x)}" y="${sy(0) + 16}" text-anchor="middle" font-size="11">${x}</text>`);
  out.push(
    `<text x="${x0 + M.left + pw / 2}" y="${H - 12}" text-anchor="middle" font-size="12">agents</text>`,
  );
  out.push(
    `<text transform="translate(${x0 + 16},${M.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text>`,
  );
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points
      .map(([x, y], i) => `${i === 0 ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
      .join(" ");
    const dash = s.dashed ? ` stroke-dasharray="5,4"` : "";
    out.push(`<path d="${d}" fill="none" stroke="${COLORS[s.backend]}" stroke-width="2"${dash}/>`);
    for (const [x, y] of s.points)
      out.push(
        `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${COLORS[s.backend]}"/>`,
      );
  }
  return out.join("\n");
}

/** The full chart (two panels and a legend) for a bench result. */
export function renderChart(results: BenchResults): string {
  const backends = [...new Set(results.points.map((p) => p.backend))];
  const xs = [...new Set(results.points.map((p) => p.agents))].sort((a, b) => a - b);
  const pts = (b: Backend, f: (p: BenchResults["points"][number]) => number | null): [number, number][] =>
    results.points
      .filter((p) => p.backend === b && f(p) !== null)
      .sort((a, c) => a.agents - c.agents)
      .map((p) => [p.agents, f(p)!]);
  const latency: Series[] = backends.flatMap((b) => [
    { backend: b, dashed: false, points: pts(b, (p) => p.handshakeP50Ms) },
    { backend: b, dashed: true, points: pts(b, (p) => p.handshakeP99Ms) },
  ]);
  const rate: Series[] = backends.map((b) => ({
    backend: b,
    dashed: false,
    points: pts(b, (p) => p.sessionsPerSec),
  }));
  const legend = backends
    .map((b, i) => {
      const y = H + 8 + i * 18;
      return (
        `<line x1="70" y1="${y}" x2="100" y2="${y}" stroke="${COLORS[b]}" stroke-width="2"/>` +
        `<text x="106" y="${y + 4}" font-size="12">${b === "sqlite" ? "SQLite" : "PostgreSQL"}</text>`
      );
    })
    .join("\n");
  const note = `<text x="${W + 70}" y="${H + 12}" font-size="12">solid: p50, dashed: p99 (handshake)</text>`;
  const height = H + 16 + backends.length * 18;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${height}" viewBox="0 0 ${2 * W} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    panel(0, "Handshake latency", "ms", xs, latency),
    panel(W, "Throughput", "sessions/s", xs, rate),
    legend,
    note,
    `</svg>`,
    "",
  ].join("\n");
}
