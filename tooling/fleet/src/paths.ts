/** Where results and the generated document live (repo root `bench/results/`, `docs/`). */
import { fileURLToPath } from "node:url";

/** The monorepo root. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** `bench/results/` at the repo root. */
export const RESULTS_DIR = `${REPO_ROOT}bench/results/`;
/** The generated benchmark document. */
export const BENCHMARKS_MD = `${REPO_ROOT}docs/BENCHMARKS.md`;
