// Small DOM helpers of the fleet page: create elements, set text only when it changed, and keep
// a keyed list of rows in a tbody without rebuilding it on every update.

/** Create an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** Set `node`'s text when it differs (avoids layout work on unchanged cells). */
export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** The element with this id, or an error naming it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

/** "3 s ago", "2 min ago"... relative to `now` (ms). */
export function ago(at: number | null, now: number): string {
  if (at === null) return "—";
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** A latency in ms, or a dash. */
export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  return v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
}

/** Fill a two-column reason → count table body, largest first. */
export function renderCounts(tbody: HTMLTableSectionElement, counts: Readonly<Record<string, number>>): void {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const key = JSON.stringify(entries);
  if (tbody.dataset.key === key) return;
  tbody.dataset.key = key;
  if (entries.length === 0) {
    if (tbody.dataset.empty !== "1") {
      tbody.replaceChildren(el("tr", {}, el("td", { colspan: "2", class: "muted" }, "none")));
      tbody.dataset.empty = "1";
    }
    return;
  }
  delete tbody.dataset.empty;
  const rows = entries.map(([reason, n]) =>
    el(
      "tr",
      { "data-reason": reason },
      el("th", { scope: "row" }, reason),
      el("td", { class: "num" }, String(n)),
    ),
  );
  tbody.replaceChildren(...rows);
}
