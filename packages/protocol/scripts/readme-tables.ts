/**
 * Regenerate the tables generated from the code (`pnpm --filter @hsagent/protocol docs`): the
 * state tables in README.md and the rejection reason table in docs/PROTOCOL.md §9 (see
 * generated-docs.ts; test/generated-docs.test.ts fails when a document and the code disagree).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { GENERATED_DOCS, markers } from "./generated-docs.js";

for (const { file, tag, render } of GENERATED_DOCS) {
  const text = readFileSync(file, "utf8");
  const { start, end } = markers(text, tag);
  if (start < 0) throw new Error(`${file.pathname} lacks the ${tag} markers`);
  writeFileSync(file, `${text.slice(0, start)}\n${render()}${text.slice(end)}`);
}
