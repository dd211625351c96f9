// The pair heat map: an accessible table (row and column headers are agent names), each cell's
// background shaded by its share of the busiest pair. Cells are reused between updates.

import { el, setText } from "./dom.js";
import { drawHeatCanvas } from "./heat-canvas.js";

/** Above this many agents the matrix is a canvas, redrawn at most once a second (with a trailing draw). */
const BIG = 12;

/** Keeps the heat-map table in step with the snapshots. */
export class PairMatrix {
  #key = "";
  #cells: HTMLTableCellElement[][] = [];
  #last = 0;
  #pending: [readonly string[], readonly (readonly number[])[]] | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly table: HTMLTableElement,
    readonly canvas: HTMLCanvasElement,
    readonly summary: HTMLElement,
  ) {}

  #build(names: readonly string[]): void {
    const head = el("tr", {}, el("td", {}), ...names.map((n) => el("th", { scope: "col" }, n)));
    this.#cells = names.map(() => []);
    const rows = names.map((a, i) => {
      const tds = names.map((b, j) => {
        const td = el("td", { class: i === j ? "self" : "cell", title: `${a} ↔ ${b}` });
        (this.#cells[i] as HTMLTableCellElement[])[j] = td;
        return td;
      });
      return el("tr", {}, el("th", { scope: "row" }, a), ...tds);
    });
    this.table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
  }

  /** Draw the upper-triangle `counts` mirrored over the diagonal (big matrices: ≤ 1/s). */
  render(names: readonly string[], counts: readonly (readonly number[])[]): void {
    const big = names.length > BIG;
    this.table.hidden = big;
    this.canvas.hidden = !big;
    if (!big) {
      this.#draw(names, counts);
      return;
    }
    this.#pending = [names, counts];
    if (this.#timer) return;
    const wait = Math.max(0, 1000 - (performance.now() - this.#last));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#last = performance.now();
      const p = this.#pending;
      this.#pending = null;
      if (p) drawHeatCanvas(this.canvas, this.summary, p[0], p[1]);
    }, wait);
  }

  #draw(names: readonly string[], counts: readonly (readonly number[])[]): void {
    const key = names.join("\u0000");
    if (key !== this.#key) {
      this.#key = key;
      this.#build(names);
    }
    let max = 0;
    for (const row of counts) for (const v of row) max = Math.max(max, v);
    for (let i = 0; i < names.length; i++) {
      for (let j = 0; j < names.length; j++) {
        if (i === j) continue;
        const v = i < j ? (counts[i]?.[j] ?? 0) : (counts[j]?.[i] ?? 0);
        const td = this.#cells[i]?.[j];
        if (!td) continue;
        setText(td, String(v));
        const heat = max === 0 ? 0 : Math.round((v / max) * 100);
        if (td.dataset.heat !== String(heat)) {
          td.dataset.heat = String(heat);
          td.style.setProperty("--heat", `${heat}%`);
        }
      }
    }
  }
}
