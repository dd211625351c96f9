/**
 * Regenerate the state tables in README.md from the code (`pnpm --filter @hsagent/protocol docs`).
 * test/readme.test.ts fails when README and code disagree.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { renderTables } from "../src/index.js";

const START = "<!-- tables:start -->";
const END = "<!-- tables:end -->";
const path = new URL("../README.md", import.meta.url);
const text = readFileSync(path, "utf8");
const i = text.indexOf(START);
const j = text.indexOf(END);
if (i < 0 || j < i) throw new Error("README.md lacks the table markers");
writeFileSync(path, `${text.slice(0, i + START.length)}\n${renderTables()}${text.slice(j)}`);
