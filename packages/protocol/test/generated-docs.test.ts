import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_DOCS, markers } from "../scripts/generated-docs.js";

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

describe("generated tables", () => {
  it.each(GENERATED_DOCS.map((d) => [d.file.pathname.split("/").slice(-2).join("/"), d] as const))(
    "%s shows exactly the table the code renders",
    (_name, { file, tag, render, rows }) => {
      const text = readFileSync(file, "utf8");
      const { start, end } = markers(text, tag);
      expect(start).toBeGreaterThan(0);
      expect(cells(text.slice(start, end))).toEqual(cells(render()));
      expect(cells(render()).length).toBe(rows);
    },
  );
});
