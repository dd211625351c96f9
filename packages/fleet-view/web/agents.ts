// The agents table: one row per agent (data-testid="agent-row"), updated in place, with a button
// per agent that asks the server to validate its audit chain.

import type { AgentRow, AuditResult } from "../src/snapshot.js";
import { ago, el, ms, setText } from "./dom.js";

interface Row {
  readonly tr: HTMLTableRowElement;
  readonly cells: HTMLTableCellElement[];
  readonly audit: HTMLSpanElement;
  readonly button: HTMLButtonElement;
}

function auditText(a: AuditResult | null): string {
  if (!a) return "not checked";
  if (a.status === "checking") return "checking…";
  if (a.status === "valid") return "valid";
  return `${a.status === "invalid" ? "INVALID" : "check failed"}${a.detail ? `: ${a.detail}` : ""}`;
}

/** Keeps the agents' tbody in step with the snapshots. */
export class AgentsTable {
  readonly #rows = new Map<string, Row>();

  constructor(
    readonly tbody: HTMLTableSectionElement,
    readonly onAudit: (name: string) => void,
  ) {}

  #row(name: string): Row {
    let r = this.#rows.get(name);
    if (r) return r;
    const cells = Array.from({ length: 7 }, (_, i) =>
      el(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : i >= 3 && i <= 4 ? { class: "num" } : {}),
    ) as HTMLTableCellElement[];
    const audit = el("span", { class: "audit" }, "not checked");
    const button = el(
      "button",
      { type: "button", "aria-label": `Check the audit chain of ${name}` },
      "Check",
    );
    button.addEventListener("click", () => this.onAudit(name));
    const tr = el(
      "tr",
      { "data-testid": "agent-row", "data-agent": name },
      ...cells,
      el("td", {}, audit, " ", button),
    );
    r = { tr, cells, audit, button };
    this.#rows.set(name, r);
    return r;
  }

  /** Draw `agents` (sorted by name) as of server time `now`. */
  render(agents: readonly AgentRow[], now: number): void {
    const sorted = [...agents].sort((a, b) => a.name.localeCompare(b.name));
    let prev: HTMLTableRowElement | null = null;
    for (const a of sorted) {
      const r = this.#row(a.name);
      const c = r.cells;
      setText(c[0] as Element, a.name);
      setText(c[1] as Element, a.agentId ? a.agentId.slice(0, 8) : "—");
      setText(c[2] as Element, a.state);
      (c[2] as HTMLElement).dataset.state = a.state;
      setText(c[3] as Element, String(a.sessions));
      setText(c[4] as Element, String(a.active));
      setText(
        c[5] as Element,
        a.lastHandshakeAt === null ? "—" : `${ms(a.lastHandshakeMs)}, ${ago(a.lastHandshakeAt, now)}`,
      );
      setText(c[6] as Element, ago(a.lastSeenAt, now));
      setText(r.audit, auditText(a.audit));
      r.audit.dataset.status = a.audit?.status ?? "none";
      r.button.disabled = a.audit?.status === "checking";
      const expected: ChildNode | null = prev ? prev.nextSibling : this.tbody.firstChild;
      if (expected !== r.tr) this.tbody.insertBefore(r.tr, expected);
      prev = r.tr;
    }
    const names = new Set(sorted.map((a) => a.name));
    for (const [name, r] of this.#rows) {
      if (!names.has(name)) {
        r.tr.remove();
        this.#rows.delete(name);
      }
    }
  }
}
