/**
 * Regenerate docs/BENCHMARKS.md from bench/results/latest.json and soak*.json (any may be
 * missing). Called by the bench and soak scripts; runnable alone (`pnpm --filter @hsagent/fleet docs`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { BENCHMARKS_MD, RESULTS_DIR } from "./paths.js";
import { renderBenchmarks } from "./report.js";
import type { BenchResults, SoakResults } from "./results.js";

function readJson<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : null;
}

/** Write docs/BENCHMARKS.md from the stored results; returns its path. */
export function writeDocs(): string {
  const bench = readJson<BenchResults>(`${RESULTS_DIR}latest.json`);
  const soaks = existsSync(RESULTS_DIR)
    ? readdirSync(RESULTS_DIR)
        .filter((f) => /^soak[A-Za-z0-9_-]*\.json$/.test(f))
        .sort()
        .map((f) => readJson<SoakResults>(`${RESULTS_DIR}${f}`)!)
    : [];
  mkdirSync(dirname(BENCHMARKS_MD), { recursive: true });
  writeFileSync(BENCHMARKS_MD, renderBenchmarks(bench, soaks));
  return BENCHMARKS_MD;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = writeDocs();
  process.stdout.write(`${JSON.stringify({ wrote: file })}\n`);
}
