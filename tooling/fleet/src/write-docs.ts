/**
 * Regenerate docs/BENCHMARKS.md from bench/results/latest.json, capacity.json and soak*.json (any may be
 * missing). Called by the bench and soak scripts; runnable alone (`pnpm --filter @hsagent/fleet docs`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { type CapacityResults, renderCapacity, renderCapacityChart } from "./capacity-report.js";
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
  const capacity = readJson<CapacityResults>(`${RESULTS_DIR}capacity.json`);
  mkdirSync(dirname(BENCHMARKS_MD), { recursive: true });
  let text = renderBenchmarks(bench, soaks);
  if (capacity) {
    writeFileSync(`${RESULTS_DIR}capacity-chart.svg`, renderCapacityChart(capacity));
    text = `${text.trimEnd()}\n\n${renderCapacity(capacity).join("\n")}`;
  }
  writeFileSync(BENCHMARKS_MD, text);
  return BENCHMARKS_MD;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = writeDocs();
  process.stdout.write(`${JSON.stringify({ wrote: file })}\n`);
}
