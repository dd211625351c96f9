import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderTables, TRANSITIONS } from "../src/index.js";

/** Table content independent of column padding (the formatter aligns markdown tables). */
function cells(markdown: string): string[][] {
  return markdown
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("|") || l.startsWith("###"))
    .map((l) =>
      l
        .split("|")
        .map((c) => c.trim())
        .filter((c) => c !== ""),
    )
    .filter((row) => !row.every((c) => /^-+$/.test(c)));
}

describe("README", () => {
  it("shows exactly the transition tables the code dispatches through", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const start = readme.indexOf("<!-- tables:start -->");
    const end = readme.indexOf("<!-- tables:end -->");
    expect(start).toBeGreaterThan(0);
    expect(cells(readme.slice(start, end))).toEqual(cells(renderTables()));
    expect(cells(renderTables()).length).toBe(TRANSITIONS.length + 4);
  });
});
