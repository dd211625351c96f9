/**
 * Regenerate the tables generated from the code (`pnpm --filter @hsagent/protocol docs`): the
 * state tables in README.md and the rejection reason table in docs/PROTOCOL.md §9.
 * test/readme.test.ts and test/reasons-doc.test.ts fail when a document and the code disagree.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { renderReasonTable, renderTables } from "../src/index.js";

/** Replace what lies between `<!-- {tag}:start -->` and `<!-- {tag}:end -->` in `file`. */
function fill(file: URL, tag: string, content: string): void {
  const start = `<!-- ${tag}:start -->`;
  const end = `<!-- ${tag}:end -->`;
  const text = readFileSync(file, "utf8");
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${file.pathname} lacks the ${tag} markers`);
  writeFileSync(file, `${text.slice(0, i + start.length)}\n${content}${text.slice(j)}`);
}

fill(new URL("../README.md", import.meta.url), "tables", renderTables());
fill(new URL("../../../docs/PROTOCOL.md", import.meta.url), "reasons", renderReasonTable());
