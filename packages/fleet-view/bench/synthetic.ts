// A synthetic fleet for benches: N started agents whose pairs each close a session about every
// 2 s (20 feeding ticks a second), with a rejection now and then. Returns a stop function.

import type { FleetModel } from "../src/index.js";

/** Start feeding `model` with `n` agents; call the result to stop. */
export function feedSyntheticFleet(
  model: Pick<FleetModel, "started" | "established" | "closed" | "rejected">,
  n: number,
): () => void {
  const names = Array.from({ length: n }, (_, i) => `agent${String(i).padStart(2, "0")}`);
  for (const [i, name] of names.entries()) model.started(name, `id-${i}`);
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  let next = 0;
  const perTick = Math.max(1, Math.round(pairs.length / 2 / 20));
  const timer = setInterval(() => {
    for (let k = 0; k < perTick; k++) {
      const [i, j] = pairs[next++ % pairs.length] as [number, number];
      const a = names[i] as string;
      const b = names[j] as string;
      model.established(a, 20 + Math.random() * 30);
      model.established(b, 20 + Math.random() * 30);
      model.closed(a, `id-${j}`, "initiator", 60 + Math.random() * 40);
      model.closed(b, `id-${i}`, "responder", 60 + Math.random() * 40);
      if (next % 97 === 0) model.rejected(a, "replay");
    }
  }, 50);
  return () => clearInterval(timer);
}
