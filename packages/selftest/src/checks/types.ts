// The shape of a check: an async function over the run's shared context that
// throws (CheckFailure, or any error) when something the agent relies on does not work.

import type { RunContext } from "../context.js";

/** One check's body. Resolves when every assertion held. */
export type CheckFn = (ctx: RunContext) => Promise<void>;
