// The pair heat map of a big fleet drawn on a canvas (thousands of table cells cost the browser
// too much style and layout work on every update). A text line names the busiest pairs, for
// screen readers and for reading exact numbers.

import { setText } from "./dom.js";

const CELL = 12;
const LABEL = 90;

/** Draw the upper-triangle `counts` of `names` as a heat map into `canvas`; summary into `text`. */
export function drawHeatCanvas(
  canvas: HTMLCanvasElement,
  text: HTMLElement,
  names: readonly string[],
  counts: readonly (readonly number[])[],
): void {
  const n = names.length;
  const size = LABEL + n * CELL;
  if (canvas.width !== size) {
    canvas.width = size;
    canvas.height = size;
  }
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const style = getComputedStyle(canvas);
  const rgb = style.getPropertyValue("--heat-color").trim().split(/\s+/).join(",");
  ctx.clearRect(0, 0, size, size);
  ctx.fillStyle = style.color;
  ctx.font = "10px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  let max = 0;
  const top: [number, string][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = counts[i]?.[j] ?? 0;
      max = Math.max(max, v);
      top.push([v, `${names[i]} ↔ ${names[j]}`]);
    }
  }
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = style.color;
    ctx.fillText((names[i] ?? "").slice(0, 14), 2, LABEL + i * CELL + CELL / 2);
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const v = i < j ? (counts[i]?.[j] ?? 0) : (counts[j]?.[i] ?? 0);
      ctx.fillStyle = `rgba(${rgb},${max === 0 ? 0.05 : 0.05 + (0.95 * v) / max})`;
      ctx.fillRect(LABEL + j * CELL, LABEL + i * CELL, CELL - 1, CELL - 1);
    }
  }
  top.sort((a, b) => b[0] - a[0]);
  const busiest = top
    .slice(0, 5)
    .map(([v, p]) => `${p} ${v}`)
    .join(", ");
  setText(text, `${n} agents, ${top.length} pairs; busiest: ${busiest || "none yet"}.`);
  canvas.setAttribute("aria-label", `Sessions per pair for ${n} agents; busiest: ${busiest || "none yet"}`);
}
