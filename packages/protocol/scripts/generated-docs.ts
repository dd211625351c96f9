/**
 * The documents holding tables generated from the code, each between `<!-- {tag}:start -->` and
 * `<!-- {tag}:end -->`: the state tables in README.md and the rejection reasons in
 * docs/PROTOCOL.md §9. `scripts/readme-tables.ts` writes them; test/generated-docs.test.ts fails
 * when a document and the code disagree.
 */
import { REJECTION_REASONS, renderReasonTable } from "../src/reasons.js";
import { renderTables, TRANSITIONS } from "../src/table.js";

/** One generated table: where it lives, how to render it, and how many rows it must have. */
export interface GeneratedDoc {
  readonly file: URL;
  readonly tag: string;
  readonly render: () => string;
  /** Table rows (and `###` headings) the rendering holds. */
  readonly rows: number;
}

export const GENERATED_DOCS: readonly GeneratedDoc[] = [
  {
    file: new URL("../README.md", import.meta.url),
    tag: "tables",
    render: renderTables,
    // A heading and a header row per role.
    rows: TRANSITIONS.length + 4,
  },
  {
    file: new URL("../../../docs/PROTOCOL.md", import.meta.url),
    tag: "reasons",
    render: renderReasonTable,
    rows: REJECTION_REASONS.length + 1,
  },
];

/** Offsets of the text between the `tag` markers of `text` (`start` < 0 when they are missing). */
export function markers(text: string, tag: string): { start: number; end: number } {
  const open = `<!-- ${tag}:start -->`;
  const i = text.indexOf(open);
  const j = text.indexOf(`<!-- ${tag}:end -->`);
  return i < 0 || j < i ? { start: -1, end: -1 } : { start: i + open.length, end: j };
}
