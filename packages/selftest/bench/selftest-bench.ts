// Bench: how long a full selftest takes against our substrate server on
// SQLite (in memory; and PostgreSQL in a random schema when
// HSAGENT_TEST_PG_URL is set), with the server's production defaults.
// Prints per-run lines, then ONE JSON object on the last stdout line:
// {sqlite: {runs, totalMsMedian, perCheckMsMedian}, postgres?: {...}}.

import { startTestSubstrate } from "@hsagent/substrate-server/testing";
import { runSelfTest } from "../src/index.js";

const RUNS = Number(process.env.SELFTEST_BENCH_RUNS ?? 5);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const m = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return Math.round(m * 10) / 10;
}

interface BenchResult {
  runs: number;
  allPassed: boolean;
  totalMsMedian: number;
  perCheckMsMedian: Record<string, number>;
}

async function bench(label: "sqlite" | "postgres"): Promise<BenchResult> {
  const { server, stop } = await startTestSubstrate(label, {
    realistic: true,
    schemaPrefix: "t_selftest_bench",
  });
  const totals: number[] = [];
  const perCheck = new Map<string, number[]>();
  let allPassed = true;
  try {
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const report = await runSelfTest({ baseUrl: server.url });
      const total = performance.now() - started;
      totals.push(total);
      allPassed &&= report.ok;
      for (const c of report.checks) perCheck.set(c.name, [...(perCheck.get(c.name) ?? []), c.ms]);
      console.log(`${label} run ${i + 1}/${RUNS}: ${total.toFixed(0)} ms, ok=${report.ok}`);
    }
  } finally {
    await stop();
  }
  return {
    runs: RUNS,
    allPassed,
    totalMsMedian: median(totals),
    perCheckMsMedian: Object.fromEntries([...perCheck].map(([k, v]) => [k, median(v)])),
  };
}

const result: { sqlite: BenchResult; postgres?: BenchResult } = { sqlite: await bench("sqlite") };
if (process.env.HSAGENT_TEST_PG_URL) result.postgres = await bench("postgres");
console.log(JSON.stringify(result));
