// The agent runtime and selftest library as the commands use them: types statically, code
// loaded on first use, so `--help` and the light commands start without loading them.

import type { createAgent as CreateAgent } from "@hsagent/agent";
import type { runSelfTest as RunSelfTest } from "@hsagent/selftest";

export type { Agent, AgentEvent, AgentMetrics } from "@hsagent/agent";
export type { CheckResult as SelfTestCheck, SelfTestReport } from "@hsagent/selftest";

/** `createAgent` of @hsagent/agent, loaded on first use. */
export async function loadCreateAgent(): Promise<typeof CreateAgent> {
  return (await import("@hsagent/agent")).createAgent;
}

/** `runSelfTest` of @hsagent/selftest, loaded on first use. */
export async function loadRunSelfTest(): Promise<typeof RunSelfTest> {
  return (await import("@hsagent/selftest")).runSelfTest;
}
